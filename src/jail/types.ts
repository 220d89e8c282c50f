// The codejail-level contract: what jail_code and safe_exec take and give, independent of transport.
import type { PoolStats as SandboxPoolStats, RunResult } from '../sandbox/types.js';
import type { GlobalsOutputException } from './globalsOutput.js';

export { CancelledError, UnavailableError } from '../sandbox/errors.js';
/** What a run did (outcome, fuel, wall time, the limit that stopped it): the sandbox's account, as the jail passes it on. */
export type { RunResult } from '../sandbox/types.js';

/** codejail's limit names and their value types (seconds, bytes, counts). */
export interface CodejailLimits {
  CPU: number;      // CPU seconds -> fuel budget
  REALTIME: number; // wall seconds -> realtime budget and watchdog
  VMEM: number;     // bytes of memory, 0 = unlimited (up to the operator maximum)
  FSIZE: number;    // largest file the program may write, bytes
  NPROC: number;    // accepted for compatibility; no processes exist in the sandbox
  PROXY: number | null; // accepted for compatibility; there is no network at all
}
export type LimitName = keyof CodejailLimits;

/** A file copied into the jail directory: codejail's `files` (host paths) become
 * (relative path, bytes) pairs; a directory is sent as its files with 'dir/sub/file' paths.
 * Exactly one of content and symlink (the jail checks it: jail/request.ts). */
export interface JailFile {
  path: string;
  content?: Uint8Array;
  /** A symbolic link to this target, with no content: codejail copies symlinks as symlinks. */
  symlink?: string;
}
/** codejail's extra_files: (name, bytes) written into the jail directory. */
export interface ExtraFile {
  name: string;
  content: Uint8Array;
}

/** What both jail_code and safe_exec take besides their program: the caller's files, the
 * course context, limits, seed, image and cancellation. */
export interface RunOptions {
  files?: JailFile[];
  extraFiles?: ExtraFile[];
  limitOverridesContext?: string | null;
  slug?: string | null;
  /** Per-request limits, as codejail's caller-side LIMITS would be; clamped to the operator maximum. */
  limits?: Partial<CodejailLimits>;
  /** Makes the run reproducible: os.urandom and the jail dir name follow from it. Absent (the
   * default), os.urandom reads the host CSPRNG and the jail dir name is random. */
  seed?: number;
  /** Runtime image (interpreter + library layers); the course's or the default when absent. */
  image?: string | null;
  /** Aborted when the caller is gone: a run still waiting in the queue is dropped. */
  signal?: AbortSignal;
}

export interface JailCodeRequest extends RunOptions {
  command: string;             // a configured command; 'python' by default
  code?: string | null;        // written to ./jailed_code and run, when given
  argv?: string[];
  stdin?: Uint8Array | string | null;
}

export interface JailCodeResult {
  status: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  run: RunResult;
  /** The limits that applied after overrides and clamping. */
  effectiveLimits: CodejailLimits;
  /** The image the code ran in. */
  image: string;
}

export interface SafeExecRequest extends RunOptions {
  code: string;
  /** The globals as JSON text (lossless: big ints and NaN/Infinity pass through unchanged). */
  globalsJson: string;
  pythonPath?: string[];
}

export type SafeExecResult =
  /** globalsJson: the json_safe globals exactly as the wrapper printed them (Python's json.dump),
   * checked to be exactly one JSON object. */
  | { ok: true; globalsJson: string; run: RunResult; effectiveLimits: CodejailLimits; image: string }
  /** The exception codejail's safe_exec raises and its message: a SafeExecException (non-zero
   * status; emsg byte for byte as codejail builds it), or what its json.loads of the program's
   * stdout raises when the program exited 0 without the wrapper's globals (e.g. sys.exit(0)). */
  | {
    ok: false; exception: 'SafeExecException' | GlobalsOutputException; emsg: string;
    status: number; stdout: Uint8Array; stderr: Uint8Array; run: RunResult; effectiveLimits: CodejailLimits; image: string;
  };

/** Operator policy for limits: codejail's LIMITS and LIMIT_OVERRIDES plus maxima no request can exceed. */
export interface LimitPolicy {
  /** Defaults for every run (codejail's LIMITS after set_limit). */
  defaults: CodejailLimits;
  /** Per-course overrides keyed by limit_overrides_context (codejail's LIMIT_OVERRIDES). */
  overrides: Record<string, Partial<CodejailLimits>>;
  /** Operator maxima; any effective limit above is clamped down (0 = unlimited is clamped too). */
  maxima: { CPU: number; REALTIME: number; VMEM: number; FSIZE: number };
}

/** Pool occupancy, for /metrics and /health/: per image when the jail runs several (the totals are the sums). */
export interface PoolStats extends SandboxPoolStats {
  images?: Record<string, SandboxPoolStats>;
}

/** What the HTTP layer needs from the jail. */
export interface JailService {
  jailCode(req: JailCodeRequest): Promise<JailCodeResult>;
  safeExec(req: SafeExecRequest): Promise<SafeExecResult>;
  stats(): PoolStats;
  /** Stop accepting work, wait for in-flight runs, stop workers. */
  close(): Promise<void>;
}

/** A request the caller got wrong; `field` names the offending field (HTTP 400). */
export class BadRequestError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}
