// The store barrier pass (python-wasm/scripts/dirty-chunks.mjs) on random wasm programs:
// the instrumented module computes exactly what the original computes, and every byte a run
// changes lies in a chunk it marked. Programs mix stores of every width through locals with
// constant and computed offsets, local arithmetic, tees, branches out of blocks, br_table,
// loops, early returns, calls, memory.fill and memory.copy: the shapes the analysis reasons
// about when it leaves a store unmarked. Chunks are 256 bytes so that straddles are common.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { DIRTY_IMPORTS, dirtyLayout } from '../../src/sandbox/DirtyChunks.js';
import { rng } from '../support/rng.js';

type Ref = number;
/* eslint-disable @typescript-eslint/no-explicit-any */
const binaryen = (await import('binaryen')).default as any;
const pass = (await import(pathToFileURL(join(repoRoot(), 'python-wasm', 'scripts', 'dirty-chunks.mjs')).href)) as {
  addDirtyChunkMarks(m: unknown, opts: { chunkShift: number }): { stores: number; storeMarks: number; defMarks: number };
  BARRIER_FEATURES: number;
};

const SHIFT = 8;
const PAGES = 4;
const MEM = PAGES * 65536;
const I32 = binaryen.i32;


/** One random module: `run(p0, p1, p2)` over locals 3..8 (i32), `helper(a, b)`. */
function randomModule(seed: number): Uint8Array {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const m = new binaryen.Module();
  m.setFeatures(pass.BARRIER_FEATURES);
  m.setMemory(PAGES, PAGES, 'mem', [], false, false, 'mem');
  const OFFSETS = [0, 0, 0, 1, 3, 4, 8, 16, 200, 252, 255, 256, 300, 1000, 4096, 70000] as const;
  const DELTAS = [0, 1, 4, 8, -4, -8, 100, 255, 256, -256, 3000, -3000] as const;
  // Few locals, so that stores, assignments and marks meet on the same ones often.
  const locals = (fn: 'run' | 'helper') => (fn === 'run' ? [0, 1, 2, 3, 4, 5] : [0, 1, 2]);

  const body = (fn: 'run' | 'helper') => {
    const L = locals(fn);
    const counters = fn === 'run' ? [9, 10, 11] : [4, 5, 6];
    const get = (x: number): Ref => m.local.get(x, I32);
    const masked = (e: Ref): Ref => m.i32.and(e, m.i32.const(MEM - 1));
    const addr = (): Ref => {
      switch (int(7)) {
        case 0: return m.i32.const(int(MEM));
        case 1: return m.i32.add(get(pick(L)), m.i32.const(pick(DELTAS)));
        case 2: return m.i32.sub(get(pick(L)), m.i32.const(pick(DELTAS)));
        case 3: return get(pick(L));
        case 4: return m.i32.load(0, 4, masked(get(pick(L))), 'mem');
        case 5: return masked(m.i32.add(get(pick(L)), m.i32.mul(get(pick(L)), m.i32.const(4))));
        default: return masked(m.i32.add(get(pick(L)), m.i32.const(int(MEM))));
      }
    };
    const ptr = (through?: number): Ref => {
      if (through !== undefined) return get(through);
      switch (int(6)) {
        case 0: case 1: return get(pick(L));
        case 2: return m.i32.add(get(pick(L)), m.i32.const(pick(DELTAS)));
        case 3: return m.i32.sub(get(pick(L)), m.i32.const(pick(DELTAS)));
        case 4: return m.local.tee(pick(L), addr(), I32);
        default: return addr();
      }
    };
    const store = (through?: number): Ref => {
      const off = pick(OFFSETS);
      const p = ptr(through);
      const v32 = (): Ref => (int(2) ? m.i32.const(int(1 << 30)) : m.i32.add(get(pick(L)), m.i32.const(1)));
      switch (int(6)) {
        case 0: return m.i32.store(off, 1, p, v32(), 'mem');
        case 1: return m.i32.store8(off, 1, p, v32(), 'mem');
        case 2: return m.i32.store16(off, 1, p, v32(), 'mem');
        case 3: return m.i64.store(off, 1, p, m.i64.const(BigInt(int(1 << 30)) * 977n), 'mem');
        case 4: return m.i64.store32(off, 1, p, m.i64.extend_u(v32()), 'mem');
        default: return m.f64.store(off, 1, p, m.f64.const(r()), 'mem');
      }
    };
    let labels = 0;
    const stmts = (depth: number, n: number, inLoop: string[]): Ref[] => Array.from({ length: n }, () => stmt(depth, inLoop));
    const stmt = (depth: number, inLoop: string[]): Ref => {
      const k = depth > 2 ? int(4) : int(15);
      switch (k) {
        case 0: case 1: return store();
        case 2: return m.local.set(pick(L), addr());
        case 3: return m.local.set(pick(L), m.i32.add(get(pick(L)), m.i32.const(pick(DELTAS))));
        case 4: return m.if(m.i32.and(get(pick(L)), m.i32.const(1 << int(4))),
          m.block(null, stmts(depth + 1, 1 + int(3), inLoop)), int(2) ? m.block(null, stmts(depth + 1, 1 + int(3), inLoop)) : undefined);
        case 5: {
          const name = `b${labels++}`;
          const inner = stmts(depth + 1, 2 + int(3), inLoop);
          inner.splice(int(inner.length), 0, m.br(name, m.i32.and(get(pick(L)), m.i32.const(2))));
          if (int(3) === 0) inner.splice(int(inner.length), 0, m.br(name));
          return m.block(name, inner);
        }
        case 6: {
          const counter = counters[depth]!;
          const name = `l${labels++}`;
          return m.block(null, [
            m.local.set(counter, m.i32.const(1 + int(4))),
            m.loop(name, m.block(null, [
              ...stmts(depth + 1, 1 + int(3), [...inLoop, name]),
              m.local.set(counter, m.i32.sub(get(counter), m.i32.const(1))),
              m.br(name, m.i32.gt_s(get(counter), m.i32.const(0))),
            ])),
          ]);
        }
        case 13: {
          // A pointer derived from another one, then stored through at an offset.
          const x = pick(L);
          return m.block(null, [m.local.set(x, m.i32.add(get(pick(L)), m.i32.const(pick(DELTAS)))), store(x)]);
        }
        case 12: {
          // A pointer walking through memory, as memset-like loops do.
          const counter = counters[depth]!;
          const name = `w${labels++}`;
          const x = pick(L);
          return m.block(null, [
            m.local.set(counter, m.i32.const(2 + int(6))),
            m.loop(name, m.block(null, [
              store(x),
              m.local.set(x, m.i32.add(get(x), m.i32.const(pick([4, 8, 64, 255, 256, 300] as const)))),
              m.local.set(counter, m.i32.sub(get(counter), m.i32.const(1))),
              m.br(name, m.i32.gt_s(get(counter), m.i32.const(0))),
            ])),
          ]);
        }
        case 7: {
          const a = `t${labels++}`;
          const b = `t${labels++}`;
          return m.block(a, [m.block(b, [m.switch([a, b, b], a, m.i32.and(get(pick(L)), m.i32.const(3))), ...stmts(depth + 1, 1 + int(2), inLoop)]),
            ...stmts(depth + 1, 1 + int(2), inLoop)]);
        }
        case 8: return m.memory.fill(masked(get(pick(L))), m.i32.const(int(256)), m.i32.const(int(700)), 'mem');
        case 9: return m.memory.copy(masked(get(pick(L))), masked(get(pick(L))), m.i32.const(int(700)), 'mem', 'mem');
        case 10: return fn === 'run' ? m.call('helper', [get(pick(L)), get(pick(L))], binaryen.none) : store();
        case 11: return m.if(m.i32.eqz(m.i32.and(get(pick(L)), m.i32.const(7))), m.return());
        default: return m.drop(m.i32.load(0, 1, masked(get(pick(L))), 'mem'));
      }
    };
    return m.block(null, stmts(0, 4 + int(10), []));
  };
  m.addFunction('helper', binaryen.createType([I32, I32]), binaryen.none, [I32, I32, I32, I32, I32], body('helper'));
  m.addFunction('run', binaryen.createType([I32, I32, I32]), binaryen.none, Array(9).fill(I32), body('run'));
  m.addFunctionExport('run', 'run');
  assert.ok(m.validate(), `seed ${seed}: generated module does not validate`);
  const bytes = m.emitBinary() as Uint8Array;
  m.dispose();
  return bytes;
}

