// What a dormant image's workers get from its artifacts, read on the thread that builds or
// reloads it (imageBuildWorker.ts, imageReloadWorker.ts): the image as loaded (checksums
// verified against its manifests), the files a run sees, and the sha256 of the runtime's wasm,
// of those files and of the snapshot. Equal digests at start-up and at a reload mean the
// workers get what the service started with (DormantPool, ADR 0012).
import { createHash } from 'node:crypto';
import { sha256Hex } from '../runtime/artifacts.js';
import { imageFiles, type RuntimeImage } from '../runtime/image.js';
import { loadImages } from '../runtime/layeredImages.js';
import { runtimeDigest } from './compiledRuntimes.js';
import type { Snapshot } from './PythonInstance.js';
import type { ReadOnlyFile } from './wasi/InMemoryFs.js';

export interface ImageDigests {
  /** sha256 of the runtime's wasm bytes. */
  wasm: string;
  /** sha256 over the paths and bytes of the files a run sees. */
  files: string;
}

/** The artifacts' digests and the snapshot's (sha256 of its memory). */
export interface ServedDigests extends ImageDigests {
  snapshot: string;
}

export interface ImageForWorkers {
  image: RuntimeImage;
  /** The files a run sees (the boot-only ones left out). */
  files: ReadOnlyFile[];
}

export function readImageForWorkers(name: string, configPath: string | undefined): ImageForWorkers {
  const image = loadImages(configPath, { only: [name] }).get(name);
  if (!image) throw new Error(`image ${name} is not in the image configuration`);
  return { image, files: filesForWorkers(image) };
}

/** The files a run sees: the image's, without those only a boot reads. */
export function filesForWorkers(image: RuntimeImage): ReadOnlyFile[] {
  return imageFiles(image).filter((f) => !f.bootOnly);
}

export function wasmDigest(image: RuntimeImage): string {
  return runtimeDigest(image.wasmBytes);
}

export function filesDigest(files: ReadOnlyFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) {
    // Each path and length framed, so that no two different file lists hash alike.
    const path = Buffer.from(f.path, 'utf8');
    const head = Buffer.alloc(16);
    head.writeBigUInt64LE(BigInt(path.length), 0);
    head.writeBigUInt64LE(BigInt(f.data.length), 8);
    hash.update(head).update(path).update(f.data);
  }
  return hash.digest('hex');
}

export function snapshotDigest(snapshot: Snapshot): string {
  return sha256Hex(snapshot.memory);
}

/** What differs between two images' digests, in words (empty: nothing). */
export function digestChanges(started: ServedDigests, now: ServedDigests): string {
  const what = { wasm: 'runtime wasm', files: 'files', snapshot: 'snapshot' } as const;
  return (Object.keys(what) as (keyof ServedDigests)[])
    .filter((k) => started[k] !== now[k])
    .map((k) => `its ${what[k]} sha256 is ${now[k]}, started with ${started[k]}`)
    .join('; ');
}
