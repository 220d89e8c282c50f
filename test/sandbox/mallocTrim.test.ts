// trimMalloc (sandbox/mallocTrim.ts) gives the pages glibc keeps after free() back to the
// system. A child process with the service's mmap threshold frees 128 MiB of 64 KiB blocks that
// lie between blocks it keeps (so glibc cannot just shrink the heap from its top), reads its
// resident memory, trims, and reads it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TRIM = fileURLToPath(new URL('../../src/sandbox/mallocTrim.js', import.meta.url));
const SCRIPT = `
const { trimMalloc, canTrimMalloc } = await import(${JSON.stringify(TRIM)});
const { setFlagsFromString } = await import('node:v8');
const { runInNewContext } = await import('node:vm');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const { readFileSync } = await import('node:fs');
const rss = () => Number(/^VmRSS:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
let blocks = [];
const kept = [];
for (let i = 0; i < 2048; i++) {
  blocks.push(Buffer.allocUnsafeSlow(64 * 1024).fill(1));
  kept.push(Buffer.allocUnsafeSlow(1024).fill(2)); // keeps the freed blocks off the heap's top
}
blocks = null;
gc(); gc();
await new Promise((r) => setTimeout(r, 100));
const before = rss();
const trimmed = trimMalloc();
const after = rss();
console.log(JSON.stringify({ can: canTrimMalloc(), trimmed, before, after, kept: kept.length }));
`;

test('support_malloc_trim_returns_freed_pages_of_the_heap', { skip: process.platform !== 'linux' && 'glibc and /proc' }, () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' }, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { can: boolean; trimmed: boolean; before: number; after: number };
  if (!out.can) {
    // Node without node:ffi: trimming is a no-op by design; nothing else to check here.
    assert.equal(out.trimmed, false);
    return;
  }
  assert.equal(out.trimmed, true, 'glibc released memory');
  const released = out.before - out.after;
  assert.ok(released > 64 * 1024 * 1024, `released ${(released / 2 ** 20).toFixed(0)} MiB of the 128 MiB freed (${JSON.stringify(out)})`);
  assert.doesNotMatch(r.stderr, /FFI/, 'no experimental-feature warning in the log');
});