function instrument(bytes: Uint8Array): Uint8Array {
  const m = binaryen.readBinary(bytes);
  m.setFeatures(pass.BARRIER_FEATURES);
  pass.addDirtyChunkMarks(m, { chunkShift: SHIFT });
  assert.ok(m.validate(), 'instrumented module does not validate');
  const out = m.emitBinary() as Uint8Array;
  m.dispose();
  return out;
}

function run(mod: WebAssembly.Module, init: Uint8Array, args: number[], imports: WebAssembly.Imports, memory?: WebAssembly.Memory):
  { memory: Uint8Array; trapped: boolean } {
  const inst = new WebAssembly.Instance(mod, imports);
  const mem = memory ?? (inst.exports.mem as WebAssembly.Memory);
  new Uint8Array(mem.buffer).set(init);
  let trapped = false;
  try {
    (inst.exports.run as (...a: number[]) => void)(...args);
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    trapped = true;
  }
  return { memory: new Uint8Array(mem.buffer).slice(), trapped };
}

test('support_dirty_chunks: random programs compute the same and every changed byte lies in a marked chunk', () => {
  const SEEDS = 250;
  let changedChunks = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const original = new WebAssembly.Module(randomModule(seed) as Uint8Array<ArrayBuffer>);
    const barrier = new WebAssembly.Module(instrument(randomModule(seed)) as Uint8Array<ArrayBuffer>);
    const layout = dirtyLayout(barrier)!;
    assert.equal(layout.chunkShift, SHIFT);
    const r = rng(seed * 7919);
    for (let k = 0; k < 6; k++) {
      const init = new Uint8Array(MEM);
      for (let i = 0; i < MEM; i += 4096) init[i + Math.floor(r() * 4096)] = Math.floor(r() * 256);
      // Arguments: addresses anywhere in memory (and past it), often just before a chunk ends.
      const chunkEnd = () => (Math.floor(r() * (MEM >> SHIFT)) << SHIFT) - 1 - Math.floor(r() * 64);
      const args = [0, 0, 0].map(() => (r() < 0.1 ? 0 : r() < 0.5 ? chunkEnd() : Math.floor(r() * MEM * 1.05)) | 0);
      const expected = run(original, init, args, {});
      const memory = new WebAssembly.Memory({ initial: layout.memory.initial, maximum: layout.memory.maximum });
      const markPages = (1 << (32 - SHIFT - 16)) + 1; // one byte per chunk, plus the window's last
      const marks = new WebAssembly.Memory({ initial: markPages, maximum: markPages });
      const got = run(barrier, init, args, { [DIRTY_IMPORTS.module]: { [DIRTY_IMPORTS.memory]: memory, [DIRTY_IMPORTS.marks]: marks } }, memory);
      assert.equal(got.trapped, expected.trapped, `seed ${seed} args ${args}: trap differs`);
      assert.ok(Buffer.compare(got.memory, expected.memory) === 0, `seed ${seed} args ${args}: the barrier changed what the program computes`);
      const marked = new Uint8Array(marks.buffer);
      const CHUNK = 1 << SHIFT;
      for (let chunk = 0; chunk < MEM / CHUNK; chunk++) {
        const at = chunk * CHUNK;
        if (Buffer.compare(got.memory.subarray(at, at + CHUNK), init.subarray(at, at + CHUNK)) === 0) continue;
        changedChunks++;
        assert.ok(marked[chunk] !== 0 || chunk < layout.alwaysRestoreChunks,
          `seed ${seed} args ${args}: chunk ${chunk} changed but is not marked`);
      }
    }
  }
  // The programs really do write (a generator that stopped storing would pass vacuously).
  assert.ok(changedChunks > SEEDS * 10, `only ${changedChunks} changed chunks were checked`);
});

test('support_dirty_chunks: the analysis leaves covered stores unmarked (the barrier is not a mark per store)', () => {
  let stores = 0;
  let marked = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const m = binaryen.readBinary(randomModule(seed));
    m.setFeatures(pass.BARRIER_FEATURES);
    const s = pass.addDirtyChunkMarks(m, { chunkShift: SHIFT });
    stores += s.stores;
    marked += s.storeMarks;
    m.dispose();
  }
  assert.ok(marked < stores, `${marked} of ${stores} stores marked`);
});
