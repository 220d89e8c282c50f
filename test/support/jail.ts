// Shared fixtures: one real Jail (warm pool over the committed runtime) per test file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createJail, type Jail, type JailOptions } from '../../src/jail/jail.js';
import { defaultPolicy } from '../../src/jail/limits.js';
import type { CodejailLimits, JailCodeResult, LimitPolicy } from '../../src/jail/types.js';
import { TEST_FAULT_SWITCHES } from '../../src/sandbox/testFaults.js';

/** The test jails' policy: codejail's defaults but for REALTIME, which is wall-clock time (as
 * under codejail) and would make functional tests depend on how loaded the machine is; the
 * tests about REALTIME set it explicitly. */
export function testPolicy(): LimitPolicy {
  const policy = defaultPolicy();
  policy.defaults.REALTIME = 30;
  return policy;
}

export async function startJail(opts: Partial<JailOptions> = {}): Promise<Jail> {
  return createJail({
    policy: opts.policy ?? testPolicy(),
    workers: opts.workers ?? 2,
    queueLimit: opts.queueLimit ?? 64,
    outputLimitBytes: opts.outputLimitBytes ?? 8 * 1024 * 1024,
    ...opts,
  });
}

/** The environment variable that makes workers a stuck host (worker.ts): they never end a run
 * by REALTIME themselves, so only the wall-clock watchdog can stop a spinning run. */
export const STUCK_HOST_ENV = TEST_FAULT_SWITCHES.stuckHost;

/** A jail whose first workers are a stuck host (replacements are not): for the watchdog's tests. */
export async function startStuckHostJail(opts: Partial<JailOptions> = {}): Promise<Jail> {
  process.env[STUCK_HOST_ENV] = '1';
  try {
    return await startJail(opts);
  } finally {
    delete process.env[STUCK_HOST_ENV];
  }
}

export const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/** Wait (bounded, polling) until the pool is back to `n` ready workers. Not a timing assertion:
 * the bound only keeps a broken pool from hanging the suite. */
export async function recovered(jail: Jail, n: number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const s = jail.stats();
    if (s.workers === n && s.idle === n && s.busy === 0 && s.queued === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`pool did not recover: ${JSON.stringify(jail.stats())}`);
}

/** Run code with jail_code and the jail's default limits unless given. */
export async function runCode(jail: Jail, code: string, limits: Partial<CodejailLimits> = {}, extra: { stdin?: string; argv?: string[]; seed?: number } = {}): Promise<JailCodeResult> {
  return jail.jailCode({ command: 'python', code, limits, ...extra });
}

/** Native CPython as codejail runs it (no sandbox): the reference for expected values. */
export function nativePython(code: string, stdin = ''): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', code], { input: stdin, encoding: 'utf8', env: {} });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run code in the jail and natively; both must succeed with the same output, which is returned. */
export async function sameAsNative(jail: Jail, code: string, nativeHint = '', limits: Partial<CodejailLimits> = {}): Promise<string> {
  const native = nativePython(code);
  assert.equal(native.status, 0, `native run failed${nativeHint}:\n${native.stderr}`);
  const r = await runCode(jail, code, limits);
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), native.stdout);
  return native.stdout;
}

/** Per program: its printed values are the same under the same seed, all different under another
 * seed and between two unseeded runs (generators seeded from the run's randomness). */
export async function assertSeededPerRun(run: (code: string, seed?: number) => Promise<{ status: number; stdout: Uint8Array; stderr: Uint8Array }>, programs: string[]): Promise<void> {
  for (const code of programs) {
    const values = async (seed?: number) => {
      const r = await run(code, seed);
      assert.equal(r.status, 0, text(r.stderr));
      return text(r.stdout).trim().split(' ');
    };
    const [a, again, b, unseeded1, unseeded2] = [await values(1), await values(1), await values(2), await values(), await values()];
    assert.deepEqual(again, a, 'the same seed gives the same values');
    for (let i = 0; i < a.length; i++) {
      assert.notEqual(b[i], a[i], `generator ${i} of ${JSON.stringify(code)} is the same under another seed`);
      assert.notEqual(unseeded2[i], unseeded1[i], `generator ${i} of ${JSON.stringify(code)} repeats between unseeded runs`);
    }
  }
}
