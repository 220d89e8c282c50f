// The runtime calls pymalloc directly while the object allocator is the default one
// (python-wasm/scripts/patch-cpython.py, ADR 0001). An allocator hook must still see every
// allocation: tracemalloc installs one, and course code may use it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { nativePython, runCode, startJail, text } from '../support/jail.js';

let jail: Jail;
before(async () => {
  jail = await startJail({ workers: 1 });
});
after(async () => {
  await jail.close();
});

// 10,000 objects and the list holding them: at least their object and pointer sizes must be
// traced (16 + 8 bytes natively on 64-bit, 8 + 4 on wasm32), and freeing them gives it back.
const TRACED = `import struct, sys, tracemalloc
tracemalloc.start()
base = tracemalloc.get_traced_memory()[0]
xs = [object() for _ in range(10000)]
grown = tracemalloc.get_traced_memory()[0] - base
print(grown >= 10000 * (sys.getsizeof(object()) + struct.calcsize("P")))
del xs
print(tracemalloc.get_traced_memory()[0] - base < 1024)
print(sum(range(10)))
`;

test('tracemalloc traces object allocations and frees, as natively', async () => {
  const native = nativePython(TRACED);
  assert.equal(native.status, 0, native.stderr);
  const r = await runCode(jail, TRACED);
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), native.stdout);
  assert.equal(text(r.stdout), 'True\nTrue\n45\n');
});

test('tracing left on by one run is gone in the next (one worker: the same instance, restored)', async () => {
  const r = await runCode(jail, 'import tracemalloc\nxs = [object() for _ in range(1000)]\nprint(len(xs), tracemalloc.is_tracing())\n');
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), '1000 False\n');
});
