// A snapshot kept compressed while no worker needs it: the image of a pool that has no running
// worker (an image other than the default, between bursts of its courses' requests) holds a
// quarter of its snapshot's size instead of all of it, and a worker's start expands it again into
// shared memory, off the main thread (ADR 0012). Both formats carry a checksum of the bytes (zstd
// its content checksum, zlib Adler-32), which the expansion checks: it gives back the snapshot
// byte for byte or fails.
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { Snapshot } from './PythonInstance.js';
import { copyContent, type FreeTop } from './snapshotFreeTop.js';
import { freeNow } from './wasi/freeBuffer.js';

type Codec = (data: Uint8Array, opts: object, done: (err: Error | null, out: Buffer) => void) => void;
/** zstd is in node:zlib from Node 22.15 and 23.8 (and not in the type declarations this project
 * builds with); before, zlib. */
const zstd = zlib as unknown as { zstdCompress?: Codec; zstdDecompress?: Codec; constants: Record<string, number> };
/** zstd level 3 with its checksum: openedx-2026.1's snapshot (100.3 MiB) to 28.2 MiB, where zlib
 * level 1 made 34.6, and both compressed and expanded faster (ADR 0012); higher levels of either
 * save a few MiB more for several times the compression time. */
const ZSTD = zstd.zstdCompress && zstd.zstdDecompress ? {
  compress: promisify(zstd.zstdCompress),
  expand: promisify(zstd.zstdDecompress),
  options: { params: { [zstd.constants.ZSTD_c_compressionLevel!]: 3, [zstd.constants.ZSTD_c_checksumFlag!]: 1 } },
} : null;
const deflate = promisify(zlib.deflate);
const inflate = promisify(zlib.inflate);

/** A compressed snapshot as plain data: what a thread can be handed (a dormant image's). */
export interface CompressedSnapshot {
  /** The memory, compressed; in shared memory if made so, then handed to threads without a copy. */
  compressed: Uint8Array;
  format: 'zstd' | 'zlib';
  /** Bytes of the expanded memory. */
  length: number;
  freeTop: FreeTop;
  globals: Snapshot['globals'];
}

export async function compressSnapshot(snapshot: Snapshot, opts: { shared?: boolean } = {}): Promise<CompressedSnapshot> {
  const format = ZSTD ? 'zstd' : 'zlib';
  let compressed: Uint8Array = ZSTD ? await ZSTD.compress(snapshot.memory, ZSTD.options) : await deflate(snapshot.memory, { level: 1 });
  if (opts.shared) {
    const copy = new Uint8Array(new SharedArrayBuffer(compressed.length));
    copy.set(compressed);
    freeNow(compressed);
    compressed = copy;
  }
  return { compressed, format, length: snapshot.memory.length, freeTop: { ...snapshot.freeTop }, globals: { ...snapshot.globals } };
}

/** The snapshot, in a new SharedArrayBuffer that workers share. One expansion on the thread
 * pool into one output buffer, then one copy here (~10 ms for 54 MiB): node's async
 * decompressors hand every output chunk (16 KiB by default) to the calling thread before they
 * expand the next, and each hand-over waited for that thread, busy or waiting for a core on a
 * loaded machine (a first request for py311-sci-2026.1 took 0.9-1.2 s instead of 0.25-0.35 s at
 * load ~7 with 1 MiB chunks; 54 MiB inflated in 193 ms with the default chunks, 39 ms in one, on
 * an idle thread). */
export async function expandSnapshot(d: CompressedSnapshot): Promise<Snapshot> {
  // One byte more than the snapshot: the stream ends with room left, not with a full buffer.
  const opts = { chunkSize: d.length + 1 };
  let expanded: Buffer;
  if (d.format === 'zlib') expanded = await inflate(d.compressed, opts);
  else if (ZSTD) expanded = await ZSTD.expand(d.compressed, opts);
  else throw new Error('a zstd-compressed snapshot, and this node has no zstd');
  if (expanded.length !== d.length) throw new Error(`resting snapshot expanded to ${expanded.length} bytes, expected ${d.length}`);
  // The free top is left to the new buffer's zeros: pages never written take no memory.
  const memory = new Uint8Array(new SharedArrayBuffer(d.length));
  copyContent(expanded, d.freeTop, memory);
  freeNow(expanded); // 54 MiB an idle process would otherwise keep until its next collection
  return { memory, freeTop: { ...d.freeTop }, globals: { ...d.globals } };
}

export class RestingSnapshot {
  private constructor(private readonly resting: CompressedSnapshot) {}

  static async of(snapshot: Snapshot): Promise<RestingSnapshot> {
    return new RestingSnapshot(await compressSnapshot(snapshot));
  }

  /** Bytes of the expanded memory. */
  get length(): number {
    return this.resting.length;
  }

  /** Bytes held while resting. */
  get compressedBytes(): number {
    return this.resting.compressed.length;
  }

  expand(): Promise<Snapshot> {
    return expandSnapshot(this.resting);
  }
}
