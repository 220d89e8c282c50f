// codejail's jail_code: lay out the jail directory, build the command line, map the limits
// onto the sandbox's mechanisms, and report the result with codejail's statuses.
import { randomInt } from 'node:crypto';
import { fuelForCpuSeconds } from '../sandbox/fuel.js';
import type { RunLimits, RunRequest, SandboxFile } from '../sandbox/types.js';
import type { CheckedJailCodeRequest } from './request.js';
import type { CodejailLimits } from './types.js';

/** Operator settings that shape every run besides codejail's limits. */
export interface RunSettings {
  fuelPerSecond: number;
  /** The watchdog fires at REALTIME x this + watchdogGraceMs. A run ends itself at REALTIME
   * (wall clock, read between fuel slices and in sleeps), so the watchdog only acts when the
   * host itself is stuck; the margin keeps a merely overloaded machine from triggering it. */
  watchdogFactor: number;
  watchdogGraceMs: number;
  outputLimitBytes: number;
  diskQuotaBytes: number;
  maxFiles: number;
}

export const DEFAULT_RUN_SETTINGS: RunSettings = {
  fuelPerSecond: 0, // filled from sandbox/fuel.ts at jail creation
  watchdogFactor: 4,
  watchdogGraceMs: 1000,
  outputLimitBytes: 64 * 1024 * 1024,
  diskQuotaBytes: 64 * 1024 * 1024,
  maxFiles: 1000,
};

/** How long an idle worker of an image other than the default lives, by default: long enough
 * that a course working in a pinned image keeps its workers between requests, short enough
 * that an image nobody used for a while holds no instance (ADR 0012). */
/** Workers of the default image the service keeps running while idle: one instance serves
 * requests that come one at a time; a second starts when a request finds it busy (ADR 0012). */
export const DEFAULT_WARM_WORKERS = 1;
export const DEFAULT_IDLE_WORKER_MS = 300_000;

/** tempfile's alphabet: codejail's jail dir is tempfile.mkdtemp(prefix='codejail-'). */
const TEMP_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';

/** The jail directory of a reproducible run (explicit seed): derived from the seed. */
export function jailDirName(seed: number): string {
  let x = (seed >>> 0) ^ 0x9e3779b9;
  let name = '';
  for (let i = 0; i < 8; i++) {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
    x = (x ^ (x >>> 12)) >>> 0;
    name += TEMP_CHARS[x % TEMP_CHARS.length];
  }
  return `/tmp/codejail-${name}`;
}

/**
 * The environment codejail's program gets: it runs as `sudo -u sandbox TMPDIR=tmp python ...`,
 * and sudo replaces the caller's environment with the target user's (PATH is sudo's
 * secure_path, Debian's default), then adds TMPDIR. Nothing of the service's own environment
 * reaches the sandbox. (sudo also sets SUDO_USER/UID/GID/COMMAND, which name the caller
 * and its command line: there is no such caller here.)
 */
export const SANDBOX_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  MAIL: '/var/mail/sandbox',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LOGNAME: 'sandbox',
  USER: 'sandbox',
  HOME: '/home/sandbox',
  SHELL: '/usr/sbin/nologin',
  TERM: 'unknown',
  TMPDIR: 'tmp',
});

/** The jail directory of an unseeded run: drawn from the CSPRNG, like mkdtemp's, and
 * unrelated to anything else the program sees. */
export function randomJailDirName(): string {
  let name = '';
  for (let i = 0; i < 8; i++) name += TEMP_CHARS[randomInt(TEMP_CHARS.length)];
  return `/tmp/codejail-${name}`;
}

export function runLimits(limits: CodejailLimits, settings: RunSettings): RunLimits {
  return {
    fuel: fuelForCpuSeconds(limits.CPU, settings.fuelPerSecond),
    fuelPerSecond: settings.fuelPerSecond,
    realtimeMs: limits.REALTIME > 0 ? limits.REALTIME * 1000 : 0,
    watchdogMs: limits.REALTIME > 0 ? limits.REALTIME * 1000 * settings.watchdogFactor + settings.watchdogGraceMs : 0,
    memoryBytes: limits.VMEM,
    fileSizeBytes: limits.FSIZE,
    diskQuotaBytes: settings.diskQuotaBytes,
    maxFiles: settings.maxFiles,
    stdoutBytes: settings.outputLimitBytes,
    stderrBytes: settings.outputLimitBytes,
  };
}

const utf8 = new TextEncoder();

/** The sandbox request for a checked jail_code call (limits already resolved). `seed` null
 * (the default) gives os.urandom from the host's CSPRNG; a number makes the run reproducible. */
export function buildJailRun(req: CheckedJailCodeRequest, limits: CodejailLimits, settings: RunSettings, seed: number | null): RunRequest {
  const dir = seed === null ? randomJailDirName() : jailDirName(seed);
  const files: SandboxFile[] = req.files.map((f) => ({ path: `${dir}/${f.path}`, data: f.content, ...(f.symlink !== undefined ? { symlink: f.symlink } : {}) }));
  const argv = [...req.argv];
  if (req.code) {
    files.push({ path: `${dir}/jailed_code`, data: utf8.encode(req.code) });
    argv.unshift('jailed_code');
  }
  for (const f of req.extraFiles) files.push({ path: `${dir}/${f.name}`, data: f.content });
  // The world-writable tmp/ directory codejail creates (the only place the program may write),
  // and TMPDIR=tmp pointing at it.
  files.push({ path: `${dir}/tmp/`, data: new Uint8Array(0), writable: true });
  return {
    argv: ['python', '-E', '-B', ...argv],
    env: { ...SANDBOX_ENVIRONMENT },
    cwd: dir,
    files,
    stdin: req.stdin,
    seed,
    limits: runLimits(limits, settings),
  };
}
