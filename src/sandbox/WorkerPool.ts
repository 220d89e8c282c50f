// A pool of worker threads, each holding one warm interpreter restored from the shared
// snapshot. Requests queue here (bounded); a wall-clock watchdog terminates a worker whose
// run overstays its deadline and a replacement is started at once. A replacement that fails
// to start (e.g. under memory pressure) is retried with backoff, so the pool never shrinks
// for good. A pool may keep fewer workers warm than it may run: the others start when
// requests wait for them and stop after an idle period (an image few courses use then holds
// no instance while nobody runs code in it; ADR 0012).
import { Worker } from 'node:worker_threads';
import { CancelledError, RejectedRunError, UnavailableError } from './errors.js';
import type { Snapshot } from './PythonInstance.js';
import type { PoolStats, RunPool, RunRequest, RunResult } from './types.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';
import type { ReadOnlyFile } from './wasi/InMemoryFs.js';
import { testFault } from './testFaults.js';
import { trimMalloc } from './mallocTrim.js';
import { RestingSnapshot } from './RestingSnapshot.js';
import { copyContent } from './snapshotFreeTop.js';
import { ReplyHandover } from './replyHandover.js';

interface Pending {
  id: number;
  request: RunRequest;
  resolve(r: RunResult): void;
  reject(e: Error): void;
  enqueuedAt: number;
}

interface Slot {
  worker: Worker;
  /** Set when this side has taken the worker's reply (ReplyHandover). */
  handover: Int32Array;
  ready: boolean;
  job: Pending | null;
  timer: NodeJS.Timeout | null;
  startedAt: number;
  /** Started, not yet ready for its first request. */
  booting: boolean;
  /** Set while an idle worker beyond the warm ones counts down to its retirement. */
  idleTimer: NodeJS.Timeout | null;
}

export interface PoolOptions {
  /** Most workers the pool runs at once. */
  workers: number;
  /** Workers kept running while idle (default: `workers`); the rest start on demand. */
  warmWorkers?: number;
  /** An idle worker beyond the warm ones stops after this long (0: never). */
  idleRetireMs?: number;
  queueLimit: number;
  module: WebAssembly.Module;
  files: ReadOnlyFile[];
  snapshot: Snapshot;
  /** A pool without warm workers keeps its snapshot compressed while no worker runs
   * (RestingSnapshot; default true). False: kept as given, for a pool whose owner drops it
   * whole once it empties (DormantPool), which compressing would only delay. */
  compressAtRest?: boolean;
  /** Called once the pool has no worker left and nothing waits (its last worker retired idle, or
   * was lost): the owner drops the whole pool (DormantPool) and gives the memory back itself. */
  onEmpty?: () => void;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** Delay before retrying a replacement that failed to start: doubles from the first to the
 * last value, then stays there for as long as starts keep failing. */
const RESPAWN_FIRST_MS = 100;
const RESPAWN_MAX_MS = 10_000;
/** Requests in a row that found the workers restoring, from which a worker beyond the warm ones
 * is started for them (back-to-back traffic; ADR 0012). */
const SUSTAINED_RESTORE_WAITS = 4;
/** Once the pool has been idle this long, and again at the second mark, glibc's arenas are
 * trimmed (mallocTrim.ts): runs make V8 tier their hot code up on its compiler threads, whose
 * freed zone memory stays resident in those threads' arenas (tens of MiB per burst of new code,
 * more on a loaded machine, where compile jobs overlap), as at start-up (ADR 0012). Twice, as a
 * compile job the runs queued may still be running at the first. */
const IDLE_TRIM_MS = [2_000, 10_000];

function failedResult(outcome: RunResult['outcome'], status: number, detail: string, wallMs = 0): RunResult {
  return {
    outcome, status, stdout: new Uint8Array(0), stderr: new Uint8Array(0),
    stdoutTruncated: false, stderrTruncated: false, fuelUsed: 0, wallMs, detail,
    limitHit: outcome === 'timed_out' ? 'REALTIME' : undefined,
  };
}

export class WorkerPool implements RunPool {
  private slots: Slot[] = [];
  private queue: Pending[] = [];
  private nextId = 1;
  private closing = false;
  private replacements = 0;
  private respawnTimers = new Set<NodeJS.Timeout>();
  private watchdogTerminations = 0;
  private readonly init: Omit<WorkerInit, 'snapshot' | 'handover'>;
  /** Workers ready and idle beyond the queued requests, for the workers (ReplyHandover): set at
   * the end of every dispatch. */
  private readonly spare = ReplyHandover.sharedInt32();
  /** The snapshot in shared memory, while workers may need it; null while the pool rests. */
  private snapshot: Snapshot | null;
  /** A pool without warm workers keeps its snapshot compressed while no worker runs. */
  private resting: RestingSnapshot | null = null;
  /** The expansion under way, and how many starts wait for it. */
  private expanding: Promise<Snapshot> | null = null;
  private waitingForSnapshot = 0;
  private idleWaiters: (() => void)[] = [];
  /** Trims scheduled since the pool last became idle (IDLE_TRIM_MS). */
  private idleTrims: NodeJS.Timeout[] = [];
  private restoreWaits = 0;
  /** The reliability suite's switch (testFaults.ts): this many replacement starts fail. */
  private injectStartFailures = Number(testFault('failWorkerStarts') || 0);
  /** Only sizes and switches: the pool must not keep the caller's (possibly non-shared) files and snapshot alive. */
  private readonly opts: { workers: number; warmWorkers: number; idleRetireMs: number; queueLimit: number; compressAtRest: boolean };
  private readonly onEmpty: (() => void) | undefined;

