// Runs a payload the way codejail does, minus AppArmor and the sandbox user: a fresh
// /tmp/codejail-XXXX directory, the same files and wrapper, `python -E -B` of a native
// interpreter with TMPDIR=tmp, rlimits through prlimit(1) when it exists, a wall-clock kill
// at REALTIME, and codejail's statuses (exit code, or minus the signal number).
// It is the baseline the compare command and the benchmarks measure the sandbox against.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { CodejailLimits, JailCodeRequest } from '../jail/types.js';
import { DEFAULT_LIMITS } from '../jail/limits.js';
import { SANDBOX_ENVIRONMENT } from '../jail/jailRun.js';
import { checkJailCodeRequest } from '../jail/request.js';
import { safeExecExceptionMessage } from '../jail/runOutput.js';
import { buildSafeExecStdin, buildSafeExecWrapper } from '../jail/wrapper.js';

export interface LegacyOptions {
  /** The native interpreter codejail would be configured with (default /usr/bin/python3). */
  python?: string;
  limits?: Partial<CodejailLimits>;
}

export interface LegacyResult {
  status: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  wallMs: number;
  /** The jail directory that was used (already deleted), for normalising outputs. */
  jailDir: string;
}

let prlimitPath: string | null | undefined;
function findPrlimit(): string | null {
  if (prlimitPath === undefined) {
    const r = spawnSync('sh', ['-c', 'command -v prlimit'], { encoding: 'utf8' });
    prlimitPath = r.status === 0 ? r.stdout.trim() : null;
  }
  return prlimitPath;
}

/** codejail's create_rlimits as prlimit(1) options. */
function rlimitArgs(l: CodejailLimits): string[] {
  const args: string[] = [];
  if (l.NPROC) args.push(`--nproc=${l.NPROC}:${l.NPROC}`);
  if (l.CPU) args.push(`--cpu=${Math.ceil(l.CPU)}:${Math.ceil(l.CPU) + 1}`);
  if (l.VMEM) args.push(`--as=${l.VMEM}:${l.VMEM}`);
  args.push(`--fsize=${l.FSIZE}:${l.FSIZE}`);
  return args;
}

const utf8 = new TextEncoder();

export async function legacyJailCode(request: JailCodeRequest, opts: LegacyOptions = {}): Promise<LegacyResult> {
  // The same checks as the sandbox's: these paths are written on the host.
  const req = checkJailCodeRequest(request);
  const limits: CodejailLimits = { ...DEFAULT_LIMITS, ...opts.limits, ...req.limits };
  const home = await mkdtemp('/tmp/codejail-');
  try {
    await mkdir(join(home, 'tmp'), { mode: 0o777 });
    const argv = [...req.argv];
    for (const f of req.files) {
      await mkdir(dirname(join(home, f.path)), { recursive: true });
      await writeFile(join(home, f.path), f.content);
    }
    if (req.code) {
      await writeFile(join(home, 'jailed_code'), utf8.encode(req.code));
      argv.unshift('jailed_code');
    }
    for (const f of req.extraFiles) await writeFile(join(home, f.name), f.content);
    const python = opts.python ?? '/usr/bin/python3';
    const prlimit = findPrlimit();
    const cmd = prlimit ? [prlimit, ...rlimitArgs(limits), '--', python, '-E', '-B', ...argv] : [python, '-E', '-B', ...argv];
    const started = performance.now();
    const { status, stdout, stderr } = await run(cmd, home, req.stdin, limits.REALTIME);
    return { status, stdout, stderr, wallMs: performance.now() - started, jailDir: home };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function run(cmd: string[], cwd: string, stdin: Uint8Array, realtime: number):
  Promise<{ status: number; stdout: Uint8Array; stderr: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd, env: { ...SANDBOX_ENVIRONMENT }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => { /* the program may exit without reading stdin */ });
    child.stdin.end(stdin);
    const timer = realtime > 0 ? setTimeout(() => child.kill('SIGKILL'), realtime * 1000) : null;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const status = signal ? -(osConstants.signals[signal] ?? 9) : (code ?? 0);
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

export type LegacySafeExecResult =
  | { ok: true; globalsJson: string; wallMs: number; jailDir: string }
  | { ok: false; emsg: string; status: number; wallMs: number; jailDir: string };

/** codejail's safe_exec with the same wrapper text, natively. */
export async function legacySafeExec(
  req: { code: string; globalsJson: string; pythonPath?: string[]; files?: JailCodeRequest['files']; extraFiles?: JailCodeRequest['extraFiles'] },
  opts: LegacyOptions = {},
): Promise<LegacySafeExecResult> {
  const r = await legacyJailCode({
    command: 'python',
    code: buildSafeExecWrapper(req.pythonPath ?? []),
    stdin: buildSafeExecStdin(req.code, req.globalsJson),
    files: req.files,
    extraFiles: req.extraFiles,
  }, opts);
  if (r.status !== 0) {
    return { ok: false, emsg: safeExecExceptionMessage(r.stdout, r.stderr, r.status), status: r.status, wallMs: r.wallMs, jailDir: r.jailDir };
  }
  return { ok: true, globalsJson: Buffer.from(r.stdout).toString('utf8'), wallMs: r.wallMs, jailDir: r.jailDir };
}
