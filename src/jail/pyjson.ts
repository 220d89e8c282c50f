// A JSON parser that behaves like Python's json.loads (CPython's C scanner), kept lossless:
// integers stay as their digit strings (Python ints are unbounded), NaN / Infinity / -Infinity
// are accepted, errors carry Python's exact messages ("Expecting value: line 1 column 1 (char 0)").
// Also: serialisation as Python's json.dumps would print the parsed value, and Python repr()
// (for jsonschema-style error messages).
// Why not JSON.parse or a JSON library: codejail's answers are what Python's json module makes of
// the sandbox's stdout (unbounded ints, NaN, duplicate keys, its error texts byte for byte), which
// is domain behaviour no general JSON library reproduces.

import { pyStrRepr } from './pyrepr.js';

export type PyValue =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; raw: string }          // canonical decimal digits, optional leading '-'
  | { t: 'float'; v: number }
  | { t: 'str'; v: string }
  | { t: 'list'; items: PyValue[] }
  | { t: 'dict'; entries: Map<string, PyValue> }; // insertion order; duplicate keys: last wins, first position

/** Python's json.JSONDecodeError: `msg` plus position, formatted as Python formats it. */
export class PyJsonError extends Error {
  readonly msg: string;
  readonly pos: number;
  constructor(msg: string, doc: string, pos: number) {
    // Python counts positions in code points; JS strings index UTF-16 units.
    const cpPos = codePointIndex(doc, pos);
    const before = doc.slice(0, pos);
    const lineno = (before.match(/\n/g)?.length ?? 0) + 1;
    const lastNl = before.lastIndexOf('\n');
    const colno = lastNl < 0 ? cpPos + 1 : cpPos - codePointIndex(doc, lastNl);
    super(`${msg}: line ${lineno} column ${colno} (char ${cpPos})`);
    this.name = 'PyJsonError';
    this.msg = msg;
    this.pos = cpPos;
  }
}

/** A value Python's json would accept but the service refuses (too deep, too many int digits). */
export class PyJsonLimitError extends Error {
  /** depth: Python would raise RecursionError; intDigits: ValueError. */
  constructor(readonly kind: 'depth' | 'intDigits', message: string) {
    super(message);
    this.name = 'PyJsonLimitError';
  }
}

