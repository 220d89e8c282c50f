// A thread that does one job and ends: it gets `data`, posts one message (its result) and exits.
// For work that takes seconds of CPU and must not stall the thread serving HTTP (an image's
// build or reload), and whose garbage should go with the thread's isolate (ADR 0012).
import { Worker } from 'node:worker_threads';

export function runOnThread<T>(url: URL, data: unknown, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    // Deep recursion in wasm uses the thread's native stack, as in the pool's workers.
    const worker = new Worker(url, { workerData: data, resourceLimits: { stackSizeMb: 8 } });
    // Settled by the result, not by the thread's end: tearing its isolate down took ~0.1 s
    // that a request waiting for a reload need not wait for. Its failure before a result
    // rejects; anything after the result changes nothing.
    worker.once('message', (msg: T) => resolve(msg));
    worker.once('error', (err) => reject(err));
    worker.once('exit', (code) => reject(new Error(`${what} failed: its thread exited with ${code}`)));
  });
}
