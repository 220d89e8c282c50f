// Worker thread that makes a dormant image ready to serve again (reloadOffThread.ts), away from
// the thread that serves HTTP and at the workers' lowered priority. The snapshot inflates on the
// thread pool while this thread reads the artifacts, and the runtime compiles (unless this
// thread is handed the compiled module) while it hashes the files and copies them into shared
// memory; it posts back the module, the files and the snapshot, all shareable with the pool's
// workers without a copy, and the digests of all three.
import { parentPort, workerData } from 'node:worker_threads';
import { filesDigest, readImageForWorkers, snapshotDigest, wasmDigest } from './imageForWorkers.js';
import { expandSnapshot } from './RestingSnapshot.js';
import { lowerThisThreadPriority } from './threadPriority.js';
import { toShared } from './WorkerPool.js';
import type { ImageReloadRequest, ImageReloadResult } from './reloadOffThread.js';

const req = workerData as ImageReloadRequest;
lowerThisThreadPriority();
const expanding = expandSnapshot(req.snapshot);
expanding.catch(() => {}); // awaited below; its failure is this thread's error then
const { image, files } = readImageForWorkers(req.name, req.configPath);
const wasm = wasmDigest(image);
// The module compiled for another image on the same runtime, when its bytes are these.
const compiling = req.module && req.wasmDigest === wasm
  ? Promise.resolve(req.module)
  : WebAssembly.compile(image.wasmBytes as Uint8Array<ArrayBuffer>);
compiling.catch(() => {}); // likewise
const digestOfFiles = filesDigest(files);
const sharedFiles = toShared(files);
const snapshot = await expanding;
const result: ImageReloadResult = {
  module: await compiling,
  files: sharedFiles,
  snapshot,
  digests: { wasm, files: digestOfFiles, snapshot: snapshotDigest(snapshot) },
};
parentPort!.postMessage(result);
