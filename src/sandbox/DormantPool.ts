// The pool of an image that keeps nothing in memory while nobody uses it: an image no course is
// mapped to (a request can still name it) holds neither its compiled module, nor its files,
// nor its snapshot between uses. The first request reads the image from its artifacts and
// builds all three on a thread of its own (buildOffThread.ts), a worker pool starts on them,
// and once the pool's last worker has retired idle the whole pool is dropped again (ADR 0012).
// Start-up builds every such image once, so a broken image still fails the start, and keeps
// the sha256 of its snapshot: every later build must give the same bytes (snapshots are
// deterministic), so a request never runs on an image other than the one the service started with.
import { buildImageOffThread, type ImageBuildRequest } from './buildOffThread.js';
import { collectGarbage } from './collectGarbage.js';
import { compiledRuntimeFor } from './compiledRuntimes.js';
import { CancelledError, UnavailableError } from './errors.js';
import { trimMalloc } from './mallocTrim.js';
import { WorkerPool } from './WorkerPool.js';
import type { PoolStats, RunPool, RunRequest, RunResult } from './types.js';

export interface DormantPoolOptions {
  /** The image, by name in an image configuration. */
  image: { name: string; configPath?: string };
  workers: number;
  idleRetireMs: number;
  queueLimit: number;
  warmups: RunRequest[];
}

export class DormantPool implements RunPool {
  private pool: WorkerPool | null = null;
  private loading: Promise<WorkerPool> | null = null;
  /** Requests waiting for the pool to be built. */
  private waiting = 0;
  private closing = false;
  private loads = 0;

  private constructor(
    private readonly opts: DormantPoolOptions,
    /** sha256 of the image's snapshot (every build must reproduce it) and its size. */
    readonly snapshotDigest: string,
    readonly snapshotBytes: number,
    private readonly wasmDigest: string,
  ) {}

  /** Build the image once (it must build: a broken image fails the start), keep only its digests. */
  static async start(opts: DormantPoolOptions): Promise<DormantPool> {
    const built = await buildImageOffThread(buildRequest(opts));
    return new DormantPool(opts, built.snapshotDigest, built.snapshot.memory.length, built.wasmDigest);
  }

  /** Whether the image's module, files and snapshot are in memory now. */
  get loaded(): boolean {
    return this.pool !== null || this.loading !== null;
  }

  /** Builds since start (start-up's excluded). */
  get timesLoaded(): number {
    return this.loads;
  }

  run(request: RunRequest, signal?: AbortSignal): Promise<RunResult> {
    if (this.closing) return Promise.reject(new UnavailableError('the sandbox is shutting down'));
    if (this.pool) return this.pool.run(request, signal);
    if (signal?.aborted) return Promise.reject(new CancelledError());
    // While the image loads, as many wait as its pool could run and queue.
    if (this.waiting >= this.opts.workers + this.opts.queueLimit) {
      return Promise.reject(new UnavailableError(`image ${this.opts.image.name} is loading and ${this.waiting} requests already wait for it`));
    }
    this.waiting++;
    this.loading ??= this.load();
    return this.loading.then((pool) => {
      this.waiting--;
      return pool.run(request, signal);
    }, (err: Error) => {
      this.waiting--;
      throw err;
    });
  }

  private async load(): Promise<WorkerPool> {
    try {
      this.loads++;
      const module = await compiledRuntimeFor(this.wasmDigest)?.catch(() => undefined);
      const built = await buildImageOffThread({ ...buildRequest(this.opts), module, wasmDigest: this.wasmDigest, lowPriority: true });
      if (built.snapshotDigest !== this.snapshotDigest) {
        throw new Error(`image ${this.opts.image.name} changed since the service started (snapshot sha256 ${built.snapshotDigest}, started with ${this.snapshotDigest})`);
      }
      const pool: WorkerPool = await WorkerPool.start({
        workers: this.opts.workers, warmWorkers: 0, idleRetireMs: this.opts.idleRetireMs, queueLimit: this.opts.queueLimit,
        module: built.module, files: built.files, snapshot: built.snapshot,
        onEmpty: () => this.drop(pool),
      });
      if (this.closing) {
        await pool.close();
        throw new UnavailableError('the sandbox is shutting down');
      }
      this.pool = pool;
      return pool;
    } finally {
      this.loading = null;
    }
  }

  /** The pool's last worker is gone: drop the pool, and with it the module, files and snapshot. */
  private drop(pool: WorkerPool): void {
    if (this.pool !== pool) return;
    this.pool = null;
    void pool.close().then(() => {
      // The module, the files and the snapshot are garbage now, but V8 would not collect them
      // soon in an idle process; what the compiled module held natively goes with the collection.
      collectGarbage();
      trimMalloc();
    });
  }

  stats(): PoolStats {
    if (this.pool) return this.pool.stats();
    return { workers: 0, busy: 0, idle: 0, queued: this.waiting, queueLimit: this.opts.queueLimit, replacements: 0, watchdogTerminations: 0 };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.loading?.catch(() => undefined);
    await this.pool?.close();
  }
}

function buildRequest(opts: DormantPoolOptions): ImageBuildRequest {
  return { name: opts.image.name, configPath: opts.image.configPath, warmups: opts.warmups };
}
