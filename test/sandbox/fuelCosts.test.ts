// What each fuel check site charges (python-wasm/scripts/fuel-costs.mjs, docs/adr/0003): the
// expected instructions, per class, of the code the site guards. Hand-counted small modules: a
// loop's charge is its body's instructions up to the back edge, not its nested loops' nor the
// code after it; a dispatch loop (CPython's eval loop is one) costs one handler on average, not
// all of them; a function that calls nothing is charged at its callers' sites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../src/runtime/artifacts.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const binaryen = (await import('binaryen')).default as any;
const costs = await import(pathToFileURL(join(repoRoot(), 'python-wasm', 'scripts', 'fuel-costs.mjs')).href) as {
  CLASSES: string[];
  BRANCH: { brIf: number; ifThen: number };
  planSites(m: any, branch?: { brIf: number; ifThen: number }): { name: string; loop: number | null; counts: Float64Array }[];
};
const I32 = binaryen.i32;
const NONE = binaryen.none;

function moduleWith(build: (m: any) => void): any {
  const m = new binaryen.Module();
  m.setMemory(1, 1, 'mem');
  m.addFunctionImport('host', 'env', 'host', NONE, NONE);
  build(m);
  assert.ok(m.validate(), 'the test module does not validate');
  return m;
}

/** A site's counts as { class: count }, classes with 0 left out, rounded to 1e-9. */
function byClass(counts: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  costs.CLASSES.forEach((c, i) => { if (counts[i]) out[c] = Math.round(counts[i]! * 1e9) / 1e9; });
  return out;
}

const get = (m: any, i: number) => m.local.get(i, I32);
// x = x + 1 : local.set, i32.add, local.get, i32.const -> 3 local, 1 alu
const incr = (m: any, i: number) => m.local.set(i, m.i32.add(get(m, i), m.i32.const(1)));

test('support_fuel_costs: a loop charges its body up to the back edge, per iteration', () => {
  const m = moduleWith((m) => {
    m.addFunction('f', binaryen.createType([I32, I32]), NONE, [], m.loop('l', m.block(null, [
      incr(m, 0), // 3 local, 1 alu
      m.i32.store(0, 4, get(m, 1), get(m, 0)), // 1 mem, 2 local
      m.call('host', [], NONE), // 1 call
      m.br('l'), // 1 branch
    ])));
  });
  const sites = costs.planSites(m);
  assert.deepEqual(sites.map((s) => [s.name, s.loop !== null]), [['f', false], ['f', true]]);
  assert.deepEqual(byClass(sites[1]!.counts), { local: 5, alu: 1, mem: 1, call: 1, branch: 1 });
  // The entry region ends at the loop: it costs nothing of its own.
  assert.deepEqual(byClass(sites[0]!.counts), {});
  m.dispose();
});

test('support_fuel_costs: a dispatch loop costs one handler on average, not the sum of its handlers', () => {
  // loop l { block b2 { block b1 { block b0 { br_table [b0, b1] b2 (x) } h0; br l } h1; br l } h2; br l }
  // with handlers of 1, 2 and 6 increments: each target is 1/3 likely.
  const m = moduleWith((m) => {
    const handler = (k: number) => Array.from({ length: k }, () => incr(m, 1));
    m.addFunction('f', binaryen.createType([I32]), NONE, [I32], m.loop('l', m.block(null, [
      m.block('b2', [
        m.block('b1', [
          m.block('b0', [m.switch(['b0', 'b1'], 'b2', get(m, 0))]),
          ...handler(1), m.br('l'),
        ]),
        ...handler(2), m.br('l'),
      ]),
      ...handler(6), m.br('l'),
    ])));
  });
  const [loop] = costs.planSites(m);
  assert.equal(loop!.loop !== null, true);
  // br_table and its operand, then (1 + 2 + 6) / 3 = 3 increments and one br.
  assert.deepEqual(byClass(loop!.counts), { local: 1 + 3 * 3, alu: 3, branch: 2 });
  m.dispose();
});

