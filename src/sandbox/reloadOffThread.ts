// Reloading a dormant image for a request on a thread of its own (imageReloadWorker.ts): read
// its artifacts again (checksums verified), compile its runtime, expand the snapshot kept
// compressed since start-up. No boot, no preloads, no warm-up: the snapshot is that state
// already, and a pool's worker starts by restoring it (DormantPool, ADR 0012).
import type { ServedDigests } from './imageForWorkers.js';
import { runOnThread } from './oneShotThread.js';
import type { Snapshot } from './PythonInstance.js';
import type { CompressedSnapshot } from './RestingSnapshot.js';
import type { ReadOnlyFile } from './wasi/InMemoryFs.js';

export interface ImageReloadRequest {
  /** The image, by name in the image configuration at `configPath` (default: the repository's). */
  name: string;
  configPath?: string;
  snapshot: CompressedSnapshot;
  /** A module already compiled for wasm bytes of this sha256, used when the image's runtime matches. */
  module?: WebAssembly.Module;
  wasmDigest?: string;
}

export interface ImageReloadResult {
  module: WebAssembly.Module;
  /** The files a run sees, in shared memory. */
  files: ReadOnlyFile[];
  /** Expanded, in shared memory. */
  snapshot: Snapshot;
  /** Of what was read and expanded now: the caller compares them with start-up's. */
  digests: ServedDigests;
}

const WORKER_URL = new URL('./imageReloadWorker.js', import.meta.url);

export function reloadImageOffThread(req: ImageReloadRequest): Promise<ImageReloadResult> {
  return runOnThread(WORKER_URL, req, `reloading image ${req.name}`);
}
