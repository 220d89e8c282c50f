// Post-link pass: a store barrier that records which chunks of linear memory a run writes,
// so that the host restores only those chunks from the snapshot (docs/adr/0004).
//
// The marks live in a second memory the module imports (codejail_wasm.dirty_chunks), one byte
// per chunk of 2^chunkShift bytes, written by no instruction but the barrier's own. A mark is
// one 16-bit store of 0x0101 at index (address >> chunkShift): it marks the chunk holding the
// address and the next one, so it covers every store of up to 8 bytes at any offset below one
// chunk from the marked address, including a store that straddles a chunk boundary.
//
// Where marks go. A mark is needed before a store unless the stored bytes are already covered
// by a mark made earlier in the same run. The pass proves that with a forward analysis over
// each function's structured control flow: for every i32 local it tracks an interval [lo, hi)
// such that every chunk holding an address in [x + lo, x + hi) has been marked, for x the
// local's current value. A mark through x establishes [0, chunk) (or [d, d + chunk) for a
// store at x + d outside it); `y = x + c` shifts x's interval onto y; any other assignment
// forgets it; at a join the intervals intersect; a loop starts from what held before it minus
// every local the loop assigns; a catch likewise starts from what held before its try minus
// every local the try assigns (it is entered from wherever the body throws, not from its end);
// unreachable code is covered by anything. Marks are never
// cleared during a run, so calls do not invalidate anything.
// Some locals are cheaper to mark where they are assigned than where they are stored
// through (the interpreter's frame pointer: assigned once per call, stored through dozens of
// times). For those ("marked at definition"), every assignment is followed by a mark and
// parameters are marked at function entry, so every store through them within one chunk is
// covered everywhere in the function. A local is read before any assignment only as its
// zero initial value; the stores that can reach from 0 are within chunk 0, which the host
// therefore always restores (the same holds for addresses that wrap around 2^32).
// memory.fill / memory.copy / memory.init mark their whole destination range (cj_mark_range).
//
// Touched memory (option `touch`, the weighted fuel model: docs/adr/0003): the host charges a
// run's fuel for each chunk it marks above the memory size it started with (chunks grown during
// the run), counting the marks when it grants a slice of fuel. The module then only makes sure
// that every chunk a grow adds starts unmarked: a successful memory.grow clears the marks of the
// chunks it added. (A mark may lie past the memory's end, where no store can go: the window's
// second chunk, or a mark at the definition of a local that holds no address. Such marks outlive
// the run, as a restore clears only the memory's own; without the clearing, an earlier run's
// would make a later run's touch of that chunk free.) The section records the charge per chunk
// (`touchChunkFuel`) for the host.
//
// The pass refuses what it does not understand (atomics, SIMD, a second memory, unknown
// expression kinds), so a store can never go unmarked silently.
import binaryen from 'binaryen';
import { children as childrenOf } from './wasm-expressions.mjs';

const B = binaryen;
const I = binaryen;
export const DIRTY_SECTION = 'codejail.dirty_chunks';
/** The module imports its own memory (so that it stays memory 0) and the marks memory. */
export const DIRTY_IMPORTS = { module: 'codejail', memory: 'memory', marks: 'dirty_chunks' };
/** 4 KiB chunks: a trivial run dirties ~1.5 MB of the base image's 8 MB in them (64 KiB: ~4 MB). */
export const DEFAULT_CHUNK_SHIFT = 12;
/** What clang-19 emits (Features.All would make binaryen emit encodings engines reject),
 * plus the second memory the barrier adds. */
const F = binaryen.Features;
export const BARRIER_FEATURES = F.MVP | F.MutableGlobals | F.SignExt | F.BulkMemory | F.NontrappingFPToInt |
  F.Multivalue | F.ReferenceTypes | F.BulkMemoryOpt | F.MultiMemory;
