// The warm-up leaves the allocator free heap at the top of the snapshot (the driver's
// _reserve_heap_headroom). Without it, any run that allocated more than the snapshot's allocator
// had free grew the memory, and a grown instance is replaced with the whole snapshot copied
// (65-160 ms of the worker's time on the default image, against ~1 ms for a dirty-chunk restore).
// The free heap is zero pages: copies of the snapshot skip them and VMEM counts from where they
// begin, so the headroom is neither memory a worker holds at rest nor extra VMEM.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import type { PythonInstance, Snapshot } from '../../src/sandbox/PythonInstance.js';
import { findFreeTop } from '../../src/sandbox/snapshotFreeTop.js';
import type { CodejailLimits } from '../../src/jail/types.js';
import { pythonRun, warmInstance } from '../support/warmInstance.js';

const MiB = 1 << 20;
let instance: PythonInstance;
let snapshot: Snapshot;
before(async () => {
  ({ instance, snapshot } = await warmInstance(loadBaseImage()));
});

function run(code: string, limits: Partial<CodejailLimits> = {}, argv?: string[]): { status: number; stdout: string; stderr: string; limitHit?: string } {
  const r = instance.run(pythonRun(code, { CPU: 10, REALTIME: 20, ...limits }, { argv }));
  return { status: r.status, stdout: Buffer.from(r.stdout).toString(), stderr: Buffer.from(r.stderr).toString(), limitHit: r.limitHit };
}

/** `code` under `limits` ends with MemoryError (status 1); the instance is restored after it. */
function assertMemoryError(code: string, limits: Partial<CodejailLimits>): void {
  const r = run(code, limits);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /MemoryError\n$/);
  assert.equal(instance.memoryBytes(), snapshot.memory.length);
  instance.restore(snapshot);
}

test('support_snapshot_free_heap: the snapshot\'s heap ends in 16 MiB of zero pages, below the allocator\'s footer', () => {
  const { zeroFrom, zeroTo } = snapshot.freeTop;
  assert.deepEqual(findFreeTop(snapshot.memory), snapshot.freeTop);
  assert.ok(zeroTo - zeroFrom >= 16 * MiB - 2 * 65536, `free top: ${zeroTo - zeroFrom} bytes`);
  assert.ok(snapshot.memory.length - zeroTo <= 65536, 'only the last page is above it');
  assert.ok(snapshot.memory.subarray(zeroFrom, zeroTo).every((b) => b === 0));
});

test('support_snapshot_free_heap: runs that allocate several MiB leave memory at the snapshot size and are restored in place', () => {
  // What natively is an ordinary program: each of these grew the memory before.
  const programs: [string, string][] = [
    ['d = {str(i): [i] * 10 for i in range(10000)}\nprint(len(d))', '10000\n'],
    ['x = list(range(100000))\nprint(sum(x))', '4999950000\n'],
    ['s = "".join(str(i) for i in range(100000))\nprint(len(s))', '488890\n'],
    ['b = bytearray(12 << 20)\nb[::4096] = b"x" * len(b[::4096])\nprint(b.count(b"x"))', '3072\n'],
  ];
  for (const [code, expected] of programs) {
    const r = run(code);
    assert.equal(r.stdout, expected, r.stderr);
    assert.equal(instance.memoryBytes(), snapshot.memory.length, `${JSON.stringify(code)} grew the memory`);
    const before = instance.exports.memory;
    instance.restore(snapshot);
    assert.equal(instance.exports.memory, before, 'the instance was replaced');
    assert.equal(instance.differenceFrom(snapshot), null);
  }
});

test('support_snapshot_free_heap: VMEM counts from where the free heap begins, so it is not extra memory', () => {
  // 64 MiB of VMEM: 56 MiB fit, 72 MiB do not (with the free heap counted on top they would).
  assert.equal(run('b = bytearray(56 * 2 ** 20)\nprint(len(b))', { VMEM: 64 * MiB }).stdout, `${56 * MiB}\n`);
  instance.restore(snapshot);
  assertMemoryError('b = bytearray(72 * 2 ** 20)', { VMEM: 64 * MiB });
  // A VMEM below the free heap: the rest of the free heap is not the run's either.
  assert.equal(run('b = bytearray(2 * 2 ** 20)\nprint(len(b))', { VMEM: 4 * MiB }).stdout, `${2 * MiB}\n`);
  instance.restore(snapshot);
  assertMemoryError('b = bytearray(8 * 2 ** 20)', { VMEM: 4 * MiB });
  // The smallest VMEM: what the allocator had free before the warm-up's free heap, no more.
  assertMemoryError('b = bytearray(2 ** 20)', { VMEM: 1 });
  assert.equal(instance.differenceFrom(snapshot), null);
});

test('deny_memory_argv_past_vmem: arguments that do not fit VMEM end the run before it starts, and nothing is written at address 0', () => {
  // The host allocates the run's argv and environment in guest memory; with a failed allocation
  // it wrote them at address 0, over the C stack and the static data after it.
  const big = 'a'.repeat(2 * MiB);
  const r = run('import sys\nprint(len(sys.argv[1]))', { VMEM: 1 }, [big]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^Fatal Python error: .*\nMemoryError\n$/);
  assert.equal(r.limitHit, 'VMEM');
  // Past the payload's first bytes ('{"argv": ["'), a write at 0 would have left the argument.
  const low = new Uint8Array(instance.exports.memory.buffer, 4096, 64);
  assert.ok(!low.every((b) => b === 'a'.charCodeAt(0)), 'the arguments were written at address 0');
  instance.restore(snapshot);
  assert.equal(instance.differenceFrom(snapshot), null);
  // With room for them, the same arguments arrive whole.
  assert.equal(run('import sys\nprint(len(sys.argv[1]))', {}, [big]).stdout, `${2 * MiB}\n`);
  instance.restore(snapshot);
});
