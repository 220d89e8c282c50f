// What each fuel check site of instrument-fuel.mjs charges: the expected work of the code it
// guards, so that fuel tracks native CPU time across kinds of work (docs/adr/0003).
//
// A check sits at the top of every loop body and at the entry of every function that calls
// another. Each instruction of a function is owned by the check of its innermost enclosing loop,
// or, outside every loop, by the function's entry check. A site's region is the code it owns:
// a loop's region runs from the top of its body to the back edge or to an exit of the loop (code
// after the loop belongs to the enclosing owner); a nested loop is one node that costs the
// enclosing region nothing (its own check charges it) and leads to its exits. Every cycle of a
// function passes through a loop header, so each region is acyclic, and its expected cost is
// computed in one forward pass over binaryen's structured IR: a probability mass flows through the
// code, each instruction costs its class's weight times the mass that reaches it, and branches
// split the mass by fixed probabilities (BRANCH). A function with no entry check (it calls
// nothing) has its own entry region charged at every direct call of it, by the caller's region.
//
// Costs are static: computed from the module alone, so the same module charges the same fuel on
// every run and machine. Weights are per instruction class (CLASSES), calibrated against native
// CPython by bench/calibrate.ts; the figures are in docs/adr/0003-fuel-metering.md.
import binaryen from 'binaryen';
import { children as childrenOf } from './wasm-expressions.mjs';

const B = binaryen;
const children = (e) => childrenOf(e, 'fuel-costs');

/** Instruction classes a site's cost is made of. */
export const CLASSES = ['local', 'alu', 'muldiv', 'mem', 'branch', 'call', 'icall', 'bulk'];
const C = Object.fromEntries(CLASSES.map((c, i) => [c, i]));

const MULDIV = new Set([B.MulInt32, B.DivSInt32, B.DivUInt32, B.RemSInt32, B.RemUInt32, B.MulInt64, B.DivSInt64,
  B.DivUInt64, B.RemSInt64, B.RemUInt64, B.MulFloat32, B.DivFloat32, B.MulFloat64, B.DivFloat64]);
const CLASS_OF_ID = new Map([
  [B.LocalGetId, C.local], [B.LocalSetId, C.local], [B.GlobalGetId, C.local], [B.GlobalSetId, C.local],
  [B.ConstId, C.local], [B.DropId, C.local], [B.PopId, C.local],
  [B.UnaryId, C.alu], [B.SelectId, C.alu],
  [B.LoadId, C.mem], [B.StoreId, C.mem],
  [B.IfId, C.branch], [B.BreakId, C.branch], [B.SwitchId, C.branch], [B.ReturnId, C.branch], [B.UnreachableId, C.branch],
  [B.CallId, C.call], [B.ThrowId, C.call], [B.RethrowId, C.call], [B.MemoryGrowId, C.call], [B.MemorySizeId, C.local],
  [B.CallIndirectId, C.icall],
  [B.MemoryCopyId, C.bulk], [B.MemoryFillId, C.bulk], [B.MemoryInitId, C.bulk], [B.DataDropId, C.local],
]);

/** Probabilities of the branches the analysis cannot decide: a br_if is taken, the arm of an if
 * without else is entered (each arm of an if with one: 1/2). A br_table goes to each of its
 * entries alike. Every branch a coin flip: calibration found no better fixed split (ADR 0003). */
export const BRANCH = { brIf: 0.5, ifThen: 0.5 };

function classOf(e, id) {
  if (id === B.BinaryId) return MULDIV.has(B.getExpressionInfo(e).op) ? C.muldiv : C.alu;
  return CLASS_OF_ID.get(id) ?? -1;
}

/**
 * The check sites of module `m` and what each guards, as expected instruction counts per class
 * (Float64Array indexed like CLASSES), in a fixed order: per defined function, its entry site
 * (when it calls anything) then its loops in pre-order.
 * @returns {{ fn: number, name: string, loop: number | null, counts: Float64Array }[]}
 */