function codePointIndex(s: string, utf16Index: number): number {
  let n = 0;
  for (let i = 0; i < utf16Index && i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export interface ParseOptions {
  /** Maximum nesting of lists/dicts (Python's own limit is its recursion limit, ~1000). */
  maxDepth?: number;
  /** Python's default int_max_str_digits is 4300; more digits raise ValueError there. */
  maxIntDigits?: number;
}

class StopIter {
  constructor(readonly pos: number) {}
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

class Parser {
  private depth = 0;
  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
    private readonly maxIntDigits: number,
  ) {}

  skipWs(i: number): number {
    const s = this.s;
    while (i < s.length && WS.has(s.charCodeAt(i))) i++;
    return i;
  }

  /** A value where one must be: scan_once, with nothing matching reported as Python's
   * 'Expecting value' at that position (as json.decoder turns StopIteration into it). */
  scanValue(i: number): [PyValue, number] {
    try {
      return this.scan(i);
    } catch (e) {
      if (e instanceof StopIter) throw new PyJsonError('Expecting value', this.s, e.pos);
      throw e;
    }
  }

  /** scan_once: returns [value, end] or throws StopIter when nothing matches at `i`. */
  scan(i: number): [PyValue, number] {
    const s = this.s;
    if (i >= s.length) throw new StopIter(i);
    const c = s[i];
    switch (c) {
      case '"': {
        const [v, end] = this.scanString(i + 1);
        return [{ t: 'str', v }, end];
      }
      case '{':
        return this.scanObject(i + 1);
      case '[':
        return this.scanArray(i + 1);
      case 'n':
        if (s.startsWith('null', i)) return [{ t: 'null' }, i + 4];
        break;
      case 't':
        if (s.startsWith('true', i)) return [{ t: 'bool', v: true }, i + 4];
        break;
      case 'f':
        if (s.startsWith('false', i)) return [{ t: 'bool', v: false }, i + 5];
        break;
      case 'N':
        if (s.startsWith('NaN', i)) return [{ t: 'float', v: NaN }, i + 3];
        break;
      case 'I':
        if (s.startsWith('Infinity', i)) return [{ t: 'float', v: Infinity }, i + 8];
        break;
      case '-':
        if (s.startsWith('-Infinity', i)) return [{ t: 'float', v: -Infinity }, i + 9];
        break;
    }
    return this.scanNumber(i);
  }

  scanNumber(start: number): [PyValue, number] {
    const s = this.s;
    const n = s.length;
    let i = start;
    if (s.charCodeAt(i) === 0x2d /* - */) {
      i++;
      if (i >= n) throw new StopIter(start);
    }
    const c = s.charCodeAt(i);
    if (c >= 0x31 && c <= 0x39) {
      i++;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
    } else if (c === 0x30) {
      i++;
    } else {
      throw new StopIter(start);
    }
    let isFloat = false;
    if (i < n - 1 && s[i] === '.' && isDigit(s.charCodeAt(i + 1))) {
      isFloat = true;
      i += 2;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
    }
    if (i < n - 1 && (s[i] === 'e' || s[i] === 'E')) {
      const eStart = i;
      i++;
      if (i < n - 1 && (s[i] === '-' || s[i] === '+')) i++;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
      if (isDigit(s.charCodeAt(i - 1))) isFloat = true;
      else i = eStart;
    }
    const text = s.slice(start, i);
    if (isFloat) return [{ t: 'float', v: Number(text) }, i];
    let digits = text.startsWith('-') ? text.slice(1) : text;
    if (digits.length > this.maxIntDigits) {
      throw new PyJsonLimitError(
        'intDigits',
        `Exceeds the limit (${this.maxIntDigits} digits) for integer string conversion: ` +
          `value has ${digits.length} digits; use sys.set_int_max_str_digits() to increase the limit`,
      );
    }
    if (digits === '0') return [{ t: 'int', raw: '0' }, i]; // "-0" is int 0 in Python
    digits = text;
    return [{ t: 'int', raw: digits }, i];
  }

  scanString(i: number): [string, number] {
    const s = this.s;
    const n = s.length;
    const begin = i - 1;
    let out = '';
    let chunkStart = i;
    for (;;) {
      let j = chunkStart;
      let c = 0;
      for (; j < n; j++) {
        c = s.charCodeAt(j);
        if (c === 0x22 || c === 0x5c) break;
        if (c <= 0x1f) throw new PyJsonError('Invalid control character at', s, j);
      }
      if (j >= n) throw new PyJsonError('Unterminated string starting at', s, begin);
      out += s.slice(chunkStart, j);
      if (c === 0x22) return [out, j + 1];
      // backslash escape
      j++;
      if (j >= n) throw new PyJsonError('Unterminated string starting at', s, begin);
      const e = s[j];
      if (e !== 'u') {
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        const r = map[e];
        if (r === undefined) throw new PyJsonError('Invalid \\escape', s, j - 1);
        out += r;
        chunkStart = j + 1;
        continue;
      }
      // \uXXXX (j at 'u')
      const code = this.hex4(j);
      const next = j + 5;
      if (code >= 0xd800 && code <= 0xdbff && next + 6 < n && s[next] === '\\' && s[next + 1] === 'u') {
        const low = this.hex4(next + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          out += String.fromCharCode(code, low);
          chunkStart = next + 6;
          continue;
        }
      }
      out += String.fromCharCode(code);
      chunkStart = next;
    }
  }

  /** Four hex digits after the 'u' at index `u`; Python's errors point at the 'u'. */
  hex4(u: number): number {
    const s = this.s;
    if (u + 5 >= s.length) throw new PyJsonError('Invalid \\uXXXX escape', s, u);
    const h = s.slice(u + 1, u + 5);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) throw new PyJsonError('Invalid \\uXXXX escape', s, u);
    return parseInt(h, 16);
  }

  enter(): void {
    if (++this.depth > this.maxDepth) {
      throw new PyJsonLimitError('depth', `maximum JSON nesting depth (${this.maxDepth}) exceeded`);
    }
  }

  scanObject(i: number): [PyValue, number] {
    const s = this.s;
    const n = s.length;
    this.enter();
    const entries = new Map<string, PyValue>();
    i = this.skipWs(i);
    if (i >= n || s[i] !== '}') {
      while (i < n) {
        if (s[i] !== '"') throw new PyJsonError('Expecting property name enclosed in double quotes', s, i);
        const [key, afterKey] = this.scanString(i + 1);
        i = this.skipWs(afterKey);
        if (i >= n || s[i] !== ':') throw new PyJsonError("Expecting ':' delimiter", s, i);
        i = this.skipWs(i + 1);
        let val: PyValue;
        [val, i] = this.scanValue(i);
        entries.set(key, val);
        i = this.skipWs(i);
        if (i < n && s[i] === '}') break;
        if (i >= n || s[i] !== ',') throw new PyJsonError("Expecting ',' delimiter", s, i);
        i = this.skipWs(i + 1);
      }
      if (i >= n || s[i] !== '}') throw new PyJsonError('Expecting property name enclosed in double quotes', s, i);
    }
    this.depth--;
    return [{ t: 'dict', entries }, i + 1];
  }

  scanArray(i: number): [PyValue, number] {
    const s = this.s;
    const n = s.length;
    this.enter();
    const items: PyValue[] = [];
    i = this.skipWs(i);
    if (i >= n || s[i] !== ']') {
      while (i < n) {
        let val: PyValue;
        [val, i] = this.scanValue(i);
        items.push(val);
        i = this.skipWs(i);
        if (i < n && s[i] === ']') break;
        if (i >= n || s[i] !== ',') throw new PyJsonError("Expecting ',' delimiter", s, i);
        i = this.skipWs(i + 1);
      }
      if (i >= n || s[i] !== ']') throw new PyJsonError('Expecting value', s, i);
    }
    this.depth--;
    return [{ t: 'list', items }, i + 1];
  }
}

/** Python's json.loads(text). Throws PyJsonError (Python's message) or PyJsonLimitError. */
export function parsePyJson(text: string, opts: ParseOptions = {}): PyValue {
  if (text.startsWith('\ufeff')) throw new PyJsonError('Unexpected UTF-8 BOM (decode using utf-8-sig)', text, 0);
  const p = new Parser(text, opts.maxDepth ?? 500, opts.maxIntDigits ?? 4300);
  let i = p.skipWs(0);
  let v: PyValue;
  [v, i] = p.scanValue(i);
  i = p.skipWs(i);
  if (i !== text.length) throw new PyJsonError('Extra data', text, i);
  return v;
}

/** Python's float.__repr__ (shortest round-trip digits, Python's choice of notation). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expStr);
  const decpt = exp + 1;
  if (decpt <= -4 || decpt > 16) {
    const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const e = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** A float as Python's json module writes it (allow_nan=True). */
export function pyJsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return pyFloatRepr(x);
}

