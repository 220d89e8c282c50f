// The zero pages at the top of a snapshot's heap: the free heap the warm-up leaves the allocator
// (the driver's _reserve_heap_headroom). dlmalloc keeps it as its top chunk, whose only bytes are
// its header below and a footer in the memory's last page. Copies of the snapshot skip these
// pages (a new memory or SharedArrayBuffer is zero already, and a page never written takes no
// memory), and a run's VMEM counts from where they begin.
const PAGE = 65536;
const ZERO_PAGE = new Uint8Array(PAGE);

/** [zeroFrom, zeroTo): the zero pages of the free top, empty (both the memory's length) when
 * there are none. */
export interface FreeTop {
  zeroFrom: number;
  zeroTo: number;
}

function zeroPage(bytes: Uint8Array, at: number): boolean {
  return Buffer.compare(Buffer.from(bytes.buffer, bytes.byteOffset + at, PAGE), ZERO_PAGE) === 0;
}

export function findFreeTop(bytes: Uint8Array): FreeTop {
  const none = { zeroFrom: bytes.length, zeroTo: bytes.length };
  if (bytes.length % PAGE !== 0 || bytes.length < 2 * PAGE) return none;
  // Only the last page may hold the allocator's footer: zero pages further down are inside
  // the heap (a buffer allocated and never written), not its free top. Pages of such a buffer
  // directly below the free top would count with it (copies stay exact: they are zero), but
  // the top chunk's header lies between the two.
  const zeroTo = zeroPage(bytes, bytes.length - PAGE) ? bytes.length : bytes.length - PAGE;
  let zeroFrom = zeroTo;
  while (zeroFrom > 0 && zeroPage(bytes, zeroFrom - PAGE)) zeroFrom -= PAGE;
  return zeroFrom === zeroTo ? none : { zeroFrom, zeroTo };
}

/** Bytes outside the free top. */
export function contentBytes(memoryBytes: number, top: FreeTop): number {
  return memoryBytes - (top.zeroTo - top.zeroFrom);
}

/** Write `memory`'s content into `target` (the same length), leaving the free top as it is. */
export function copyContent(memory: Uint8Array, top: FreeTop, target: Uint8Array): void {
  target.set(memory.subarray(0, top.zeroFrom));
  target.set(memory.subarray(top.zeroTo), top.zeroTo);
}
