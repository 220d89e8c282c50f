// The count of marked chunks that weighted fuel charges for (ADR 0003) must be the number of
// marked chunks, exactly, at every slice of a run: countMarked's byte search and word sums, and
// TouchedChunks' memory of wholly marked blocks, are checked against a byte-by-byte count after
// random sequences of what a run does (barrier marks of a chunk and the next, host ranges, a
// gigabyte filled, grows that clear the chunks they add) and with marks below the floor and past
// the end, which must not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DirtyChunks } from '../../src/sandbox/DirtyChunks.js';
import { rng } from '../support/rng.js';

function bytewise(marks: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let c = from; c < to; c++) if (marks[c] !== 0) n++;
  return n;
}

test('support_fuel_costs: the touched-chunk count equals a byte-by-byte count of the marks at every slice of random runs', () => {
  const d = new DirtyChunks(12);
  const marks = new Uint8Array(d.memory.buffer);
  const CHUNK = d.chunkBytes;
  for (let seed = 1; seed <= 30; seed++) {
    const rnd = rng(seed);
    const int = (n: number) => Math.floor(rnd() * n);
    d.clear();
    // A run starts at the snapshot's memory (25,680 chunks: openedx-2026.1) or anywhere else.
    const floor = seed % 2 === 0 ? 25_680 : 1 + int(40_000);
    let end = floor + int(300);
    // What earlier runs left past the end, and marks below the floor: never counted.
    for (let i = 0; i < 20; i++) d.mark(int(floor) * CHUNK, 1 + int(3 * CHUNK));
    const touched = d.touchedFrom(floor);
    for (let slice = 0; slice < 40; slice++) {
      const kind = int(10);
      if (kind === 0) {
        // A grow of up to 256 MiB (within 4 GiB); it clears the marks of the chunks it adds.
        const added = Math.min(1 + int(65_536), 2 ** 20 - end);
        marks.fill(0, end, end + added);
        end += added;
      } else if (kind === 1 && end > floor) {
        // The run fills a long stretch of its grown memory (a bytearray, a numpy array).
        const from = floor + int(end - floor);
        d.mark(from * CHUNK, (1 + int(Math.min(end - from, 40_000))) * CHUNK);
      } else if (kind === 2 && end > floor) {
        // ... or everything from some point to its end.
        const from = floor + int(end - floor);
        d.mark(from * CHUNK, (end - from) * CHUNK);
      } else {
        // Barrier marks (a chunk and the next, one 16-bit store) and host writes, anywhere,
        // also below the floor and in the chunk past the end.
        for (let i = int(200); i > 0; i--) {
          const c = int(end + 1);
          if (rnd() < 0.7) { marks[c] = 1; marks[c + 1] = 1; } else d.mark(c * CHUNK + int(CHUNK), 1 + int(8 * CHUNK));
        }
      }
      // Marks at or past the end (a window's second chunk): cleared by the next grow, as the
      // module does (not counted before it: the count stops at the end).
      const expected = bytewise(marks, floor, end);
      assert.equal(touched.count(end), expected, `seed ${seed}, slice ${slice}: floor ${floor}, end ${end}`);
      const a = floor + int(end - floor + 1);
      const b = a + int(end - a + 1);
      assert.equal(d.countMarked(a, b), bytewise(marks, a, b), `seed ${seed}: countMarked(${a}, ${b})`);
    }
  }
});
