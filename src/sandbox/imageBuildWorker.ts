// Worker thread that makes an image ready to serve, away from the thread that serves HTTP: it
// reads the image from its committed artifacts (checksums verified, as at start-up), compiles
// its runtime (unless handed the compiled module), boots, preloads and warms an interpreter, and
// posts back the compiled module, the image's files and the snapshot, all shareable with the
// pool's workers without a copy. The thread then ends, and what loading and booting allocated
// goes with its isolate (buildOffThread.ts; ADR 0012).
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { imageFiles } from '../runtime/image.js';
import { loadImages } from '../runtime/layeredImages.js';
import { buildSnapshot } from './Sandbox.js';
import { lowerThisThreadPriority } from './threadPriority.js';
import { toShared } from './WorkerPool.js';
import type { ImageBuildRequest, ImageBuildResult } from './buildOffThread.js';

const req = workerData as ImageBuildRequest;
if (req.lowPriority) lowerThisThreadPriority();
const image = loadImages(req.configPath, { only: [req.name] }).get(req.name);
if (!image) throw new Error(`image ${req.name} is not in the image configuration`);
const wasmDigest = createHash('sha256').update(image.wasmBytes).digest('hex');
// The module compiled for another image on the same runtime, when its bytes are these.
const module = req.module && req.wasmDigest === wasmDigest ? req.module : undefined;
const built = await buildSnapshot(image, req.warmups, module);
const memory = new Uint8Array(new SharedArrayBuffer(built.snapshot.memory.length));
memory.set(built.snapshot.memory);
const result: ImageBuildResult = {
  module: built.module,
  wasmDigest,
  files: toShared(imageFiles(image).filter((f) => !f.bootOnly)),
  snapshot: { memory, globals: built.snapshot.globals },
  snapshotDigest: createHash('sha256').update(memory).digest('hex'),
};
parentPort!.postMessage(result);
