// Post-link pass: deterministic fuel for the codejail-wasm reactor.
//
// usage: node instrument-fuel.mjs IN.wasm OUT-fuel.wasm OUT-nofuel.wasm
//
// Adds an exported mutable i64 global `fuel`, decremented at the top of every loop body (once
// per iteration) and at the entry of every defined function that calls another. The shipped
// model (weighted: CJW_FUEL_MODEL unset or `weighted`; docs/adr/0003-fuel-metering.md)
// decrements by the work the check guards: the expected instructions of the code it owns up to
// the next check, weighted per class (fuel-costs.mjs, WEIGHTS below); memory a run touches
// above its starting size is charged by the host from the store barrier's marks (TOUCH_CHUNK
// per 4 KiB chunk; dirty-chunks.mjs, which postlink.mjs runs next). CJW_FUEL_MODEL=flat, the model
// before it (one unit per check, no memory charge), is kept to measure against. Both models
// place the same checks.
// When the counter is below zero at a check the guest calls the host import
// `codejail.fuel_exhausted`, which grants the next slice of the run's budget after looking at
// the wall clock (REALTIME), or ends the run by throwing: the guest unwinds and the instance is
// restored from its snapshot. Fuel used does not depend on the slices. Functions that call
// nothing get no entry check (their loops still do; weighted, their callers pay for them): any
// unbounded execution must pass a loop header or a calling function's entry infinitely often.
// The placement, the weights and their calibration are in docs/adr/0003-fuel-metering.md.
// postlink.mjs then marks every check's call as unlikely (branch-hints.mjs), which keeps the
// slow path out of the interpreter's hot code. Every mutable global of the module is exported
// as well (`__stack_pointer`), because a snapshot must capture all guest state.
// OUT-nofuel.wasm is the same binaryen round trip without the counter: the fair
// baseline for measuring the counter's overhead.
// CJW_FUEL_PROFILE_SITES=OUT.json (calibration only, never for a shipped module) also counts
// how often each site runs (exported globals fuel_site_N) and writes each site's expected
// instructions per class to OUT.json, so that weights can be fitted without rebuilding
// (CJW_FUEL_PROFILE_MODELS: the same under other BRANCH probabilities).
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';
import { CLASSES, planSites, siteCost } from './fuel-costs.mjs';

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

/** Fuel units per instruction of each class (fuel-costs.mjs CLASSES): one unit per
 * instruction; an indirect call also stands for the callee no check charges when it calls
 * nothing (a direct call's is charged at the call). Calibrated (bench/calibrate.ts, ADR 0003). */
export const WEIGHTS = { local: 1, alu: 1, muldiv: 1, mem: 1, branch: 1, call: 1, icall: 230, bulk: 1 };
/** Fuel units per 4 KiB chunk of memory a run touches above the size it started with (weighted
 * model; the host counts the store barrier's marks, dirty-chunks.mjs `touch`): fresh memory
 * costs page faults, zeroing and cache misses that instruction counts do not see, natively as in
 * wasm, when it is first written, not when it is reserved. Calibrated (ADR 0003). */
export const TOUCH_CHUNK = 193_750;
/** The metering model: `weighted` (the shipped runtimes) or `flat` (1 per check, no memory
 * charge: the model before weighted fuel, kept to measure against). */
export function fuelModel(value = process.env.CJW_FUEL_MODEL) {
  if (value === undefined || value === '' || value === 'weighted') return 'weighted';
  if (value === 'flat') return 'flat';
  throw new Error(`CJW_FUEL_MODEL must be flat or weighted, not ${value}`);
}

// `profile`: also count, per site, how often it runs (an exported i64 global `fuel_site_N` each),
// for fitting WEIGHTS (not for a runtime).
function addFuel(m, { profile = false, model = 'flat' } = {}) {
  m.addGlobal('fuel', B.i64, true, m.i64.const(0n));
  const sites = planSites(m);
  m.addFunctionImport(EXHAUSTED.base, EXHAUSTED.module, EXHAUSTED.base, B.none, B.none);
  // fuel -= cost through a local, so the global is read once per check.
  const check = (tmp, cost, index) => m.block(null, [
    ...(profile ? [m.global.set(`fuel_site_${index}`, m.i64.add(m.global.get(`fuel_site_${index}`, B.i64), m.i64.const(1n)))] : []),
    m.local.set(tmp, m.i64.sub(m.global.get('fuel', B.i64), m.i64.const(BigInt(cost)))),
    m.global.set('fuel', m.local.get(tmp, B.i64)),
    m.if(m.i64.lt_s(m.local.get(tmp, B.i64), m.i64.const(0n)), m.call(EXHAUSTED.base, [], B.none)),
  ], B.none);
  const tmps = new Map();
  const costs = [];
  sites.forEach((site, index) => {
    const f = m.getFunction(site.name);
    if (!tmps.has(site.name)) tmps.set(site.name, B._BinaryenFunctionAddVar(f, B.i64));
    const tmp = tmps.get(site.name);
    const cost = model === 'weighted' ? siteCost(site.counts, WEIGHTS) : 1;
    costs.push(cost);
    if (profile) {
      m.addGlobal(`fuel_site_${index}`, B.i64, true, m.i64.const(0n));
      m.addGlobalExport(`fuel_site_${index}`, `fuel_site_${index}`);
    }
    if (site.loop) {
      const body = B.Loop.getBody(site.loop);
      B.Loop.setBody(site.loop, m.block(null, [check(tmp, cost, index), body], B.getExpressionType(body)));
    } else {
      const body = B.getFunctionInfo(f).body;
      B.Function.setBody(f, m.block(null, [check(tmp, cost, index), body], B.getExpressionType(body)));
    }
  });
  m.addGlobalExport('fuel', 'fuel');
  return { sites, costs };
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
  const profileOut = process.env.CJW_FUEL_PROFILE_SITES;
  // Profiling: the sites' counts under other branch models too (same sites, same order).
  const models = profileOut ? JSON.parse(process.env.CJW_FUEL_PROFILE_MODELS ?? '[]') : [];
  const alternatives = models.map((branch) => planSites(fueled, branch).map((s) => [...s.counts]));
  const model = fuelModel();
  const { sites, costs } = addFuel(fueled, { profile: Boolean(profileOut), model });
  if (!fueled.validate()) throw new Error('instrumented module does not validate');
  writeFileSync(outFuel, fueled.emitBinary());
  if (profileOut) {
    writeFileSync(profileOut, JSON.stringify({ classes: CLASSES, models, sites: sites.map((s, i) => ({ fn: s.name, loop: s.loop !== null, cost: costs[i], counts: [...s.counts], alt: alternatives.map((a) => a[i]) })) }));
  }
  let [total, min, max] = [0, Infinity, 0];
  for (const c of costs) { total += c; min = Math.min(min, c); max = Math.max(max, c); }
  console.log(model === 'flat' ? `fuel: ${sites.length} check sites`
    : `fuel (weighted): ${sites.length} check sites, charging ${min}-${max} units (mean ${(total / costs.length).toFixed(1)}); touched memory ${TOUCH_CHUNK} per 4 KiB chunk (host, from the store barrier's marks)`);
}

// A command (postlink.mjs runs it in its own process); imported, only the constants.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main(...process.argv.slice(2));
