// The peers' own test suites (../shared/peer-suites: codejail 4.1.1's tests, codejail-service's
// api_tests), run unmodified: each is copied to a temporary directory at test time and run by its
// own run.sh, whose closing line is what we report and check.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the suites are read from: $CODEJAIL_WASM_PEER_SUITES, or ../shared/peer-suites next to the repository. */
export const PEER_SUITES = resolve(process.env.CODEJAIL_WASM_PEER_SUITES ?? join(REPO, '..', 'shared', 'peer-suites'));
// Debian's interpreter: the test prerequisites (python3-pytest, -requests, -ddt, -django) are its.
export const PYTHON = process.env.CODEJAIL_WASM_TEST_PYTHON ?? '/usr/bin/python3';

/** A reason to skip when the suites are not on this machine, else false. */
export function suitesMissing(suite: string): string | false {
  return existsSync(join(PEER_SUITES, suite, 'run.sh'))
    ? false : `the peer suites are not at ${join(PEER_SUITES, suite)} (set CODEJAIL_WASM_PEER_SUITES)`;
}

/** The ids of the tests pytest's summary names as FAILED or ERROR. */
export function failedTests(output: string): string[] {
  return [...new Set([...output.matchAll(/^\s*(?:FAILED|ERROR) (\S+)/gm)].map((m) => m[1]!))];
}

export interface SuiteRun { status: number | null; output: string; closing: string }

/** Copy `suite` to a fresh directory and run its run.sh with `args`; the closing line is the last
 * line of its output that `closing` matches. */
export async function runSuite(suite: string, args: string[], env: Record<string, string>, closing: RegExp): Promise<SuiteRun> {
  const dir = mkdtempSync(join(tmpdir(), 'cjw-peer-'));
  try {
    cpSync(join(PEER_SUITES, suite), join(dir, suite), { recursive: true });
    const child = spawn('bash', [join(dir, suite, 'run.sh'), ...args], {
      env: { ...process.env, PYTHON, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const lines = output.split('\n').filter((l) => closing.test(l));
    return { status, output, closing: lines[lines.length - 1] ?? '(no closing line)' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
