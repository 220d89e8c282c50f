// Start-up of the sandbox: compile the runtime once, boot one interpreter, warm the request
// path, take the snapshot every worker restores from, and start the pool.
import { imageFiles, type RuntimeImage } from '../runtime/image.js';
import { collectGarbage } from './collectGarbage.js';
import { compileRuntime } from './compiledRuntimes.js';
import { filesForWorkers, snapshotDigest } from './imageForWorkers.js';
import { imageTree } from './imageTree.js';
import { PythonInstance, type Snapshot } from './PythonInstance.js';
import { refuseTestFaultsOutsideTests } from './testFaults.js';
import { toShared, WorkerPool } from './WorkerPool.js';
import type { RunPool, RunRequest } from './types.js';

export interface SandboxOptions {
  image: RuntimeImage;
  workers: number;
  /** Workers kept running while idle (default: all); the others start on demand (PoolOptions). */
  warmWorkers?: number;
  idleRetireMs?: number;
  queueLimit: number;
  /** Runs made before the snapshot (e.g. the safe_exec wrapper) so requests start warm. */
  warmups: RunRequest[];
}

export interface Sandbox {
  pool: RunPool;
  snapshotDigest: string;
  snapshotBytes: number;
}

/** Boot, preload, warm and snapshot an interpreter of `image` (deterministic: same bytes everywhere).
 * `freezeWarmObjects: false` is only for bench/gcFreeze.ts: the snapshot as it was before the
 * warm-up's objects went into gc's permanent generation; `heapHeadroom: false` only for
 * bench/growth.ts: without the free heap the warm-up leaves the allocator (ADR 0004). */
export async function buildSnapshot(image: RuntimeImage, warmups: RunRequest[], module?: WebAssembly.Module,
  options: { freezeWarmObjects?: boolean; heapHeadroom?: boolean } = {}): Promise<{ module: WebAssembly.Module; snapshot: Snapshot }> {
  const mod = module ?? (await compileRuntime(image.wasmBytes));
  const inst = PythonInstance.cold(mod, imageTree(imageFiles(image)));
  const preload: RunRequest | null = image.preloads.length === 0 ? null : {
    ...(warmups[0] ?? defaultWarmupShape()),
    argv: ['python', '-E', '-B', '-c', `import ${image.preloads.join(', ')}`],
    files: [],
    stdin: new Uint8Array(0),
  };
  const endArgs = [...(options.freezeWarmObjects === false ? ['freeze=False'] : []), ...(options.heapHeadroom === false ? ['headroom=False'] : [])];
  const endWarmup: RunRequest = { ...(preload ?? warmups[0] ?? defaultWarmupShape()), files: [], stdin: new Uint8Array(0),
    argv: ['python', '-E', '-B', '-c', `import _cj_driver; _cj_driver.end_warmup(${endArgs.join(', ')})`] };
  for (const req of [...(preload ? [preload] : []), ...warmups, endWarmup]) {
    const r = inst.run(req, { deterministicClock: true });
    if (r.outcome !== 'complete' || r.status !== 0) {
      throw new Error(`warm-up run failed (${r.outcome}, status ${r.status}): ${Buffer.from(r.stderr).toString('utf8')}`);
    }
  }
  return { module: mod, snapshot: inst.snapshot() };
}

function defaultWarmupShape(): RunRequest {
  return {
    argv: [], env: {}, cwd: '/tmp/codejail-warmup', files: [], stdin: new Uint8Array(0), seed: 0,
    limits: {
      fuel: 0, fuelPerSecond: 1, realtimeMs: 0, watchdogMs: 0, memoryBytes: 0, fileSizeBytes: 0,
      diskQuotaBytes: 0, maxFiles: 0, stdoutBytes: 1 << 20, stderrBytes: 1 << 20,
    },
  };
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  refuseTestFaultsOutsideTests();
  // The image's files from now on are the shared copies the workers map: one copy in memory.
  opts.image.files = toShared(opts.image.files);
  const { module, snapshot } = await buildSnapshot(opts.image, opts.warmups);
  // The interpreter booted for the snapshot is garbage now; its memory (the snapshot's size)
  // would stay resident until V8 collects, which an idle service may not do for long (ADR 0012).
  collectGarbage();
  // Workers start from the snapshot, never by booting: the files only a boot reads (the stdlib
  // zip, 12 MiB, hidden from every run's filesystem anyway) stay out of theirs. The sandbox keeps
  // no reference to the image either: its wasm bytes (V8 holds its own copy in the compiled
  // module) and its boot files are the caller's to drop (ADR 0012).
  const pool = await WorkerPool.start({
    workers: opts.workers, warmWorkers: opts.warmWorkers, idleRetireMs: opts.idleRetireMs,
    queueLimit: opts.queueLimit, module, files: filesForWorkers(opts.image), snapshot,
  });
  return {
    pool,
    snapshotDigest: snapshotDigest(snapshot),
    snapshotBytes: snapshot.memory.length,
  };
}
