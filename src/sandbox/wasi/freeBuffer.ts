// Give a buffer's memory back at once rather than at the worker's next garbage collection: a
// run's file pages and output chunks can be tens of MiB per worker, and a worker that finished
// a run may not collect for a long time. Detaching an ArrayBuffer (transfer to length 0,
// Node >= 21) frees its memory when nothing else holds it; elsewhere the GC does it later.
// Only for buffers nothing will read again: their views become empty.
const transfer = (ArrayBuffer.prototype as { transfer?: (length: number) => ArrayBuffer }).transfer;

export function freeNow(bytes: Uint8Array): void {
  const buf = bytes.buffer;
  if (transfer && buf instanceof ArrayBuffer && buf.byteLength > 0) transfer.call(buf, 0);
}