test('support_fuel_costs: an outer loop does not pay for its nested loop, and code after a loop belongs to the enclosing site', () => {
  // f: loop outer { A; block done { loop inner { B; br_if inner (c) } } ; C; br_if outer (c) } ; D
  const m = moduleWith((m) => {
    m.addFunction('f', binaryen.createType([I32]), NONE, [I32, I32], m.block(null, [
      m.loop('outer', m.block(null, [
        incr(m, 1), // A
        m.loop('inner', m.block(null, [incr(m, 1), incr(m, 1), m.br('inner', get(m, 0))])), // B = 2 increments
        m.i32.store(0, 4, get(m, 1), get(m, 1)), // C
        m.br('outer', get(m, 0)),
      ])),
      m.call('host', [], NONE), // D
    ]));
  });
  const sites = costs.planSites(m);
  const [entry, outer, inner] = sites;
  const q = costs.BRANCH.brIf;
  // inner: 2 increments, the br_if's operand and itself, per iteration.
  assert.deepEqual(byClass(inner!.counts), { local: 7, alu: 2, branch: 1 });
  // outer: A, then (inner leaves by falling through, so all of it) C and the br_if.
  assert.deepEqual(byClass(outer!.counts), { local: 3 + 2 + 1, alu: 1, mem: 1, branch: 1 });
  // entry: the loop (nothing), then D once the outer loop is left (its br_if not taken).
  assert.deepEqual(byClass(entry!.counts), { call: 1 });
  assert.ok(q > 0 && q < 1);
  m.dispose();
});

test('support_fuel_costs: branches split the charge by the fixed probabilities', () => {
  // f: if (x) { 2 increments } else { 4 increments }; br_if out (x); 1 increment; call host
  const m = moduleWith((m) => {
    m.addFunction('f', binaryen.createType([I32]), NONE, [I32], m.block('out', [
      m.if(get(m, 0), m.block(null, [incr(m, 0), incr(m, 0)]), m.block(null, [incr(m, 0), incr(m, 0), incr(m, 0), incr(m, 0)])),
      m.br('out', get(m, 0)),
      incr(m, 0),
      m.call('host', [], NONE),
    ]));
  });
  const [entry] = costs.planSites(m);
  const q = costs.BRANCH.brIf;
  // if: its operand and itself, then 3 increments on average; br_if and its operand; the rest
  // with the mass that falls through the br_if.
  const want = { local: 1 + 3 * 3 + 1 + (1 - q) * 3, alu: 3 + (1 - q), branch: 2, call: 1 - q };
  const got = byClass(entry!.counts);
  for (const [c, v] of Object.entries(want)) assert.ok(Math.abs((got[c] ?? 0) - v) < 1e-9, `${c}: ${got[c]} != ${v}`);
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  m.dispose();
});

test('support_fuel_costs: a function that calls nothing has no site; its callers\' sites pay for it', () => {
  const m = moduleWith((m) => {
    m.addFunction('leaf', binaryen.createType([I32]), I32, [], m.i32.mul(get(m, 0), m.i32.const(3))); // 2 local, 1 muldiv
    m.addFunction('caller', binaryen.createType([I32]), I32, [], m.block(null, [
      m.call('host', [], NONE),
      m.i32.add(m.call('leaf', [get(m, 0)], I32), m.call('leaf', [m.i32.const(1)], I32)),
    ], I32));
  });
  const sites = costs.planSites(m);
  assert.deepEqual(sites.map((s) => s.name), ['caller']);
  // 3 calls, 1 add, 2 operands; each call of leaf adds leaf's 2 local + 1 muldiv.
  assert.deepEqual(byClass(sites[0]!.counts), { local: 2 + 4, alu: 1, muldiv: 2, call: 3 });
  m.dispose();
});

/** postlink.mjs on `bytes` with CJW_FUEL_MODEL set as given (its child process inherits it). */
async function postlinkModel(bytes: Uint8Array, model: string | undefined): Promise<Uint8Array> {
  const { postlink } = await import('../support/postlink.js');
  const saved = process.env.CJW_FUEL_MODEL;
  if (model === undefined) delete process.env.CJW_FUEL_MODEL; else process.env.CJW_FUEL_MODEL = model;
  try { return postlink(bytes).fuel; } finally {
    if (saved === undefined) delete process.env.CJW_FUEL_MODEL; else process.env.CJW_FUEL_MODEL = saved;
  }
}