const MARKS = 'cj_dirty_chunks';
const MARK_RANGE = 'cj_mark_range';
/** Loop nesting weight when choosing where to mark a local: a loop runs many times. */
const LOOP_WEIGHT = 8;
const MAX_WEIGHT_DEPTH = 4;
const children = (e) => childrenOf(e, 'dirty-chunks');


/** `local.get x`, `x + c`, `c + x` or `x - c`: the store's address base as [local, constant]. */
function localPlusConst(e) {
  const id = B.getExpressionId(e);
  if (id === I.LocalGetId) return [B.LocalGet.getIndex(e), 0];
  if (id !== I.BinaryId) return null;
  const op = B.Binary.getOp(e);
  const l = B.Binary.getLeft(e);
  const r = B.Binary.getRight(e);
  const isLocal = (x) => B.getExpressionId(x) === I.LocalGetId;
  const isConst = (x) => B.getExpressionId(x) === I.ConstId && B.getExpressionType(x) === B.i32;
  if (op === B.AddInt32 && isLocal(l) && isConst(r)) return [B.LocalGet.getIndex(l), B.Const.getValueI32(r)];
  if (op === B.AddInt32 && isConst(l) && isLocal(r)) return [B.LocalGet.getIndex(r), B.Const.getValueI32(l)];
  if (op === B.SubInt32 && isLocal(l) && isConst(r)) return [B.LocalGet.getIndex(l), -B.Const.getValueI32(r)];
  return null;
}

// Coverage state: Map local -> [lo, hi), or null for unreachable code (covers everything).
function join(a, b) {
  if (a === null) return b;
  if (b === null) return a;
  const out = new Map();
  for (const [k, [lo, hi]] of a) {
    const o = b.get(k);
    if (!o) continue;
    const l = Math.max(lo, o[0]);
    const h = Math.min(hi, o[1]);
    if (l < h) out.set(k, [l, h]);
  }
  return out;
}

/** `touch`: null, or { perChunk: fuel units per chunk a run touches above its starting memory }
 * (see above). */
