// The guest's linear memory as the host reads and writes it: DataView's little-endian
// accessors plus byte ranges. Every host write goes through the set*/write/writable methods
// here, which record it in the instance's dirty-chunk marks: a restore copies back only marked
// chunks, so a write that bypassed this class would survive into the next request. The raw
// views are private for that reason.
import type { DirtyChunks } from '../DirtyChunks.js';

export class GuestMemory {
  private buf: ArrayBuffer | null = null;
  private dv!: DataView;
  private u8!: Uint8Array;

  constructor(readonly memory: WebAssembly.Memory, private readonly marks: DirtyChunks | null) {}

  /** Views must be rebuilt after memory.grow detaches the old buffer (never cache across calls). */
  private refresh(): void {
    const b = this.memory.buffer;
    if (b !== this.buf) {
      this.buf = b;
      this.dv = new DataView(b);
      this.u8 = new Uint8Array(b);
    }
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** A view of guest bytes to read; valid only until the guest runs again. Throws RangeError when out of bounds. */
  bytes(ptr: number, len: number): Uint8Array {
    this.refresh();
    if (ptr < 0 || len < 0 || ptr + len > this.u8.length) throw new RangeError(`guest range ${ptr}+${len} out of bounds`);
    return this.u8.subarray(ptr, ptr + len);
  }

  /** A view of guest bytes the host is about to fill (marked written). */
  writable(ptr: number, len: number): Uint8Array {
    const view = this.bytes(ptr, len);
    this.marks?.mark(ptr, len);
    return view;
  }

  /** Copy `data` into guest memory at `ptr`. Throws RangeError (nothing written) when out of bounds. */
  write(ptr: number, data: Uint8Array): void {
    this.writable(ptr, data.length).set(data);
  }

  getUint8(ptr: number): number { this.refresh(); return this.dv.getUint8(ptr); }
  getUint16(ptr: number, littleEndian: true): number { this.refresh(); return this.dv.getUint16(ptr, littleEndian); }
  getUint32(ptr: number, littleEndian: true): number { this.refresh(); return this.dv.getUint32(ptr, littleEndian); }
  getBigUint64(ptr: number, littleEndian: true): bigint { this.refresh(); return this.dv.getBigUint64(ptr, littleEndian); }

  setUint8(ptr: number, v: number): void { this.refresh(); this.dv.setUint8(ptr, v); this.marks?.mark(ptr, 1); }
  setUint16(ptr: number, v: number, littleEndian: true): void { this.refresh(); this.dv.setUint16(ptr, v, littleEndian); this.marks?.mark(ptr, 2); }
  setUint32(ptr: number, v: number, littleEndian: true): void { this.refresh(); this.dv.setUint32(ptr, v, littleEndian); this.marks?.mark(ptr, 4); }
  setBigUint64(ptr: number, v: bigint, littleEndian: true): void { this.refresh(); this.dv.setBigUint64(ptr, v, littleEndian); this.marks?.mark(ptr, 8); }
}
