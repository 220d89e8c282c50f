// The host's CSPRNG block (src/sandbox/wasi/csprngPool.ts): bytes drawn in blocks must still be
// handed out once each, whatever the sizes asked for, so that no two calls (in one run or in
// consecutive runs on a worker) ever see the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillFromCsprng } from '../../src/sandbox/wasi/csprngPool.js';

/** Every 16-byte window at a 16-byte boundary of `parts`, as hex. */
function windows(parts: Uint8Array[]): string[] {
  const all = Buffer.concat(parts);
  const out: string[] = [];
  for (let at = 0; at + 16 <= all.length; at += 16) out.push(all.subarray(at, at + 16).toString('hex'));
  return out;
}

test('csprng block: small requests across many refills never repeat a byte sequence', () => {
  // 256 bytes is what wasi-libc's getentropy asks for; odd sizes straddle the block's end.
  const sizes = [256, 256, 1, 7, 16, 255, 4095, 33];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 2000; i++) {
    const out = new Uint8Array(sizes[i % sizes.length]!);
    fillFromCsprng(out);
    parts.push(out);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  assert.ok(total > 8 * 16 * 1024, 'the test must cross several block refills');
  const seen = windows(parts);
  assert.equal(new Set(seen).size, seen.length, 'a 16-byte sequence was handed out twice');
  // Fresh bytes, not zeros: a zeroed (already served) part of the block must never be served.
  for (const p of parts.filter((x) => x.length >= 16)) assert.notEqual(Buffer.from(p).toString('hex'), '00'.repeat(p.length));
});

test('csprng block: large requests are filled whole and differ from each other', () => {
  const a = new Uint8Array(100_000);
  const b = new Uint8Array(100_000);
  fillFromCsprng(a);
  fillFromCsprng(b);
  const seen = windows([a, b]);
  assert.equal(new Set(seen).size, seen.length);
});

test('csprng block: a view into a larger buffer is filled only where it points', () => {
  const backing = new Uint8Array(1024);
  fillFromCsprng(backing.subarray(100, 356));
  assert.ok(backing.subarray(0, 100).every((x) => x === 0));
  assert.ok(backing.subarray(356).every((x) => x === 0));
  assert.ok(backing.subarray(100, 356).some((x) => x !== 0));
});
