// The post-link pipeline (python-wasm/scripts/postlink.mjs: fuel, then the store barrier) on a
// module with WebAssembly exception handling, as C++ built with -fwasm-exceptions (scipy's
// pybind11, HiGHS, Boost) and setjmp/longjmp lowered onto it emit: clang-19's legacy
// try/catch/throw. The instrumented module must compute what the original computes, count
// fuel in try and catch bodies, mark every chunk a catch body writes, and let the host's
// fuel signal leave a catch_all that swallows guest exceptions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { emitWithExceptionHandling, instantiatePostlinked, postlink } from '../support/postlink.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const binaryen = (await import('binaryen')).default as any;
const scripts = join(repoRoot(), 'python-wasm', 'scripts');
const { WEIGHTS } = await import(pathToFileURL(join(scripts, 'instrument-fuel.mjs')).href) as { WEIGHTS: Record<string, number> };
const { BRANCH } = await import(pathToFileURL(join(scripts, 'fuel-costs.mjs')).href) as { BRANCH: { brIf: number } };
const I32 = binaryen.i32;
const NONE = binaryen.none;
const CHUNK = 4096; // postlink.mjs's chunks
const PAGES = 4;

/** A binaryen module with exception handling, its memory `mem` and an i32 tag `exc`. */
function ehModuleShell() {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.SignExt |
    binaryen.Features.BulkMemory | binaryen.Features.ExceptionHandling);
  m.setMemory(PAGES, PAGES, 'mem', [], false, false, 'mem');
  // The pipeline wants the one mutable global clang's modules have (the C stack pointer).
  m.addGlobal('sp', I32, true, m.i32.const(1024));
  m.addTag('exc', I32, NONE);
  return m;
}

/**
 * run(n, p, q) -> i32 over locals i (3), x (4), r (5):
 *   x = p; mem[x] = 1
 *   try {
 *     for (i = n; i > 0; i--) { mem8[p + 64 + i] = i; x = p }   -- a loop inside the try
 *     x = q
 *     thrower(n)                                        -- throws tag `exc` with n * 10 when n is odd
 *     mem[x] = 2                                        -- after the throwing call
 *   } catch exc { r = pop; mem[x + 8] = r }             -- x is q here: a chunk nothing else marked
 *   return r
 * swallow(n) -> i32: try { host_work(n) } catch_all { return -1 }; return 0 (C++'s catch (...)).
 */
function ehModule(): Uint8Array {
  const m = ehModuleShell();
  m.addFunctionImport('host_work', 'env', 'host_work', binaryen.createType([I32]), NONE);
  const get = (x: number) => m.local.get(x, I32);
  m.addFunction('thrower', binaryen.createType([I32]), NONE, [], m.if(m.i32.and(get(0), m.i32.const(1)),
    m.throw('exc', [m.i32.mul(get(0), m.i32.const(10))])));
  m.addFunction('run', binaryen.createType([I32, I32, I32]), I32, [I32, I32, I32], m.block(null, [
    m.local.set(4, get(1)),
    m.i32.store(0, 4, get(4), m.i32.const(1), 'mem'),
    m.try('t', m.block(null, [
      m.local.set(3, get(0)),
      m.block('done', [m.loop('next', m.block(null, [
        m.br('done', m.i32.le_s(get(3), m.i32.const(0))),
        m.i32.store8(64, 1, m.i32.add(get(1), get(3)), get(3), 'mem'),
        // (x assigned more often than stored through: the pass tracks x instead of marking
        // every assignment of it, so the catch's store depends on the analysis)
        m.local.set(4, get(1)),
        m.local.set(3, m.i32.sub(get(3), m.i32.const(1))),
        m.br('next'),
      ]))]),
      m.local.set(4, get(2)),
      m.call('thrower', [get(0)], NONE),
      m.i32.store(0, 4, get(4), m.i32.const(2), 'mem'),
    ]), ['exc'], [m.block(null, [
      m.local.set(5, m.i32.pop()),
      m.i32.store(8, 4, get(4), get(5), 'mem'),
    ])]),
    get(5),
  ], I32));
  m.addFunction('swallow', binaryen.createType([I32]), I32, [], m.block(null, [
    m.try('s', m.call('host_work', [get(0)], NONE), [], [m.return(m.i32.const(-1))]),
    m.i32.const(0),
  ], I32));
  m.addFunctionExport('run', 'run');
  m.addFunctionExport('swallow', 'swallow');
  return emitWithExceptionHandling(m);
}

const original = ehModule();
const { fuel: fueled, plain } = postlink(original);

class Exhausted {}

function instantiate(bytes: Uint8Array, hostWork: (n: number) => void, onExhausted: () => void) {
  return instantiatePostlinked(bytes, onExhausted, { host_work: hostWork });
}

test('support_exception_handling: postlink instruments try/catch/throw and the module computes what the original computes', () => {
  const ref = new WebAssembly.Instance(new WebAssembly.Module(original as Uint8Array<ArrayBuffer>), { env: { host_work: () => {} } });
  const refMem = new Uint8Array((ref.exports.mem as WebAssembly.Memory).buffer);
  for (const bytes of [fueled, plain]) {
    for (const n of [0, 1, 6, 7]) {
      const p = 3 * CHUNK + 100;
      const q = 9 * CHUNK + 200;
      refMem.fill(0);
      const want = (ref.exports.run as (...a: number[]) => number)(n, p, q);
      const got = instantiate(bytes, () => {}, () => { throw new Exhausted(); });
      if (got.exports.fuel) got.exports.fuel.value = 1_000_000n;
      assert.equal(got.exports.run(n, p, q), want, `n=${n}`);
      assert.equal(want, n % 2 ? n * 10 : 0, 'the original does not throw as designed');
      assert.deepEqual(got.memory.subarray(0, PAGES * 65536), refMem, `n=${n}: memory differs`);
    }
  }
});

