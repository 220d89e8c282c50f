// Work linear in a run's output (reading the globals a program printed, building an answer's
// JSON) runs on one helper thread, never on the thread that serves HTTP: four such answers
// built there at once stalled /health/ for seconds (issue #19). A job names an exported
// function of one of our modules; arguments and result cross by structured clone, and the
// buffers a side lists are moved, not copied (a clone of 2 x 16 MiB of output alone took the
// HTTP thread hundreds of milliseconds under load).
import { Worker, type Transferable } from 'node:worker_threads';

export { freeNow } from '../sandbox/wasi/freeBuffer.js';

/** What an off-thread function returns: its value and the buffers to move back with it. */
export interface Moved<T> {
  value: T;
  transfer: ArrayBuffer[];
}

/** The buffers behind `views`, each once, to move them to another thread instead of copying. */
export function buffersOf(...views: Uint8Array[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const v of views) if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) buffers.add(v.buffer);
  return [...buffers];
}

export interface OffThreadJob { id: number; module: string; fn: string; args: unknown[] }
export type OffThreadReply = { id: number; value: unknown } | { id: number; error: string };

const WORKER_URL = new URL('./offThreadWorker.js', import.meta.url);

/** One helper thread; started on first use, restarted if it dies, keeping the process alive only while it owes an answer. */
export class OffThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  /** Calls `fn` of `module` (a module URL whose `fn` returns a Moved, or a promise of one) on the
   * helper thread. What `transfer` lists (buffers, ports) is moved there: unusable here from now on. */
  call<T>(module: URL, fn: string, args: unknown[], transfer: Transferable[] = []): Promise<T> {
    const worker = this.worker ??= this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref(); // kept alive while it owes an answer, never after
      worker.postMessage({ id, module: module.href, fn, args } satisfies OffThreadJob, transfer);
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL);
    worker.on('message', (msg: OffThreadReply) => {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (this.pending.size === 0) worker.unref();
      if (!p) return;
      if ('value' in msg) p.resolve(msg.value);
      else p.reject(new Error(`off-thread work failed: ${msg.error}`));
    });
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the helper thread exited with code ${code}`)));
    return worker;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

/** The process's helper thread (the jail's and the server's work share it: two cores). */
export const offThread = new OffThread();
