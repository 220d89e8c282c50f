// The runtime's CPython makes some indirect calls direct when the callee is the usual one
// (python-wasm/scripts/patch-cpython.py, ADR 0001): pymalloc while the object allocator is
// the default, PyObject_Free for exact ints, the range and list iterators in `for`. Behaviour
// must be CPython's in every other case: an allocator hook (tracemalloc, which course code may
// use) still sees every allocation; other iterators, subclasses and mutation during iteration
// behave as natively.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Jail } from '../../src/jail/jail.js';
import { runCode, sameAsNative, startJail, text } from '../support/jail.js';

let jail: Jail;
before(async () => {
  jail = await startJail({ workers: 1 });
});
after(async () => {
  await jail.close();
});

// 10,000 objects, 10,000 ints and the lists holding them: at least their object and pointer
// sizes must be traced (e.g. 16 + 8 bytes per object natively on 64-bit, 8 + 4 on wasm32), and
// freeing them gives it all back.
const TRACED = `import struct, sys, tracemalloc
tracemalloc.start()
base = tracemalloc.get_traced_memory()[0]
xs = [object() for _ in range(10000)]
ys = [i * 1000003 for i in range(10000)]
grown = tracemalloc.get_traced_memory()[0] - base
print(grown >= 10000 * (sys.getsizeof(object()) + sys.getsizeof(10**6) + 2 * struct.calcsize("P")))
del xs, ys
print(tracemalloc.get_traced_memory()[0] - base < 1024)
print(sum(range(10)))
`;

test('tracemalloc traces object allocations and frees, as natively', async () => {
  assert.equal(await sameAsNative(jail, TRACED), 'True\nTrue\n45\n');
});

test('tracing left on by one run is gone in the next (one worker: the same instance, restored)', async () => {
  const r = await runCode(jail, 'import tracemalloc\nxs = [object() for _ in range(1000)]\nprint(len(xs), tracemalloc.is_tracing())\n');
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), '1000 False\n');
});

const ITERATION = `class L(list):
    def __iter__(self):
        return reversed(self)
class I(int):
    def __del__(self):
        print("del", int(self))
out = []
xs = [1, 2, 3]
for x in xs:
    if x < 3:
        xs.append(x * 10)
    out.append(x)
it = iter([7])
out += [next(it), next(it, "end"), next(it, "end")]
out += list(range(10, -10, -7)) + list(range(2**40, 2**40 + 3)) + list(range(5, 5))
out += list(L([1, 2, 3])) + [v for v in L([8, 9])] + [y for y in (4, 5)] + [z for z in {6: 0}]
r = iter(range(3)); next(r)
out += list(r) + list(r)
x = I(41) + 1
y = I(42)
del y
print(out, x, type(x).__name__)
`;

test('for loops over ranges, lists, subclasses and other iterables, and int deallocation, as natively', async () => {
  assert.match(await sameAsNative(jail, ITERATION), /^del 41\ndel 42\n\[1, 2, 3, 10, 20, 7, 'end', 'end', 10, 3, -4, 1099511627776, /);
});
