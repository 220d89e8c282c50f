// A snapshot kept deflated while no worker needs it: the image of a pool that has no running
// worker (an image other than the default, between bursts of its courses' requests) holds a
// third of its snapshot's size instead of all of it, and a worker's start expands it again into
// shared memory, off the main thread (ADR 0012). zlib's format carries an Adler-32 of the bytes,
// which the inflate checks: an expansion gives back the snapshot byte for byte or fails.
import { deflate, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import type { Snapshot } from './PythonInstance.js';
import { freeNow } from './wasi/freeBuffer.js';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);
/** Level 1: the openedx snapshot (100 MiB) deflates to 35 MiB in ~1 s, inflates in ~0.3 s;
 * higher levels save little on a CPython heap and take several times longer. */
const LEVEL = 1;

/** A deflated snapshot as plain data: what a thread can be handed (a dormant image's). */
export interface DeflatedSnapshot {
  /** The memory's zlib stream; in shared memory if made so, then handed to threads without a copy. */
  deflated: Uint8Array;
  /** Bytes of the expanded memory. */
  length: number;
  globals: Snapshot['globals'];
}

export async function deflateSnapshot(snapshot: Snapshot, opts: { shared?: boolean } = {}): Promise<DeflatedSnapshot> {
  let deflated: Uint8Array = await deflateAsync(snapshot.memory, { level: LEVEL });
  if (opts.shared) {
    const copy = new Uint8Array(new SharedArrayBuffer(deflated.length));
    copy.set(deflated);
    freeNow(deflated);
    deflated = copy;
  }
  return { deflated, length: snapshot.memory.length, globals: { ...snapshot.globals } };
}

/** The snapshot, in a new SharedArrayBuffer that workers share. One inflate on the thread
 * pool into one output buffer, then one copy here (~10 ms for 54 MiB): zlib's async inflate
 * hands every output chunk (16 KiB by default) to the calling thread before it inflates the
 * next, and each hand-over waited for that thread, busy or waiting for a core on a loaded machine
 * (a first request for py311-sci-2026.1 took 0.9-1.2 s instead of 0.25-0.35 s at load ~7 with
 * 1 MiB chunks; 54 MiB inflated in 193 ms with the default chunks, 39 ms in one, on an idle
 * thread). */
export async function expandSnapshot(d: DeflatedSnapshot): Promise<Snapshot> {
  // One byte more than the snapshot: the stream ends with room left, not with a full buffer.
  const inflated = await inflateAsync(d.deflated, { chunkSize: d.length + 1 });
  if (inflated.length !== d.length) throw new Error(`resting snapshot inflated to ${inflated.length} bytes, expected ${d.length}`);
  const memory = new Uint8Array(new SharedArrayBuffer(d.length));
  memory.set(inflated);
  freeNow(inflated); // 54 MiB an idle process would otherwise keep until its next collection
  return { memory, globals: { ...d.globals } };
}

export class RestingSnapshot {
  private constructor(private readonly resting: DeflatedSnapshot) {}

  static async of(snapshot: Snapshot): Promise<RestingSnapshot> {
    return new RestingSnapshot(await deflateSnapshot(snapshot));
  }

  /** Bytes of the expanded memory. */
  get length(): number {
    return this.resting.length;
  }

  /** Bytes held while resting. */
  get deflatedBytes(): number {
    return this.resting.deflated.length;
  }

  expand(): Promise<Snapshot> {
    return expandSnapshot(this.resting);
  }
}
