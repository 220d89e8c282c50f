// Post-link step: mark the fuel checks' slow path as unlikely, in the WebAssembly branch
// hinting custom section (`metadata.code.branch_hint`), on the final module bytes.
//
// Why: a fuel check is `if (fuel < 0) call $codejail.fuel_exhausted`. The call is taken once
// per slice (~1 M checks), but an optimising engine that does not know that compiles the call
// as ordinary code: in the interpreter's hot functions values that live across it are spilled
// around it on every pass. With the hint, V8 (branch hinting is on by default since V8 13.7;
// Node 26) moves the call into deferred code, as it does for a trap; engines without branch
// hinting ignore the custom section. A hint changes no semantics, so fuel counts are the same
// with or without it (docs/adr/0003).
//
// binaryen.js cannot attach hints to expressions, so this step decodes the emitted code
// section (every instruction, so that an `if` is only ever found at an instruction boundary),
// finds each `if` whose body is exactly `call $fuel_exhausted`, and inserts the section before
// the code section, where engines expect it. An opcode it does not know makes it throw.

/** The custom section's name (WebAssembly branch hinting proposal). */
export const BRANCH_HINT_SECTION = 'metadata.code.branch_hint';

const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 0x69]);

class Reader {
  constructor(bytes, pos = 0) {
    this.b = bytes;
    this.pos = pos;
  }
  byte() {
    if (this.pos >= this.b.length) throw new Error('branch-hints: unexpected end of module');
    return this.b[this.pos++];
  }
  u32() {
    let result = 0;
    let shift = 0;
    for (;;) {
      const x = this.byte();
      result += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) return result;
      shift += 7;
    }
  }
  skipLeb() {
    while (this.byte() & 0x80);
  }
  name() {
    const n = this.u32();
    const s = new TextDecoder().decode(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  blockType() {
    const x = this.b[this.pos];
    if (x === 0x40 || VALTYPES.has(x)) this.pos++;
    else this.skipLeb(); // s33 type index (multi-value)
  }
}

function uleb(n) {
  const out = [];
  do {
    let x = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) x |= 0x80;
    out.push(x);
  } while (n);
  return out;
}

/** Skip one instruction's immediates (the opcode already read). */
function skipImmediates(r, op) {
  switch (op) {
    case 0x00: case 0x01: case 0x05: case 0x0b: case 0x0f: case 0x19: case 0x0a:
    case 0x1a: case 0xd1:
      return;
    case 0x02: case 0x03: case 0x04: case 0x06: return r.blockType();
    case 0x07: case 0x08: case 0x09: case 0x18: // catch, throw, rethrow, delegate
    case 0x0c: case 0x0d: case 0x10: case 0x12: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
    case 0x25: case 0x26: case 0xd2:
      return r.skipLeb();
    case 0x0e: { // br_table
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.skipLeb();
      return;
    }
    case 0x11: case 0x13: r.skipLeb(); r.skipLeb(); return; // call_indirect type table
    case 0x1b: return;
    case 0x1c: { // select t*
      const n = r.u32();
      for (let i = 0; i < n; i++) r.byte();
      return;
    }
    case 0x1f: { // try_table bt catches
      r.blockType();
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const kind = r.byte();
        if (kind === 0x00 || kind === 0x01) r.skipLeb();
        r.skipLeb();
      }
      return;
    }
    case 0x3f: case 0x40: return r.skipLeb(); // memory.size/grow memidx
    case 0x41: case 0x42: return r.skipLeb();
    case 0x43: r.pos += 4; return;
    case 0x44: r.pos += 8; return;
    case 0xd0: return r.skipLeb(); // ref.null heaptype
    case 0xfc: {
      const sub = r.u32();
      if (sub <= 7) return;
      const immediates = { 8: 2, 9: 1, 10: 2, 11: 1, 12: 2, 13: 1, 14: 2, 15: 1, 16: 1, 17: 1 }[sub];
      if (immediates === undefined) throw new Error(`branch-hints: unknown 0xfc ${sub}`);
      for (let i = 0; i < immediates; i++) r.skipLeb();
      return;
    }
    default:
      if (op >= 0x28 && op <= 0x3e) { // memarg: align (bit 6: a memory index follows), offset
        const align = r.u32();
        if (align & 0x40) r.skipLeb();
        r.skipLeb();
        return;
      }
      if (op >= 0x45 && op <= 0xc4) return; // numeric, no immediates
      throw new Error(`branch-hints: unknown opcode 0x${op.toString(16)}`);
  }
}

