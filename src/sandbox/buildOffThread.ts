// Building an image's sandbox state (module, files, snapshot) on a thread of its own
// (imageBuildWorker.ts): for an image whose pool is started on its first request, the boot
// and warm-up take seconds of CPU that must not stall the thread serving HTTP, and everything
// loading leaves behind ends with that thread's isolate.
import { Worker } from 'node:worker_threads';
import type { Snapshot } from './PythonInstance.js';
import type { RunRequest } from './types.js';
import type { ReadOnlyFile } from './wasi/InMemoryFs.js';

export interface ImageBuildRequest {
  /** The image, by name in the image configuration at `configPath` (default: the repository's). */
  name: string;
  configPath?: string;
  warmups: RunRequest[];
  /** A module already compiled for wasm bytes of this sha256, used when the image's runtime matches. */
  module?: WebAssembly.Module;
  wasmDigest?: string;
  /** Run at the workers' lowered priority (builds while the service serves requests). */
  lowPriority?: boolean;
}

export interface ImageBuildResult {
  module: WebAssembly.Module;
  /** sha256 of the runtime's wasm bytes. */
  wasmDigest: string;
  /** The files a run sees (the boot-only ones left out), in shared memory. */
  files: ReadOnlyFile[];
  /** In shared memory. */
  snapshot: Snapshot;
  /** sha256 of the snapshot's memory: the same wherever and whenever the image is built. */
  snapshotDigest: string;
}

const WORKER_URL = new URL('./imageBuildWorker.js', import.meta.url);

export function buildImageOffThread(req: ImageBuildRequest): Promise<ImageBuildResult> {
  return new Promise((resolve, reject) => {
    // Deep recursion in wasm uses the thread's native stack, as in the pool's workers.
    const worker = new Worker(WORKER_URL, { workerData: req, resourceLimits: { stackSizeMb: 8 } });
    let result: ImageBuildResult | null = null;
    worker.once('message', (msg: ImageBuildResult) => { result = msg; });
    worker.once('error', (err) => { result = null; reject(err); });
    worker.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`building image ${req.name} failed: its thread exited with ${code}`));
    });
  });
}
