// The pool of an image that keeps almost nothing in memory while nobody uses it: an image no
// course is mapped to (a request can still name it) holds neither its compiled module, nor its
// files between uses, and its snapshot only compressed. Start-up builds the image once on a
// thread of its own (buildOffThread.ts), so a broken image still fails the start, and keeps the
// compressed snapshot and the sha256 of the runtime's wasm, of the files and of the snapshot. The
// first request reloads the image on a thread (reloadOffThread.ts: artifacts read and compiled,
// snapshot expanded; no boot), a worker pool starts on it, and once the pool's last worker has
// retired idle the pool is dropped again. A reload must reproduce all three digests, so a
// request never runs on an image other than the one the service started with (ADR 0012).
import { collectGarbage } from './collectGarbage.js';
import { buildImageOffThread } from './buildOffThread.js';
import { compiledRuntimeFor } from './compiledRuntimes.js';
import { CancelledError, UnavailableError } from './errors.js';
import { digestChanges, type ServedDigests } from './imageForWorkers.js';
import { trimMalloc } from './mallocTrim.js';
import { reloadImageOffThread } from './reloadOffThread.js';
import type { CompressedSnapshot } from './RestingSnapshot.js';
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
    /** What every reload must reproduce. */
    private readonly started: ServedDigests,
    /** The snapshot start-up made, compressed, in shared memory (the reload thread reads it in place). */
    private readonly resting: CompressedSnapshot,
  ) {}

  /** Build the image once (it must build: a broken image fails the start), keep its snapshot compressed. */
  static async start(opts: DormantPoolOptions): Promise<DormantPool> {
    const { name, configPath } = opts.image;
    const built = await buildImageOffThread({ name, configPath, warmups: opts.warmups });
    return new DormantPool(opts, built.digests, built.snapshot);
  }

  /** sha256 of the image's snapshot (of its memory: the same wherever the image is built). */
  get snapshotDigest(): string {
    return this.started.snapshot;
  }

  /** Bytes of the snapshot's memory. */
  get snapshotBytes(): number {
    return this.resting.length;
  }

  /** Bytes the compressed snapshot holds between uses. */
  get restingBytes(): number {
    return this.resting.compressed.length;
  }

  /** Whether the image's module, files and expanded snapshot are in memory now. */
  get loaded(): boolean {
    return this.pool !== null || this.loading !== null;
  }

  /** Reloads since start. */
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
      const { name, configPath } = this.opts.image;
      const module = await compiledRuntimeFor(this.started.wasm)?.catch(() => undefined);
      const loaded = await reloadImageOffThread({ name, configPath, snapshot: this.resting, module, wasmDigest: this.started.wasm });
      const changes = digestChanges(this.started, loaded.digests);
      if (changes) throw new Error(`image ${name} changed since the service started (${changes})`);
      const pool: WorkerPool = await WorkerPool.start({
        workers: this.opts.workers, warmWorkers: 0, idleRetireMs: this.opts.idleRetireMs, queueLimit: this.opts.queueLimit,
        module: loaded.module, files: loaded.files, snapshot: loaded.snapshot,
        compressAtRest: false,
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

  /** The pool's last worker is gone: drop the pool, and with it the module, files and expanded snapshot. */
  private drop(pool: WorkerPool): void {
    if (this.pool !== pool) return;
    this.pool = null;
    void pool.close().then(() => {
      // The module, the files and the expanded snapshot are garbage now, but V8 would not
      // collect them soon in an idle process; what the compiled module held natively goes
      // with the collection.
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