test('support_exception_handling: fuel counts loop iterations and calls in try bodies, on the thrown path too', () => {
  // Each iteration of the loop in the try charges its body (fuel-costs.mjs): the br_if and its
  // operands, then, when it is not taken (BRANCH.brIf), the store8 and its operands, two
  // local.sets and the br back. run's entry (it calls thrower) charges a constant.
  const q = BRANCH.brIf;
  const w = WEIGHTS;
  const perIteration = BigInt(Math.max(1, Math.round(w.local * (2 + 8 * (1 - q)) + w.alu * (1 + 2 * (1 - q)) +
    w.branch * (1 + (1 - q)) + w.mem * (1 - q))));
  const charge = (n: number): bigint => {
    const { exports } = instantiate(fueled, () => {}, () => { throw new Exhausted(); });
    exports.fuel.value = 1_000_000n;
    exports.run(n, 0, CHUNK);
    return 1_000_000n - exports.fuel.value;
  };
  // The loop body is entered n + 1 times (n iterations and the one that leaves); odd n throws.
  const entry = charge(0) - perIteration;
  assert.ok(entry > 0n, 'run\'s entry check charged nothing');
  for (const n of [1, 6, 7]) assert.equal(charge(n), entry + BigInt(n + 1) * perIteration, `n=${n}`);
});

test('support_exception_handling: a catch body entered from the middle of its try marks the chunk it writes', () => {
  // In the try, x becomes q and is stored through only after the throwing call: a barrier that
  // entered the catch with what holds at the end of the try would leave mem[q + 8] unmarked.
  const q = 9 * CHUNK + 200;
  const { exports, memory, marks, layout } = instantiate(fueled, () => {}, () => { throw new Exhausted(); });
  exports.fuel.value = 1_000_000n;
  assert.equal(exports.run(7, CHUNK + 5, q), 70);
  assert.equal(new DataView(memory.buffer).getInt32(q + 8, true), 70);
  assert.equal(new DataView(memory.buffer).getInt32(q, true), 0, 'the store after the throw ran');
  const chunkShift = layout.chunkShift;
  assert.ok(marks[(q + 8) >> chunkShift], 'the chunk the catch body wrote is not marked');
});

test('support_exception_handling: a catch_all that swallows the host\'s fuel signal meets the next check, which signals again', () => {
  // C++'s catch (...) is a catch_all: it also catches what the host throws into the guest (any
  // JS exception), e.g. when fuel cannot pay for a host call (fuel.ts leaves the counter at -1
  // then). The guest gets no further than its next check: the counter stays below zero, so
  // every check signals again.
  let signals = 0;
  const onExhausted = () => { signals++; throw new Exhausted(); };
  const g = instantiate(fueled, () => { g.exports.fuel.value = -1n; throw new Exhausted(); }, onExhausted);
  g.exports.fuel.value = 10n;
  assert.equal(g.exports.swallow(1), -1, 'the catch_all did not catch the host exception');
  assert.equal(signals, 0);
  assert.throws(() => g.exports.run(0, 0, 0), Exhausted);
  assert.equal(signals, 1);
  // swallow's own entry check (it calls host_work) is outside its try: nothing catches it.
  assert.throws(() => g.exports.swallow(1), Exhausted);
  assert.equal(signals, 2);
});

/**
 * catcher(a) -> i32: try { throw exc(a) } catch exc { y = pop; mem[y] = 1; mem[y + 4] = 2; mem[y + 8] = 3 }; return y.
 * y is stored through more often than assigned, the kind of local the barrier marks where it is
 * assigned, but its one assignment takes the catch's pop, which must not move into a block.
 */
function popModule(): Uint8Array {
  const m = ehModuleShell();
  const get = (x: number) => m.local.get(x, I32);
  m.addFunction('catcher', binaryen.createType([I32]), I32, [I32], m.block(null, [
    m.try('t', m.throw('exc', [get(0)]), ['exc'], [m.block(null, [
      m.local.set(1, m.i32.pop()),
      m.i32.store(0, 4, get(1), m.i32.const(1), 'mem'),
      m.i32.store(4, 4, get(1), m.i32.const(2), 'mem'),
      m.i32.store(8, 4, get(1), m.i32.const(3), 'mem'),
    ])]),
    get(1),
  ], I32));
  m.addFunctionExport('catcher', 'catcher');
  return emitWithExceptionHandling(m);
}

test('support_exception_handling: a catch body\'s thrown value stored through often is marked where it is stored, and the pop stays valid', () => {
  const a = 11 * CHUNK + 40;
  const { fuel, plain } = postlink(popModule());
  for (const bytes of [fuel, plain]) {
    const { exports, memory, marks, layout } = instantiate(bytes, () => {}, () => { throw new Exhausted(); });
    if (exports.fuel) exports.fuel.value = 1_000_000n;
    assert.equal(exports.catcher(a), a);
    const view = new DataView(memory.buffer);
    assert.deepEqual([view.getInt32(a, true), view.getInt32(a + 4, true), view.getInt32(a + 8, true)], [1, 2, 3]);
    assert.ok(marks[a >> layout.chunkShift], 'the chunk the catch body wrote is not marked');
  }
});