export function planSites(m, branch = BRANCH) {
  const defined = new Map();
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const f = m.getFunctionByIndex(i);
    const info = B.getFunctionInfo(f);
    if (!info.module) defined.set(info.name, { f, body: info.body });
  }
  const shapes = new Map();
  const shape = (name) => {
    let s = shapes.get(name);
    if (!s) shapes.set(name, s = scan(defined.get(name).body));
    return s;
  };
  const summaries = new Map(); // loop -> where a loop's entries leave it, per unit of mass
  const leafCosts = new Map(); // function without entry check -> its entry region's counts

  const leafCost = (name) => {
    if (!defined.has(name) || shape(name).calls) return null;
    let v = leafCosts.get(name);
    if (!v) {
      v = new Float64Array(CLASSES.length);
      leafCosts.set(name, v); // (a leaf calls nothing, so this cannot recurse)
      flow(defined.get(name).body, 1, { cost: v, labels: new Map() });
    }
    return v;
  };

  // Send `p` units of mass to label `name`.
  const send = (ctx, name, p) => ctx.labels.set(name, (ctx.labels.get(name) ?? 0) + p);
  // Mass that arrived at a label whose scope ends here (shadowing restored).
  const scoped = (ctx, name, run) => {
    if (!name) return run();
    const outer = ctx.labels.get(name);
    ctx.labels.set(name, 0);
    const fall = run();
    const arrived = ctx.labels.get(name);
    if (outer === undefined) ctx.labels.delete(name); else ctx.labels.set(name, outer);
    return fall + arrived;
  };

  function summary(loop) {
    let s = summaries.get(loop);
    if (s) return s;
    const { name, body } = B.getExpressionInfo(loop);
    const ctx = { cost: null, labels: new Map([[name, 0]]) };
    const fall = flow(body, 1, ctx);
    const back = ctx.labels.get(name);
    ctx.labels.delete(name);
    const leaving = 1 - back;
    s = leaving > 1e-12 ? { fall: fall / leaving, exits: [...ctx.labels].map(([l, p]) => [l, p / leaving]) } : { fall: 0, exits: [] };
    summaries.set(loop, s);
    return s;
  }

  // The mass that completes `e` normally, given `p` reaching it; costs into ctx.cost (when not
  // null). An absent optional operand (0) completes with all of it.
  function flow(e, p, ctx) {
    if (p <= 0) return 0;
    if (!e) return p;
    const id = B.getExpressionId(e);
    const charge = (cls, q) => { if (ctx.cost && cls >= 0) ctx.cost[cls] += q; };
    switch (id) {
      case B.BlockId: {
        const x = B.getExpressionInfo(e);
        return scoped(ctx, x.name, () => {
          let q = p;
          for (const c of x.children) q = flow(c, q, ctx);
          return q;
        });
      }
      case B.LoopId: {
        const s = summary(e);
        for (const [l, f] of s.exits) send(ctx, l, p * f);
        return p * s.fall;
      }
      case B.IfId: {
        const x = B.getExpressionInfo(e);
        const q = flow(x.condition, p, ctx);
        charge(C.branch, q);
        if (x.ifFalse) return flow(x.ifTrue, q / 2, ctx) + flow(x.ifFalse, q / 2, ctx);
        return flow(x.ifTrue, q * branch.ifThen, ctx) + q * (1 - branch.ifThen);
      }
      case B.BreakId: {
        const x = B.getExpressionInfo(e);
        let q = flow(x.value, p, ctx);
        if (!x.condition) { charge(C.branch, q); send(ctx, x.name, q); return 0; }
        q = flow(x.condition, q, ctx);
        charge(C.branch, q);
        send(ctx, x.name, q * branch.brIf);
        return q * (1 - branch.brIf);
      }
      case B.SwitchId: {
        const x = B.getExpressionInfo(e);
        const q = flow(x.condition, flow(x.value, p, ctx), ctx);
        charge(C.branch, q);
        const targets = [...x.names, x.defaultName];
        for (const t of targets) send(ctx, t, q / targets.length);
        return 0;
      }
      case B.TryId: {
        // Catch bodies run only when something throws: no mass (they still have their loops'
        // own checks). A try's label can be a branch target like a block's.
        const x = B.getExpressionInfo(e);
        return scoped(ctx, x.name, () => flow(x.body, p, ctx));
      }
      case B.CallId: case B.CallIndirectId: {
        let q = p;
        for (const c of children(e)) q = flow(c, q, ctx);
        charge(classOf(e, id), q);
        const x = B.getExpressionInfo(e);
        if (id === B.CallId && ctx.cost) {
          const leaf = leafCost(x.target);
          if (leaf) for (let k = 0; k < leaf.length; k++) ctx.cost[k] += q * leaf[k];
        }
        return x.isReturn ? 0 : q;
      }
      default: {
        let q = p;
        for (const c of children(e)) q = flow(c, q, ctx);
        charge(classOf(e, id), q);
        return id === B.ReturnId || id === B.UnreachableId || id === B.ThrowId || id === B.RethrowId ? 0 : q;
      }
    }
  }

  const sites = [];
  let fnIndex = 0;
  for (const [name, { body }] of defined) {
    const { loops, calls } = shape(name);
    if (calls) {
      const cost = new Float64Array(CLASSES.length);
      flow(body, 1, { cost, labels: new Map() });
      sites.push({ fn: fnIndex, name, loop: null, counts: cost });
    }
    for (const loop of loops) {
      const { name: label, body: lb } = B.getExpressionInfo(loop);
      const cost = new Float64Array(CLASSES.length);
      // The back edge ends the region: mass sent to the loop's own label is not followed.
      flow(lb, 1, { cost, labels: new Map([[label, 0]]) });
      sites.push({ fn: fnIndex, name, loop, counts: cost });
    }
    fnIndex++;
  }
  return sites;
}

/** The loops of a function body (pre-order) and whether it calls anything (call,
 * call_indirect and their return_ forms). */
export function scan(root) {
  const loops = [];
  let calls = false;
  const stack = [root];
  while (stack.length) {
    const e = stack.pop();
    if (!e) continue;
    const id = B.getExpressionId(e);
    if (id === B.LoopId) loops.push(e);
    else if (id === B.CallId || id === B.CallIndirectId) calls = true;
    const cs = children(e);
    for (let i = cs.length - 1; i >= 0; i--) if (cs[i]) stack.push(cs[i]);
  }
  return { loops, calls };
}

/** The memory.grow expressions of each defined function, with their parents
 * (name -> [{ grow, parent }]). */
export function growsByFunction(m) {
  const out = new Map();
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const info = B.getFunctionInfo(m.getFunctionByIndex(i));
    if (info.module) continue;
    const stack = [[info.body, 0]];
    while (stack.length) {
      const [e, parent] = stack.pop();
      if (!e) continue;
      if (B.getExpressionId(e) === B.MemoryGrowId) {
        if (!out.has(info.name)) out.set(info.name, []);
        out.get(info.name).push({ grow: e, parent });
      }
      for (const c of children(e)) if (c) stack.push([c, e]);
    }
  }
  return out;
}

/** A site's charge in fuel units: its expected counts weighted per class, at least 1. */
export function siteCost(counts, weights) {
  let s = 0;
  for (let k = 0; k < CLASSES.length; k++) s += counts[k] * weights[CLASSES[k]];
  return Math.max(1, Math.round(s));
}