/** A string as Python's json.dumps(ensure_ascii=False) writes it (lone surrogates escaped). */
export function pyJsonString(s: string): string {
  return JSON.stringify(s);
}

/** How one of Python's printers writes each kind of value (json.dumps or repr). */
interface PyPrinter {
  none: string;
  bools: [string, string];
  float: (x: number) => string;
  str: (s: string) => string;
  itemSep: string;
  keySep: string;
}

const JSON_PRINTER: PyPrinter = { none: 'null', bools: ['false', 'true'], float: pyJsonFloat, str: pyJsonString, itemSep: ',', keySep: ':' };
const REPR_PRINTER: PyPrinter = { none: 'None', bools: ['False', 'True'], float: pyFloatRepr, str: pyStrRepr, itemSep: ', ', keySep: ': ' };

function printPy(v: PyValue, p: PyPrinter): string {
  switch (v.t) {
    case 'null':
      return p.none;
    case 'bool':
      return p.bools[v.v ? 1 : 0];
    case 'int':
      return v.raw;
    case 'float':
      return p.float(v.v);
    case 'str':
      return p.str(v.v);
    case 'list':
      return `[${v.items.map((item) => printPy(item, p)).join(p.itemSep)}]`;
    case 'dict': {
      const parts: string[] = [];
      for (const [k, val] of v.entries) parts.push(`${p.str(k)}${p.keySep}${printPy(val, p)}`);
      return `{${parts.join(p.itemSep)}}`;
    }
  }
}

/** json.dumps(value, separators=(',', ':'), ensure_ascii=False, allow_nan=True). */
export function dumpPyJson(v: PyValue): string {
  return printPy(v, JSON_PRINTER);
}

/** Python's repr() of the value json.loads produced. */
export function pyRepr(v: PyValue): string {
  return printPy(v, REPR_PRINTER);
}

/** Convert to a plain JS value (numbers as JS numbers: lossy for big ints; use only for small fields). */
export function toPlain(v: PyValue): unknown {
  switch (v.t) {
    case 'null':
      return null;
    case 'bool':
      return v.v;
    case 'int':
      return Number(v.raw);
    case 'float':
      return v.v;
    case 'str':
      return v.v;
    case 'list':
      return v.items.map(toPlain);
    case 'dict': {
      const o: Record<string, unknown> = Object.create(null);
      for (const [k, val] of v.entries) o[k] = toPlain(val);
      return o;
    }
  }
}

export function pyTypeName(v: PyValue): string {
  return { null: 'null', bool: 'boolean', int: 'integer', float: 'number', str: 'string', list: 'array', dict: 'object' }[v.t];
}