  private constructor(opts: PoolOptions) {
    const workers = Math.max(1, opts.workers);
    this.opts = {
      workers,
      warmWorkers: Math.min(workers, Math.max(0, opts.warmWorkers ?? workers)),
      idleRetireMs: Math.max(0, opts.idleRetireMs ?? 0),
      queueLimit: opts.queueLimit,
      compressAtRest: opts.compressAtRest ?? true,
    };
    this.onEmpty = opts.onEmpty;
    this.init = { module: opts.module, files: toShared(opts.files), spare: this.spare };
    this.snapshot = shareSnapshot(opts.snapshot);
  }

  static async start(opts: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    if (pool.opts.warmWorkers === 0 && pool.opts.compressAtRest) {
      // Nothing runs until a request comes: rest from the start (RestingSnapshot, ADR 0012).
      pool.resting = await RestingSnapshot.of(pool.snapshot!);
      pool.snapshot = null;
    }
    await Promise.all(Array.from({ length: pool.opts.warmWorkers }, () => pool.spawn()));
    return pool;
  }

  /** Workers started (or waiting to be retried, or for the snapshot) that have not yet reported ready. */
  private starting(): number {
    return this.slots.filter((s) => s.booting).length + this.respawnTimers.size + this.waitingForSnapshot;
  }

  /** Workers that finished a run and are restoring the snapshot: ready within a fraction of a
   * millisecond (a dirty-chunk restore), long before a new worker could be. */
  private restoring(): number {
    return this.slots.filter((s) => !s.ready && !s.job && !s.booting).length;
  }

  /** Workers that can still be started before the pool reaches its size. */
  private startable(): number {
    return this.opts.workers - this.slots.length - this.respawnTimers.size - this.waitingForSnapshot;
  }

  /** Spawn a worker (once the snapshot is expanded, if the pool was resting); resolves when it reports ready. */
  private spawn(replacement = false): Promise<void> {
    if (this.snapshot) return this.spawnWith(this.snapshot, replacement);
    this.waitingForSnapshot++;
    this.expanding ??= this.resting!.expand().finally(() => { this.expanding = null; });
    return this.expanding.then((snapshot) => {
      this.waitingForSnapshot--;
      // Kept for the workers that follow, until the pool rests again (stop()).
      this.snapshot ??= snapshot;
      if (this.closing && this.queue.length === 0) throw new UnavailableError('the sandbox is shutting down');
      return this.spawnWith(this.snapshot, replacement);
    }, (err: Error) => {
      this.waitingForSnapshot--;
      throw err;
    });
  }