/** Returns the module with a branch hint "unlikely" on every `if` whose body is exactly a call
 * of the imported function module.base, and how many it marked; throws if the function is
 * called anywhere else (every call must be such a guarded slow path). */
export function hintUnlikelyCalls(bytes, { module, base }) {
  const r = new Reader(bytes, 8);
  let importedFuncs = 0;
  let target = -1;
  let code = null;
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    const body = r.pos;
    if (id === 0 && new Reader(bytes, body).name() === BRANCH_HINT_SECTION) throw new Error('branch-hints: module already has hints');
    if (id === 2) {
      const s = new Reader(bytes, body);
      const n = s.u32();
      for (let i = 0; i < n; i++) {
        const mod = s.name();
        const name = s.name();
        const kind = s.byte();
        if (kind === 0) {
          if (mod === module && name === base) target = importedFuncs;
          importedFuncs++;
          s.skipLeb();
        } else if (kind === 1) { s.byte(); limits(s); } // table: reftype limits
        else if (kind === 2) limits(s);
        else if (kind === 3) { s.byte(); s.byte(); } // global: valtype mut
        else if (kind === 4) { s.byte(); s.skipLeb(); } // tag
        else throw new Error(`branch-hints: unknown import kind ${kind}`);
      }
    }
    if (id === 10) code = { start, body, end: body + size };
    r.pos = body + size;
  }
  if (target < 0) throw new Error(`branch-hints: the module does not import ${module}.${base}`);
  if (!code) throw new Error('branch-hints: no code section');

  const entries = [];
  let marked = 0;
  let calls = 0;
  const c = new Reader(bytes, code.body);
  const count = c.u32();
  for (let f = 0; f < count; f++) {
    const size = c.u32();
    const fstart = c.pos;
    const fend = fstart + size;
    const nlocals = c.u32();
    for (let i = 0; i < nlocals; i++) { c.skipLeb(); c.byte(); }
    const hints = [];
    while (c.pos < fend) {
      const at = c.pos;
      const op = c.byte();
      if (op === 0x10 && new Reader(bytes, c.pos).u32() === target) calls++;
      skipImmediates(c, op);
      // `if` (empty block type) `call target` `end`
      if (op === 0x04 && bytes[at + 1] === 0x40 && bytes[c.pos] === 0x10) {
        const s = new Reader(bytes, c.pos + 1);
        if (s.u32() === target && bytes[s.pos] === 0x0b) hints.push(at - fstart);
      }
    }
    if (c.pos !== fend) throw new Error(`branch-hints: function ${f} decoded past its end`);
    if (hints.length) {
      entries.push([importedFuncs + f, hints]);
      marked += hints.length;
    }
  }
  if (calls !== marked) throw new Error(`branch-hints: ${calls} calls of ${module}.${base}, ${marked} of them alone in an if`);
  // vec(funcidx, vec(offset, size 1, hint 0 = unlikely))
  const payload = [...uleb(entries.length)];
  for (const [fn, hints] of entries) {
    payload.push(...uleb(fn), ...uleb(hints.length));
    for (const off of hints) payload.push(...uleb(off), 1, 0);
  }
  const name = new TextEncoder().encode(BRANCH_HINT_SECTION);
  const content = [...uleb(name.length), ...name, ...payload];
  const section = Uint8Array.from([0, ...uleb(content.length), ...content]);
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes.subarray(0, code.start), 0);
  out.set(section, code.start);
  out.set(bytes.subarray(code.start), code.start + section.length);
  return { bytes: out, marked };
}

function limits(s) {
  const flags = s.byte();
  s.skipLeb();
  if (flags & 1) s.skipLeb();
}
