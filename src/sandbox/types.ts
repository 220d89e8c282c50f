// The contract between the sandbox (a warm pool of WASI CPython instances) and its callers.

/** A file placed in the sandbox FS for one run; absolute path, or a directory when it ends in "/".
 * Everything placed is read-only to the program, as codejail's jail directory (the caller's) is. */
export interface SandboxFile {
  path: string;
  data: Uint8Array;
  /** A directory the program may create, write and remove files in (codejail's tmp/). */
  writable?: boolean;
  /** A symbolic link to this target instead of a file (codejail copies symlinks as symlinks). */
  symlink?: string;
}

/** Limits the host enforces for one run. */
export interface RunLimits {
  /** Fuel budget (interpreter work units); exhaustion ends the run like SIGXCPU. 0 = unlimited. */
  fuel: number;
  /** REALTIME: wall-clock budget in ms, enforced inside the run (between fuel slices and in
   * sleeps), which then unwinds like any other trap; 0 = unlimited. */
  realtimeMs: number;
  /** Fuel units per codejail CPU second (sizes the slices between looks at the clock). */
  fuelPerSecond: number;
  /** Backstop for a stuck host, in wall-clock milliseconds: the worker is terminated after it. 0 = none. */
  watchdogMs: number;
  /** Linear memory cap in bytes (VMEM); 0 = the module's maximum. */
  memoryBytes: number;
  /** Largest size in bytes of any file the program writes (FSIZE; 0 = it can create empty files only). */
  fileSizeBytes: number;
  /** Total bytes the program may keep in writable files, all files together. */
  diskQuotaBytes: number;
  /** Maximum number of files and directories the program may create. */
  maxFiles: number;
  /** Caps on captured stdout / stderr; output past the cap is dropped and a marker appended. */
  stdoutBytes: number;
  stderrBytes: number;
}

/** One process-like run of the interpreter. */
export interface RunRequest {
  /** Full argv as a process would get it, e.g. ['python', '-E', '-B', 'jailed_code', 'arg1']. */
  argv: string[];
  /** Environment of the process (codejail gives {TMPDIR: 'tmp'}). */
  env: Record<string, string>;
  /** Working directory; created if missing. Read-only to the program, like everything placed
   * in it except the directories placed writable. */
  cwd: string;
  /** Files to create before the run (inside cwd or elsewhere; the host's own layers stay read-only). */
  files: SandboxFile[];
  /** Bytes on standard input. */
  stdin: Uint8Array;
  /** random_get (os.urandom, SystemRandom): null reads the host's CSPRNG (production); a
   * number makes the run reproducible (tests, `compare`), and predictable to whoever knows it. */
  seed: number | null;
  limits: RunLimits;
}

/** Pool occupancy, for /metrics and /health/. */
export interface PoolStats {
  workers: number;
  busy: number;
  idle: number;
  queued: number;
  queueLimit: number;
  replacements: number;
  /** Runs the wall-clock watchdog ended by terminating their worker (a stuck host: REALTIME
   * normally ends a run from inside it, without replacing the worker). */
  watchdogTerminations: number;
}

/** What serves an image's requests: its worker pool (WorkerPool), or a pool made on demand (DormantPool). */
export interface RunPool {
  run(request: RunRequest, signal?: AbortSignal): Promise<RunResult>;
  stats(): PoolStats;
  close(): Promise<void>;
}

/** How a run ended. */
export type RunOutcome =
  | 'complete'      // the program exited by itself (any status, including uncaught exceptions)
  | 'out_of_fuel'   // CPU budget exhausted (status -24, as SIGXCPU)
  | 'timed_out'     // realtime budget or watchdog (status -9, as SIGKILL)
  | 'out_of_memory' // the engine could not satisfy memory even for the interpreter itself (status -9)
  | 'crashed';      // a trap other than fuel: status -6 (SIGABRT) for abort()/`unreachable` and an
                    // uncaught C++ exception, -11 (SIGSEGV) for stack overflow, other traps and host errors

export interface RunResult {
  outcome: RunOutcome;
  /** Process-style exit status: the exit code, or minus the signal number codejail would see. */
  status: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Fuel consumed by the run (deterministic for the same request and snapshot). */
  fuelUsed: number;
  /** Wall time of the run inside the worker, milliseconds. */
  wallMs: number;
  /** Which limit stopped the run, if one did: 'CPU' | 'REALTIME' | 'VMEM' | 'FSIZE' | 'OUTPUT'. */
  limitHit?: string;
  /** Free-form detail for logs (trap message), never shown to the sandboxed program. */
  detail?: string;
}
