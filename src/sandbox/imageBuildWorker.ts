// Worker thread that builds a dormant image at start-up (buildOffThread.ts): reads it from its
// committed artifacts (checksums verified), compiles its runtime, boots, preloads and warms an
// interpreter, and posts back the snapshot compressed and the digests of what the workers will
// get. The thread then ends, and the module and all that booting allocated go with its isolate.
import { parentPort, workerData } from 'node:worker_threads';
import { filesDigest, readImageForWorkers, snapshotDigest, wasmDigest } from './imageForWorkers.js';
import { compressSnapshot } from './RestingSnapshot.js';
import { buildSnapshot } from './Sandbox.js';
import type { ImageBuildRequest, ImageBuildResult } from './buildOffThread.js';

const req = workerData as ImageBuildRequest;
const { image, files } = readImageForWorkers(req.name, req.configPath);
const { snapshot } = await buildSnapshot(image, req.warmups);
const result: ImageBuildResult = {
  digests: { wasm: wasmDigest(image), files: filesDigest(files), snapshot: snapshotDigest(snapshot) },
  snapshot: await compressSnapshot(snapshot, { shared: true }),
};
parentPort!.postMessage(result);
