// Captured stdout/stderr with a cap: bytes past the cap are dropped (the program keeps
// running as if they were written) and the result carries a marker.
//
// Bytes are copied into a few large chunks, never one object per write: a program writing
// one byte at a time costs the host the bytes, not an allocation each. Chunks never reach
// past the cap, so the host holds at most `cap` bytes per stream.

import { freeNow } from './freeBuffer.js';

export const TRUNCATION_MARKER = '\n[codejail-wasm: output truncated at %d bytes]\n';

/** Smallest chunk allocated (larger writes get a chunk of their own size, within the cap). */
const CHUNK_BYTES = 64 * 1024;

export class OutputBuffer {
  private chunks: Uint8Array[] = [];
  /** Bytes used in the last chunk. */
  private used = 0;
  private length = 0;
  truncated = false;
  constructor(readonly cap: number) {}

  /** Append (a copy of) `bytes`, which may be a view of guest memory. */
  write(bytes: Uint8Array): void {
    const room = this.cap - this.length;
    if (room <= 0) {
      if (bytes.length > 0) this.truncated = true;
      return;
    }
    const take = Math.min(bytes.length, room);
    if (take < bytes.length) this.truncated = true;
    let done = 0;
    while (done < take) {
      let last = this.chunks[this.chunks.length - 1];
      if (!last || this.used === last.length) {
        const size = Math.min(Math.max(CHUNK_BYTES, take - done), this.cap - this.length - done);
        last = new Uint8Array(size);
        this.chunks.push(last);
        this.used = 0;
      }
      const n = Math.min(take - done, last.length - this.used);
      last.set(bytes.subarray(done, done + n), this.used);
      this.used += n;
      done += n;
    }
    this.length += take;
  }

  /** Give back the chunks' memory now (see freeBuffer.ts); the buffer is empty afterwards. */
  free(): void {
    for (const c of this.chunks.splice(0)) freeNow(c);
    this.used = 0;
    this.length = 0;
  }

  /** The last `n` captured bytes (at most), without assembling the rest. */
  tail(n: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let want = n;
    for (let i = this.chunks.length - 1; i >= 0 && want > 0; i--) {
      const c = i === this.chunks.length - 1 ? this.chunks[i]!.subarray(0, this.used) : this.chunks[i]!;
      const part = c.subarray(Math.max(0, c.length - want));
      parts.unshift(part);
      want -= part.length;
    }
    return Buffer.concat(parts);
  }

  /** The captured bytes, with the marker appended when output was cut, a copy. The array owns
   * its buffer (never a pooled slab), so it can be transferred to another thread. */
  bytes(): Uint8Array {
    const marker = this.truncated ? Buffer.from(TRUNCATION_MARKER.replace('%d', String(this.cap))) : null;
    const out = new Uint8Array(this.length + (marker?.length ?? 0));
    let at = 0;
    this.chunks.forEach((c, i) => {
      const part = i === this.chunks.length - 1 ? c.subarray(0, this.used) : c;
      out.set(part, at);
      at += part.length;
    });
    if (marker) out.set(marker, at);
    return out;
  }

  /** bytes(), emptying the buffer: the one full chunk of a single large write is handed over
   * as it is, and chunks copied are freed, so the captured bytes are never held twice. */
  take(): Uint8Array {
    const only = this.chunks.length === 1 && !this.truncated && this.used === this.chunks[0]!.length ? this.chunks[0]! : null;
    const out = only ?? this.bytes();
    if (only) this.chunks = [];
    this.free();
    return out;
  }
}