  private spawnWith(snapshot: Snapshot, replacement: boolean): Promise<void> {
    const failStart = replacement && this.injectStartFailures > 0;
    if (failStart) this.injectStartFailures--;
    const handover = ReplyHandover.sharedInt32();
    const init: WorkerInit = { ...this.init, snapshot, handover };
    const worker = new Worker(WORKER_URL, {
      workerData: failStart ? { ...init, failStart } : init,
      // Deep recursion in wasm uses the thread's native stack; give it room and a clear limit.
      resourceLimits: { stackSizeMb: 8 },
    });
    const slot: Slot = { worker, handover, ready: false, job: null, timer: null, startedAt: 0, booting: true, idleTimer: null };
    this.slots.push(slot);
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          slot.ready = true;
          slot.booting = false;
          if (!started) { started = true; resolve(); }
          this.dispatch();
        } else if (msg.type === 'result') {
          ReplyHandover.taken(slot.handover);
          this.finish(slot, (job) => job.resolve(msg.result));
        } else if (msg.type === 'rejected') {
          ReplyHandover.taken(slot.handover);
          this.finish(slot, (job) => job.reject(new RejectedRunError('files', msg.message)));
        } else if (msg.type === 'broken') {
          process.emitWarning(`codejail-wasm: replacing a worker whose restore failed: ${msg.detail.split('\n')[0]}`);
          this.lose(slot, 'snapshot restore failed');
        }
      });
      // A worker that dies before it is ready is dropped here; the caller decides: start()
      // fails, a replacement is retried with backoff (respawn).
      const failedStart = (err: Error) => {
        started = true;
        this.slots = this.slots.filter((s) => s !== slot);
        reject(err);
      };
      worker.on('error', (err) => {
        if (!started) return failedStart(err);
        this.lose(slot, `worker error: ${err.message}`);
      });
      worker.on('exit', (code) => {
        if (!started) return failedStart(new Error(`worker exited with ${code} during start`));
        this.lose(slot, `worker exited with code ${code}`);
      });
    });
  }

  /** Run a request on the next free worker. Rejects with UnavailableError when the queue is full,
   * and with CancelledError when `signal` aborts while the request is still queued (a run that
   * has started finishes: its limits bound it). */
  run(request: RunRequest, signal?: AbortSignal): Promise<RunResult> {
    if (this.closing) return Promise.reject(new UnavailableError('the sandbox is shutting down'));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const idle = this.slots.some((s) => s.ready && !s.job);
    // Requests in a row that found no worker idle but one restoring (see dispatch).
    this.restoreWaits = idle ? 0 : this.restoring() > 0 ? this.restoreWaits + 1 : this.restoreWaits;
    // A request a worker is starting for, or can still be started for, is not waiting in the queue.
    if (!idle && this.startable() <= 0 && this.queue.length - this.starting() >= this.opts.queueLimit) {
      return Promise.reject(new UnavailableError(`all ${this.slots.length} workers are busy and the queue (${this.opts.queueLimit}) is full`));
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = { id: this.nextId++, request, resolve, reject, enqueuedAt: performance.now() };
      signal?.addEventListener('abort', () => {
        const at = this.queue.indexOf(pending);
        if (at < 0) return; // already running
        this.queue.splice(at, 1);
        reject(new CancelledError());
        this.dispatch();
      }, { once: true });
      this.queue.push(pending);
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift()!;
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
      for (const t of this.idleTrims.splice(0)) clearTimeout(t);
      slot.job = job;
      slot.ready = false;
      slot.startedAt = performance.now();
      const ms = job.request.limits.watchdogMs;
      if (ms > 0) slot.timer = setTimeout(() => this.kill(slot), ms);
      slot.worker.postMessage({ type: 'run', id: job.id, request: job.request } satisfies ToWorker);
    }
    // Requests still waiting, beyond the workers already starting, start workers up to the limit.
    // A worker that is restoring counts as about to be ready, so that a few requests one after
    // the other (the start-up self-test, an occasional client) keep one instance, not two; once
    // requests keep arriving during restores, another worker takes them while the first restores.
    const soonReady = this.restoreWaits >= SUSTAINED_RESTORE_WAITS ? 0 : this.restoring();
    let more = Math.min(this.queue.length - this.starting() - soonReady, this.startable());
    for (; more > 0 && !this.closing; more--) this.respawn(0, false);
    if (this.opts.idleRetireMs > 0 && this.slots.length > this.opts.warmWorkers) {
      for (const slot of this.slots) {
        if (slot.ready && !slot.job && !slot.idleTimer) {
          slot.idleTimer = setTimeout(() => this.retireIdle(slot), this.opts.idleRetireMs);
          slot.idleTimer.unref(); // an idle pool never keeps the process alive
        }
      }
    }
    Atomics.store(this.spare, 0, this.slots.filter((s) => s.ready && !s.job).length - this.queue.length);
    if (this.queue.length === 0 && this.slots.every((s) => !s.job)) {
      for (const w of this.idleWaiters.splice(0)) w();
      if (this.idleTrims.length === 0 && !this.closing) {
        this.idleTrims = IDLE_TRIM_MS.map((ms) => {
          const t = setTimeout(() => trimMalloc(), ms);
          t.unref(); // an idle pool never keeps the process alive
          return t;
        });
      }
    }
  }

  private finish(slot: Slot, settle: (job: Pending) => void): void {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    if (job) settle(job);
    this.dispatch();
  }

  /** Watchdog: the run overstayed its REALTIME by far, so the worker itself is stuck (REALTIME
   * normally ends a run from inside it); terminate it, the only way to stop it from outside. */
  private kill(slot: Slot): void {
    const job = slot.job;
    if (!job) return;
    this.watchdogTerminations++;
    slot.job = null;
    slot.timer = null;
    job.resolve(failedResult('timed_out', -9, 'watchdog terminated the worker', performance.now() - slot.startedAt));
    this.retire(slot);
  }

  /** A worker died unexpectedly: fail its run and replace it. */
  private lose(slot: Slot, why: string): void {
    if (!this.slots.includes(slot)) return;
    const job = slot.job;
    slot.job = null;
    if (slot.timer) clearTimeout(slot.timer);
    job?.resolve(failedResult('crashed', -11, why, performance.now() - slot.startedAt));
    this.retire(slot);
  }

  /** An idle worker beyond the warm ones whose idle period ran out: stop it (no replacement;
   * the next request that waits starts one). */
  private retireIdle(slot: Slot): void {
    slot.idleTimer = null;
    if (!this.slots.includes(slot) || !slot.ready || slot.job || this.slots.length <= this.opts.warmWorkers) return;
    // Once the thread is gone, what it freed sits in its malloc arena: give it back (ADR 0012).
    this.afterStop(this.stop(slot));
  }

  /** Once a stopped worker's thread is gone: tell the owner if that emptied the pool (it drops
   * the pool and gives the memory back itself), else give back what the thread freed. */
  private afterStop(stopped: Promise<unknown>): void {
    void stopped.then(() => {
      const empty = this.slots.length === 0 && this.queue.length === 0 && this.starting() === 0 && !this.closing;
      if (this.onEmpty && empty) this.onEmpty();
      else trimMalloc();
    });
  }

  private stop(slot: Slot): Promise<unknown> {
    this.slots = this.slots.filter((s) => s !== slot);
    // The last worker of a pool that rests gives the expanded snapshot up (its thread holds
    // its own reference until it exits); the next start expands it again.
    if (this.resting && this.slots.length === 0 && this.waitingForSnapshot === 0) this.snapshot = null;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = null;
    slot.worker.removeAllListeners('exit');
    slot.worker.removeAllListeners('error');
    slot.worker.on('error', () => {}); // a late error from a retired worker changes nothing
    return slot.worker.terminate();
  }

  private retire(slot: Slot): void {
    const stopped = this.stop(slot);
    // While closing, replace the worker only if queued requests still need one (close() lets
    // them finish); either way dispatch, which also wakes close() once nothing is running and
    // starts workers for waiting requests beyond the warm ones.
    if (this.slots.length < this.opts.warmWorkers && (!this.closing || this.queue.length > 0)) {
      this.replacements++;
      this.respawn(0);
    }
    this.dispatch();
    if (this.onEmpty) this.afterStop(stopped);
  }

  /** Start a worker (a replacement, or one that waiting requests need); if it fails, try again
   * after a delay that doubles each time, for as long as the pool needs it. */
  private respawn(attempt: number, replacement = true): void {
    this.spawn(replacement).catch((err) => {
      if (this.closing && this.queue.length === 0) return;
      // A worker started on demand is retried only while requests still wait for it.
      if (!replacement && this.slots.length >= this.opts.warmWorkers && this.queue.length <= this.starting()) return;
      const delay = Math.min(RESPAWN_MAX_MS, RESPAWN_FIRST_MS * 2 ** attempt);
      process.emitWarning(`codejail-wasm: a ${replacement ? 'replacement' : 'new'} worker failed to start (${(err as Error).message}); retrying in ${delay} ms`);
      const timer = setTimeout(() => {
        this.respawnTimers.delete(timer);
        this.respawn(attempt + 1, replacement);
      }, delay);
      this.respawnTimers.add(timer);
    });
  }

  stats(): PoolStats {
    const busy = this.slots.filter((s) => s.job).length;
    return {
      workers: this.slots.length,
      busy,
      idle: this.slots.filter((s) => s.ready && !s.job).length,
      queued: this.queue.length,
      queueLimit: this.opts.queueLimit,
      replacements: this.replacements,
      watchdogTerminations: this.watchdogTerminations,
    };
  }

  /** Stop taking work, let queued and running requests finish, then stop the workers. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.queue.length > 0 || this.slots.some((s) => s.job)) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
    for (const t of this.respawnTimers) clearTimeout(t);
    this.respawnTimers.clear();
    for (const t of this.idleTrims.splice(0)) clearTimeout(t);
    const slots = this.slots.splice(0);
    for (const s of slots) {
      if (s.idleTimer) clearTimeout(s.idleTimer);
      s.worker.removeAllListeners();
      s.worker.on('error', () => {}); // e.g. a restore failing while we stop: nothing to do
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

function toSharedBytes(data: Uint8Array): Uint8Array {
  const sab = new SharedArrayBuffer(data.length);
  const view = new Uint8Array(sab);
  view.set(data);
  return view;
}

/** Shared copies already made, so that images with common files (the stdlib, layers) share
 * one copy across all pools instead of one per image. */
const sharedCopies = new WeakMap<Uint8Array, Uint8Array>();

/** Layers and snapshot live in SharedArrayBuffers: every worker maps the same bytes. */
export function toShared(files: ReadOnlyFile[]): ReadOnlyFile[] {
  return files.map((f) => {
    if (f.data.buffer instanceof SharedArrayBuffer) return f;
    let shared = sharedCopies.get(f.data);
    if (!shared) {
      shared = toSharedBytes(f.data);
      sharedCopies.set(f.data, shared);
    }
    return { ...f, data: shared };
  });
}

function shareSnapshot(s: Snapshot): Snapshot {
  let memory = s.memory;
  if (!(memory.buffer instanceof SharedArrayBuffer)) {
    // The free top is left to the new buffer's zeros (pages never written take no memory).
    memory = new Uint8Array(new SharedArrayBuffer(s.memory.length));
    copyContent(s.memory, s.freeTop, memory);
  }
  return { memory, freeTop: { ...s.freeTop }, globals: { ...s.globals } };
}
