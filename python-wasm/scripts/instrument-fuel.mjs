// Post-link pass: deterministic fuel for the codejail-wasm reactor.
//
// usage: node instrument-fuel.mjs IN.wasm OUT-fuel.wasm OUT-nofuel.wasm
//
// Adds an exported mutable i64 global `fuel`, decremented by one at the top of every loop
// body (once per iteration) and at the entry of every defined function that calls another.
// When it goes negative the guest calls the host import `codejail.fuel_exhausted`, which
// grants the next slice of the run's budget after looking at the wall clock (REALTIME), or
// ends the run by throwing: the guest unwinds and the instance is restored from its snapshot.
// Fuel used does not depend on the slices. Functions that call nothing get no entry
// check (their loops still do): any unbounded execution must pass a loop header or a calling
// function's entry infinitely often. The placement and its cost are discussed in
// docs/adr/0003-fuel-metering.md. postlink.mjs then marks every check's call as unlikely
// (branch-hints.mjs), which keeps the slow path out of the interpreter's hot code. Every mutable global of the module is exported as well
// (`__stack_pointer`), because a snapshot must capture all guest state.
// OUT-nofuel.wasm is the same binaryen round trip without the counter: the fair
// baseline for measuring the counter's overhead.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';
import { children as childrenOf } from './wasm-expressions.mjs';

const B = binaryen;
/** The host import the guest calls when its counter is below zero at a check. */
export const EXHAUSTED = { module: 'codejail', base: 'fuel_exhausted' };
const F = B.Features;
// Features.All makes binaryen emit encodings Node 20 rejects; list what clang-19 uses.
const FEATURES = F.MVP | F.MutableGlobals | F.SignExt | F.BulkMemory | F.NontrappingFPToInt |
  F.Multivalue | F.ReferenceTypes | F.BulkMemoryOpt;

function load(input) {
  const m = B.readBinary(readFileSync(input));
  // Exception handling (clang-19's legacy try/catch/throw: C++ with -fwasm-exceptions,
  // setjmp/longjmp) only for a module that declares it: binaryen writes the features back into
  // the target_features section, so every other module keeps its bytes.
  m.setFeatures(FEATURES | (m.getFeatures() & F.ExceptionHandling));
  return m;
}

// wasm-ld emits exactly one mutable global, the C stack pointer; a snapshot must capture it.
// Anything else would be guest state we do not know how to save, so refuse to build.
function exportMutableGlobals(m) {
  const mutable = [];
  for (let i = 0; i < m.getNumGlobals(); i++) {
    const g = B.getGlobalInfo(m.getGlobalByIndex(i));
    if (g.mutable && !g.module && g.name !== 'fuel') mutable.push(g);
  }
  if (mutable.length !== 1 || mutable[0].type !== B.i32) {
    throw new Error(`expected one mutable i32 global (the stack pointer), found ${mutable.map((g) => g.name).join(', ')}`);
  }
  m.addGlobalExport(mutable[0].name, '__stack_pointer');
}

// Child expressions (wasm-expressions.mjs): an unknown kind makes the pass fail, so a loop can
// never be skipped silently.
const I = B;
const children = (e) => childrenOf(e, 'instrument-fuel');
// The loops of a function body, and whether it calls anything (call, call_indirect and
// their return_ forms, which binaryen represents as the same expression kinds).
function scan(root) {
  const loops = [];
  let calls = false;
  const stack = [root];
  while (stack.length) {
    const e = stack.pop();
    if (!e) continue;
    const id = B.getExpressionId(e);
    if (id === I.LoopId) loops.push(e);
    else if (id === I.CallId || id === I.CallIndirectId) calls = true;
    for (const c of children(e)) if (c) stack.push(c);
  }
  return { loops, calls };
}

function addFuel(m) {
  m.addGlobal('fuel', B.i64, true, m.i64.const(0n));
  const defined = [];
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const f = m.getFunctionByIndex(i);
    if (!B.getFunctionInfo(f).module) defined.push(f);
  }
  m.addFunctionImport(EXHAUSTED.base, EXHAUSTED.module, EXHAUSTED.base, B.none, B.none);
  // fuel -= 1 through a local, so the global is read once per check.
  const check = (tmp) => m.block(null, [
    m.local.set(tmp, m.i64.sub(m.global.get('fuel', B.i64), m.i64.const(1n))),
    m.global.set('fuel', m.local.get(tmp, B.i64)),
    m.if(m.i64.lt_s(m.local.get(tmp, B.i64), m.i64.const(0n)), m.call(EXHAUSTED.base, [], B.none)),
  ], B.none);
  let sites = 0;
  for (const f of defined) {
    const fi = B.getFunctionInfo(f);
    const { loops, calls } = scan(fi.body);
    if (!loops.length && !calls) continue;
    const tmp = B._BinaryenFunctionAddVar(f, B.i64);
    for (const loop of loops) {
      const body = B.Loop.getBody(loop);
      B.Loop.setBody(loop, m.block(null, [check(tmp), body], B.getExpressionType(body)));
      sites++;
    }
    if (calls) {
      B.Function.setBody(f, m.block(null, [check(tmp), fi.body], B.getExpressionType(fi.body)));
      sites++;
    }
  }
  m.addGlobalExport('fuel', 'fuel');
  return sites;
}

function main(input, outFuel, outPlain) {
  if (!input || !outFuel || !outPlain) {
    console.error('usage: instrument-fuel.mjs IN.wasm OUT-fuel.wasm OUT-nofuel.wasm');
    process.exit(2);
  }
  const plain = load(input);
  exportMutableGlobals(plain);
  if (!plain.validate()) throw new Error('round trip does not validate');
  writeFileSync(outPlain, plain.emitBinary());
  plain.dispose();

  const fueled = load(input);
  exportMutableGlobals(fueled);
  const sites = addFuel(fueled);
  if (!fueled.validate()) throw new Error('instrumented module does not validate');
  writeFileSync(outFuel, fueled.emitBinary());
  console.log(`fuel: ${sites} check sites`);
}

// A command (postlink.mjs runs it in its own process); imported, only the constants.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main(...process.argv.slice(2));