test('support_fuel_costs: the weighted module records the charge per touched chunk, and a grow clears the marks of the chunks it adds', async () => {
  const { instantiatePostlinked } = await import('../support/postlink.js');
  const { TOUCH_CHUNK } = await import(pathToFileURL(join(repoRoot(), 'python-wasm', 'scripts', 'instrument-fuel.mjs')).href) as { TOUCH_CHUNK: number };
  // grow(n) (clang's sbrk: a local.tee of the grow) and put(addr, v) (an i32 store): no call, no
  // loop, so no fuel check.
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals);
  m.setMemory(1, 16, 'mem', [], false, false, 'mem');
  m.addGlobal('sp', I32, true, m.i32.const(1024));
  m.addFunction('grow', binaryen.createType([I32]), I32, [I32], m.local.tee(1, m.memory.grow(get(m, 0)), I32));
  m.addFunction('put', binaryen.createType([I32, I32]), NONE, [], m.i32.store(0, 4, get(m, 0), get(m, 1)));
  for (const f of ['grow', 'put']) m.addFunctionExport(f, f);
  assert.ok(m.validate());
  const bytes = m.emitBinary() as Uint8Array;
  m.dispose();

  const weighted = instantiatePostlinked(await postlinkModel(bytes, 'weighted'), () => {});
  assert.equal(weighted.layout.touchChunkFuel, TOUCH_CHUNK);
  const CHUNK = 1 << weighted.layout.chunkShift;
  const { exports, marks } = weighted;
  exports.fuel.value = 1n << 40n;
  // A store in the memory's last chunk marks it and the next one, past the end (a store may
  // straddle the two): that mark outlives a restore, which clears the memory's own marks only.
  exports.put(65536 - 4, 1);
  const last = 65536 / CHUNK - 1;
  assert.deepEqual([marks[last], marks[last + 1]], [1, 1]);
  // The grow clears the marks of every chunk it adds, so that the host charges a run for what
  // it touches there, not for what an earlier run marked.
  assert.equal(exports.grow(2), 1);
  assert.equal(marks[last], 1, 'a chunk of the old memory lost its mark');
  assert.deepEqual([...marks.subarray(last + 1, last + 1 + 2 * 65536 / CHUNK)].filter((b) => b !== 0), []);
  // The grow itself charges no fuel (no check, no charge of its own).
  assert.equal(exports.fuel.value, 1n << 40n);
  // A grow that fails clears nothing.
  exports.put(3 * 65536 - 4, 1);
  assert.equal(exports.grow(100), -1);
  assert.equal(marks[3 * 65536 / CHUNK], 1);

  // The flat model records no charge and clears no marks.
  const flat = instantiatePostlinked(await postlinkModel(bytes, 'flat'), () => {});
  assert.equal(flat.layout.touchChunkFuel, undefined);
  flat.exports.put(65536 - 4, 1);
  flat.exports.grow(1);
  assert.equal(flat.marks[65536 / CHUNK], 1);
});

test('support_fuel_costs: touched memory is taken from the counter when a slice runs out, deterministically', async () => {
  const { FuelMeter, FuelExhausted } = await import('../../src/sandbox/fuel.js');
  // A guest that uses 100 fuel per check and touches a chunk (worth 1,000) every `every` checks (0: never);
  // the host counts its touches as PythonInstance counts the marks.
  const play = (budget: bigint | null, checks: number, every: number) => {
    const counter = new WebAssembly.Global({ value: 'i64', mutable: true }, 0n);
    let touched = 0;
    const meter = new FuelMeter(counter, { budget, deadline: null, slice: 10_000n, touched: () => BigInt(touched) * 1_000n });
    let slices = 0;
    let done = 0;
    let end: unknown = null;
    try {
      for (let i = 0; i < checks; i++, done++) {
        if (every > 0 && i % every === 0) touched++;
        counter.value = (counter.value as bigint) - 100n;
        if ((counter.value as bigint) < 0n) { slices++; meter.exhausted(); }
      }
    } catch (e) { end = e; }
    return { used: meter.used(), slices, end, done };
  };
  // Without a deadline the run is still sliced (10,000 per slice): 1,000 checks of 100 and 143
  // touches of 1,000, taken where slices ran out (the last slice's touches not yet).
  const a = play(null, 1_000, 7);
  assert.ok(a.slices >= 10, `only ${a.slices} slices`);
  assert.ok(a.used > 200_000n && a.used <= 243_000n, `used ${a.used}`);
  assert.deepEqual(play(null, 1_000, 7), a);
  // A budget ends the run on CPU sooner with touches than without, at the same point every time.
  const b = play(150_000n, 10_000, 7);
  assert.ok(b.end instanceof FuelExhausted);
  assert.deepEqual(play(150_000n, 10_000, 7), b);
  const c = play(150_000n, 10_000, 0);
  assert.ok(c.end instanceof FuelExhausted);
  assert.equal(c.done, 1_500);
  assert.ok(b.done < 1_000, `${b.done} checks before the end with touches`);
});