export function addDirtyChunkMarks(m, { chunkShift = DEFAULT_CHUNK_SHIFT, touch = null } = {}) {
  const CHUNK = 2 ** chunkShift;
  if (chunkShift < 8 || chunkShift > 16) throw new Error('dirty-chunks: chunkShift must be 8..16');
  if (!m.hasMemory() || m.getMemoryInfo('0').module || m.getMemoryInfo('0').shared || m.getMemoryInfo('0').is64) {
    throw new Error('dirty-chunks: expected one defined, unshared 32-bit memory');
  }
  // Imported memories are numbered before defined ones, and V8 keeps only memory 0's base in
  // a register: the interpreter's memory must stay memory 0, so it becomes an import too
  // (first), with the limits it had, which the section records for the host. The host
  // restores chunk 0 after every run whatever the marks say (see above).
  const main = m.getMemoryInfo('0');
  m.addMemoryImport('0', DIRTY_IMPORTS.module, DIRTY_IMPORTS.memory, false);
  m.addMemoryImport(MARKS, DIRTY_IMPORTS.module, DIRTY_IMPORTS.marks, false);
  const layout = { chunkShift, memory: { initial: main.initial, maximum: main.max ?? 65536 }, alwaysRestoreChunks: 1,
    ...(touch ? { touchChunkFuel: touch.perChunk } : {}) };
  if (touch && !(Number.isSafeInteger(touch.perChunk) && touch.perChunk > 0)) throw new Error('dirty-chunks: touch.perChunk must be a positive integer');
  m.addCustomSection(DIRTY_SECTION, new TextEncoder().encode(JSON.stringify(layout)));
  const mark = (addr) => m.i32.store16(0, 1, m.i32.shr_u(addr, m.i32.const(chunkShift)), m.i32.const(0x0101), MARKS);
  const stats = { stores: 0, storeMarks: 0, defMarks: 0, entryMarks: 0, rangeMarks: 0, functions: 0, grows: 0, growsCleared: 0 };

  // mark every chunk of [dest, dest + size) (size 0: nothing).
  m.addFunction(MARK_RANGE, B.createType([B.i32, B.i32]), B.none, [B.i32], m.block(null, [
    m.if(m.i32.eqz(m.local.get(1, B.i32)), m.return()),
    m.local.set(2, m.i32.shr_u(m.i32.add(m.local.get(0, B.i32), m.i32.sub(m.local.get(1, B.i32), m.i32.const(1))), m.i32.const(chunkShift))),
    m.local.set(0, m.i32.shr_u(m.local.get(0, B.i32), m.i32.const(chunkShift))),
    m.loop('next', m.block(null, [
      m.i32.store8(0, 1, m.local.get(0, B.i32), m.i32.const(1), MARKS),
      m.local.set(0, m.i32.add(m.local.get(0, B.i32), m.i32.const(1))),
      // Unsigned compare: a range that wraps past 2^32 traps in the operation itself.
      m.br('next', m.i32.le_u(m.local.get(0, B.i32), m.local.get(2, B.i32))),
    ])),
  ]));

  for (let i = 0; i < m.getNumFunctions(); i++) {
    const f = m.getFunctionByIndex(i);
    const fi = B.getFunctionInfo(f);
    if (fi.module || fi.name === MARK_RANGE) continue;
    instrumentFunction(f, fi);
    stats.functions++;
  }
  if (touch && stats.grows !== stats.growsCleared) {
    throw new Error(`dirty-chunks: ${stats.grows} memory.grow, ${stats.growsCleared} of them kept in a local (the touch charge needs each)`);
  }
  return stats;

  function instrumentFunction(f, fi) {
    const params = B.expandType(fi.params);
    const localType = (x) => (x < params.length ? params[x] : fi.vars[x - params.length]);
    let temp = -1;
    const tempLocal = () => (temp >= 0 ? temp : (temp = B._BinaryenFunctionAddVar(f, B.i32)));

    // 1. Weighted counts of covered stores and of assignments per local, and the locals
    //    each loop and each try assigns.
    const storeWeight = new Map();
    const defWeight = new Map();
    const loopSets = new Map();
    const activeLoops = [];
    // Locals a catch body assigns its thrown value to (`local.set x (pop)`): a mark at their
    // definition would put the pop inside a block, which is not valid wasm (a catch's pop must
    // stay where it is), so they are marked where they are stored through instead.
    const fromPop = new Set();
    const scan = (e, depth) => {
      if (!e) return;
      const id = B.getExpressionId(e);
      const w = LOOP_WEIGHT ** Math.min(depth, MAX_WEIGHT_DEPTH);
      if (id === I.LoopId || id === I.TryId) {
        const set = new Set();
        loopSets.set(e, set);
        activeLoops.push(set);
        if (id === I.LoopId) scan(B.Loop.getBody(e), depth + 1);
        else for (const c of children(e)) scan(c, depth);
        activeLoops.pop();
        return;
      }
      if (id === I.LocalSetId) {
        const x = B.LocalSet.getIndex(e);
        defWeight.set(x, (defWeight.get(x) ?? 0) + w);
        if (B.getExpressionId(B.LocalSet.getValue(e)) === I.PopId) fromPop.add(x);
        for (const s of activeLoops) s.add(x);
      } else if (id === I.StoreId) {
        const base = localPlusConst(B.Store.getPtr(e));
        if (base) {
          const d = base[1] + B.Store.getOffset(e);
          if (d >= 0 && d + B.Store.getBytes(e) <= CHUNK) storeWeight.set(base[0], (storeWeight.get(base[0]) ?? 0) + w);
        }
      }
      for (const c of children(e)) scan(c, depth);
    };
    scan(fi.body, 0);
    const atDef = new Set();
    for (const [x, sw] of storeWeight) {
      if (localType(x) !== B.i32 || fromPop.has(x)) continue;
      const cost = (defWeight.get(x) ?? 0) + (x < params.length ? 1 : 0);
      if (cost < sw) atDef.add(x);
    }

    // 2. The analysis, instrumenting as it goes (each expression is visited once).
    const labels = new Map();
    const cov = (S, x) => (atDef.has(x) ? [0, CHUNK] : S.get(x));
    const withCov = (S, x, c) => {
      if (atDef.has(x)) return S;
      const out = new Map(S);
      if (c) out.set(x, c);
      else out.delete(x);
      return out;
    };
    const visit = (e, S) => {
      if (!e) return S;
      const id = B.getExpressionId(e);
      switch (id) {
        case I.BlockId: {
          const name = B.Block.getName(e);
          if (name) labels.set(name, { loop: false, acc: null });
          let s = S;
          for (const c of B.getExpressionInfo(e).children) s = visit(c, s);
          if (name) {
            s = join(s, labels.get(name).acc);
            labels.delete(name);
          }
          return s;
        }
        case I.LoopId: {
          const name = B.Loop.getName(e);
          if (name) labels.set(name, { loop: true });
          let entry = null;
          if (S !== null) {
            entry = new Map(S);
            for (const x of loopSets.get(e)) entry.delete(x);
          }
          const s = visit(B.Loop.getBody(e), entry);
          if (name) labels.delete(name);
          return s;
        }
        case I.IfId: {
          const x = B.getExpressionInfo(e);
          const s = visit(x.condition, S);
          const t = visit(x.ifTrue, s);
          return join(t, x.ifFalse ? visit(x.ifFalse, s) : s);
        }
        case I.BreakId: {
          const x = B.getExpressionInfo(e);
          let s = visit(x.value, S);
          s = visit(x.condition, s);
          const target = labels.get(x.name);
          if (!target) throw new Error(`dirty-chunks: branch to unknown label ${x.name}`);
          if (!target.loop) target.acc = join(target.acc, s);
          return x.condition ? s : null;
        }
        case I.SwitchId: {
          const x = B.getExpressionInfo(e);
          let s = visit(x.value, S);
          s = visit(x.condition, s);
          for (const name of [...x.names, x.defaultName]) {
            const target = labels.get(name);
            if (!target) throw new Error(`dirty-chunks: branch to unknown label ${name}`);
            if (!target.loop) target.acc = join(target.acc, s);
          }
          return null;
        }
        case I.TryId: {
          // The catches are entered from any point of the body that throws (calls included).
          const x = B.getExpressionInfo(e);
          let caught = null;
          if (S !== null) {
            caught = new Map(S);
            for (const v of loopSets.get(e)) caught.delete(v);
          }
          let s = visit(x.body, S);
          for (const c of x.catchBodies) s = join(s, visit(c, caught));
          return s;
        }
        case I.ThrowId: case I.RethrowId: {
          let s = S;
          for (const c of children(e)) s = visit(c, s);
          return null;
        }
        case I.ReturnId:
          visit(B.Return.getValue(e), S);
          return null;
        case I.UnreachableId:
          return null;
        case I.CallId: case I.CallIndirectId: {
          let s = S;
          for (const c of children(e)) s = visit(c, s);
          return B.getExpressionInfo(e).isReturn ? null : s;
        }
        case I.LocalSetId: {
          const x = B.LocalSet.getIndex(e);
          let value = B.LocalSet.getValue(e);
          const s = visit(value, S);
          if (touch && B.getExpressionId(value) === I.MemoryGrowId) {
            // (clang's sbrk keeps the grow's result in a local: the only shape handled)
            value = clearGrownMarks(value);
            B.LocalSet.setValue(e, value);
          }
          if (atDef.has(x)) {
            // Mark the new value before it is assigned: nothing runs in between.
            const t = tempLocal();
            B.LocalSet.setValue(e, m.block(null, [m.local.set(t, value), mark(m.local.get(t, B.i32)), m.local.get(t, B.i32)], B.i32));
            stats.defMarks++;
            return s;
          }
          if (s === null) return null;
          const base = localPlusConst(value);
          const from = base ? cov(s, base[0]) : undefined;
          return withCov(s, x, from ? [from[0] - base[1], from[1] - base[1]] : null);
        }
        case I.StoreId: {
          const x = B.getExpressionInfo(e);
          if (x.isAtomic) throw new Error('dirty-chunks: atomic store');
          stats.stores++;
          let s = visit(x.ptr, S);
          const base = localPlusConst(x.ptr);
          if (base) {
            const [local, k] = base;
            const d = k + x.offset;
            const have = s === null ? [-Infinity, Infinity] : cov(s, local);
            const covered = have && have[0] <= d && d + x.bytes <= have[1];
            if (!covered) {
              stats.storeMarks++;
              const inWindow = d >= 0 && d + x.bytes <= CHUNK;
              const at = inWindow ? m.local.get(local, B.i32) : m.i32.add(m.local.get(local, B.i32), m.i32.const(d));
              B.Store.setPtr(e, m.block(null, [mark(at), x.ptr], B.i32));
              if (s !== null) s = withCov(s, local, inWindow ? [0, CHUNK] : [d, d + CHUNK]);
            }
          } else {
            stats.storeMarks++;
            const t = tempLocal();
            const at = x.offset + x.bytes <= CHUNK ? m.local.get(t, B.i32) : m.i32.add(m.local.get(t, B.i32), m.i32.const(x.offset));
            B.Store.setPtr(e, m.block(null, [m.local.set(t, x.ptr), mark(at), m.local.get(t, B.i32)], B.i32));
          }
          return visit(x.value, s);
        }
        case I.MemoryFillId: case I.MemoryCopyId: case I.MemoryInitId: {
          let s = S;
          for (const c of children(e)) s = visit(c, s);
          const x = B.getExpressionInfo(e);
          const kind = id === I.MemoryFillId ? B.MemoryFill : id === I.MemoryCopyId ? B.MemoryCopy : B.MemoryInit;
          const dest = B._BinaryenFunctionAddVar(f, B.i32);
          const size = B._BinaryenFunctionAddVar(f, B.i32);
          // dest and size are evaluated in order as before; the range is marked before the operation.
          kind.setDest(e, m.local.tee(dest, x.dest, B.i32));
          kind.setSize(e, m.block(null, [m.local.set(size, x.size),
            m.call(MARK_RANGE, [m.local.get(dest, B.i32), m.local.get(size, B.i32)], B.none), m.local.get(size, B.i32)], B.i32));
          stats.rangeMarks++;
          return s;
        }
        default: {
          if (id === I.MemoryGrowId) stats.grows++;
          let s = S;
          for (const c of children(e)) s = visit(c, s);
          return s;
        }
      }
    };
    // With `touch`: the chunks a successful grow adds start unmarked (see above).
    const clearGrownMarks = (grow) => {
      const delta = B._BinaryenFunctionAddVar(f, B.i32);
      const old = B._BinaryenFunctionAddVar(f, B.i32);
      const toChunks = (x) => m.i32.shl(x, m.i32.const(16 - chunkShift));
      B.MemoryGrow.setDelta(grow, m.local.tee(delta, B.MemoryGrow.getDelta(grow), B.i32));
      stats.growsCleared++;
      return m.block(null, [
        m.local.set(old, grow),
        m.if(m.i32.ne(m.local.get(old, B.i32), m.i32.const(-1)),
          m.memory.fill(toChunks(m.local.get(old, B.i32)), m.i32.const(0), toChunks(m.local.get(delta, B.i32)), MARKS)),
        m.local.get(old, B.i32),
      ], B.i32);
    };
    visit(fi.body, new Map());
    // Parameters marked at definition: marked on entry.
    const entry = [...atDef].filter((x) => x < params.length).sort((a, b) => a - b);
    if (entry.length > 0) {
      const body = B.Function.getBody(f);
      B.Function.setBody(f, m.block(null, [...entry.map((x) => mark(m.local.get(x, B.i32))), body], B.getExpressionType(body)));
      stats.entryMarks += entry.length;
    }
  }
}
