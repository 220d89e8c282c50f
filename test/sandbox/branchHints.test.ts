// The branch hints of the post-link pipeline (python-wasm/scripts/branch-hints.mjs, run by
// postlink.mjs on the fuel module): every fuel check's host call is marked unlikely so that the
// engine compiles it out of line, and nothing the module computes or charges changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../src/runtime/artifacts.js';
import { instantiatePostlinked, postlink } from '../support/postlink.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const binaryen = (await import('binaryen')).default as any;
const scripts = join(repoRoot(), 'python-wasm', 'scripts');
const { EXHAUSTED, WEIGHTS } = await import(pathToFileURL(join(scripts, 'instrument-fuel.mjs')).href) as {
  EXHAUSTED: { module: string; base: string }; WEIGHTS: Record<string, number>;
};
const { BRANCH } = await import(pathToFileURL(join(scripts, 'fuel-costs.mjs')).href) as { BRANCH: { brIf: number } };
const { hintUnlikelyCalls, BRANCH_HINT_SECTION } = await import(pathToFileURL(join(scripts, 'branch-hints.mjs')).href) as {
  hintUnlikelyCalls(b: Uint8Array, f: { module: string; base: string }): { bytes: Uint8Array; marked: number }; BRANCH_HINT_SECTION: string;
};
const I32 = binaryen.i32;
const NONE = binaryen.none;

/**
 * leaf(n) -> i32: s = 0; for (i = n; i > 0; i--) s += i; return s      (a loop, no call)
 * run(n) -> i32: return leaf(n) + leaf(1)                              (calls: an entry check)
 */
function testModule(): Uint8Array {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.MutableGlobals);
  m.setMemory(1, 8, 'mem', [], false, false, 'mem');
  m.addGlobal('sp', I32, true, m.i32.const(1024)); // the C stack pointer clang's modules have
  const get = (x: number) => m.local.get(x, I32);
  m.addFunction('leaf', binaryen.createType([I32]), I32, [I32], m.block(null, [
    m.block('done', [m.loop('next', m.block(null, [
      m.br('done', m.i32.le_s(get(0), m.i32.const(0))),
      m.local.set(1, m.i32.add(get(1), get(0))),
      m.local.set(0, m.i32.sub(get(0), m.i32.const(1))),
      m.br('next'),
    ]))]),
    get(1),
  ], I32));
  m.addFunction('run', binaryen.createType([I32]), I32, [], m.i32.add(m.call('leaf', [get(0)], I32), m.call('leaf', [m.i32.const(1)], I32)));
  m.addFunctionExport('run', 'run');
  assert.ok(m.validate(), 'the test module does not validate');
  const bytes = m.emitBinary() as Uint8Array;
  m.dispose();
  return bytes;
}

const { fuel: fueled, plain } = postlink(testModule());

test('support_branch_hints: every fuel check\'s host call is hinted unlikely; the no-fuel module has no hints', () => {
  const { mod } = instantiatePostlinked(fueled, () => {});
  const sections = WebAssembly.Module.customSections(mod, BRANCH_HINT_SECTION);
  assert.equal(sections.length, 1, 'the fuel module has no branch hint section');
  // vec(2 functions: run's entry check, leaf's loop check), each vec(1 hint at an offset, size 1, 0 = unlikely).
  const s = new Uint8Array(sections[0]!);
  assert.equal(s[0], 2);
  assert.deepEqual([s[2], s[4], s[5]], [1, 1, 0]);
  assert.equal(WebAssembly.Module.customSections(new WebAssembly.Module(plain as Uint8Array<ArrayBuffer>), BRANCH_HINT_SECTION).length, 0);
});

test('support_branch_hints: the hinted module computes what the unhinted one does and charges what the sites say', () => {
  const { exports } = instantiatePostlinked(fueled, () => {});
  const { exports: ref } = instantiatePostlinked(plain, () => {});
  // What the check sites charge (fuel-costs.mjs), counted by hand: leaf's loop body is the br_if
  // and its operands, then, when not taken (BRANCH.brIf), two local.sets of an add/sub and the br
  // back; run's entry is its add, two calls and their operands, and each call also pays for
  // leaf's own code outside the loop (leaf calls nothing: no check of its own), one local.get.
  const q = BRANCH.brIf;
  const w = WEIGHTS;
  const loop = BigInt(Math.max(1, Math.round(w.local * (2 + 6 * (1 - q)) + w.alu * (1 + 2 * (1 - q)) + w.branch * (1 + (1 - q)))));
  const entry = BigInt(Math.round(w.alu + 2 * w.call + 2 * w.local + 2 * w.local));
  for (const n of [0, 1, 9, 100]) {
    exports.fuel.value = 1_000_000n;
    assert.equal(exports.run(n), ref.run(n));
    assert.equal(exports.run(n), n * (n + 1) / 2 + 1);
    // Per run(n): its entry, leaf(n)'s loop body entered n + 1 times, leaf(1)'s twice.
    assert.equal(1_000_000n - exports.fuel.value, 2n * (entry + BigInt(n + 1 + 2) * loop), `n=${n}`);
  }
  // Below zero at a check, the hinted call is still made (and ends the run here).
  let signals = 0;
  const { exports: low } = instantiatePostlinked(fueled, () => { signals++; throw new Error('exhausted'); });
  low.fuel.value = 3n;
  assert.throws(() => low.run(10), /exhausted/);
  assert.equal(signals, 1);
});

test('support_branch_hints: a call of the slow path that is not alone in an if makes the step fail', () => {
  const m = new binaryen.Module();
  m.addFunctionImport(EXHAUSTED.base, EXHAUSTED.module, EXHAUSTED.base, NONE, NONE);
  m.addFunction('f', NONE, NONE, [], m.call(EXHAUSTED.base, [], NONE));
  const bytes = m.emitBinary() as Uint8Array;
  m.dispose();
  assert.throws(() => hintUnlikelyCalls(bytes, EXHAUSTED), /1 calls .* 0 of them alone in an if/);
});
