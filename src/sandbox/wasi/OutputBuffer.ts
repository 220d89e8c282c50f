// Captured stdout/stderr with a cap: bytes past the cap are dropped (the program keeps
// running as if they were written) and the result carries a marker.

export const TRUNCATION_MARKER = '\n[codejail-wasm: output truncated at %d bytes]\n';

export class OutputBuffer {
  private chunks: Uint8Array[] = [];
  private length = 0;
  truncated = false;
  constructor(readonly cap: number) {}

  write(bytes: Uint8Array): void {
    const room = this.cap - this.length;
    if (room <= 0) {
      if (bytes.length > 0) this.truncated = true;
      return;
    }
    const take = bytes.length <= room ? bytes : bytes.subarray(0, room);
    if (take.length < bytes.length) this.truncated = true;
    this.chunks.push(take.slice());
    this.length += take.length;
  }

  /** The captured bytes, with the marker appended when output was cut. */
  bytes(): Uint8Array {
    const body = Buffer.concat(this.chunks, this.length);
    if (!this.truncated) return new Uint8Array(body.buffer, body.byteOffset, body.length);
    const marker = Buffer.from(TRUNCATION_MARKER.replace('%d', String(this.cap)));
    const all = Buffer.concat([body, marker]);
    return new Uint8Array(all.buffer, all.byteOffset, all.length);
  }
}
