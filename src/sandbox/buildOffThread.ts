// Building a dormant image at start-up on a thread of its own (imageBuildWorker.ts): boot,
// preloads and warm-up take seconds of CPU, and everything they allocate goes with that
// thread's isolate. What comes back is only what the image keeps between uses: its snapshot,
// compressed, and the digests every reload must reproduce (DormantPool, ADR 0012).
import type { ServedDigests } from './imageForWorkers.js';
import { runOnThread } from './oneShotThread.js';
import type { CompressedSnapshot } from './RestingSnapshot.js';
import type { RunRequest } from './types.js';

export interface ImageBuildRequest {
  /** The image, by name in the image configuration at `configPath` (default: the repository's). */
  name: string;
  configPath?: string;
  warmups: RunRequest[];
}

export interface ImageBuildResult {
  digests: ServedDigests;
  /** Compressed, in shared memory. */
  snapshot: CompressedSnapshot;
}

const WORKER_URL = new URL('./imageBuildWorker.js', import.meta.url);

export function buildImageOffThread(req: ImageBuildRequest): Promise<ImageBuildResult> {
  return runOnThread(WORKER_URL, req, `building image ${req.name}`);
}
