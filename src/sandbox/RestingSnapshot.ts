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

export class RestingSnapshot {
  private constructor(
    private readonly deflated: Uint8Array,
    /** Bytes of the expanded memory. */
    readonly length: number,
    private readonly globals: Snapshot['globals'],
  ) {}

  static async of(snapshot: Snapshot): Promise<RestingSnapshot> {
    const deflated = await deflateAsync(snapshot.memory, { level: LEVEL });
    return new RestingSnapshot(deflated, snapshot.memory.length, { ...snapshot.globals });
  }

  /** Bytes held while resting. */
  get deflatedBytes(): number {
    return this.deflated.length;
  }

  /** The snapshot, in a new SharedArrayBuffer that workers share. One inflate on the thread
   * pool, then one copy here (~10 ms for 54 MiB): inflating as a stream hands every output chunk
   * to this thread, and each hand-over waited for a core on a loaded machine (a first request
   * for py311-sci-2026.1 took 0.9-1.2 s instead of 0.25-0.35 s at load ~7 with 1 MiB chunks). */
  async expand(): Promise<Snapshot> {
    const inflated = await inflateAsync(this.deflated);
    if (inflated.length !== this.length) throw new Error(`resting snapshot inflated to ${inflated.length} bytes, expected ${this.length}`);
    const memory = new Uint8Array(new SharedArrayBuffer(this.length));
    memory.set(inflated);
    freeNow(inflated); // 54 MiB an idle process would otherwise keep until its next collection
    return { memory, globals: { ...this.globals } };
  }
}
