// Lossless handling of the globals JSON text safe_exec returns (Python's json.dump output):
// split a top-level object into (key, raw value text) pairs without converting numbers
// (sys.maxsize and other big ints must survive), and Python's str() of a raw JSON value
// (capa's contextualize_text substitutes str(value) for $name).
import { pyStrRepr } from '../jail/pyrepr.js';

/** Index just past the JSON value starting at i (skipping leading whitespace). */
function skipValue(t: string, i: number): number {
  while (i < t.length && /\s/.test(t[i]!)) i++;
  const c = t[i];
  if (c === '"') {
    i++;
    while (i < t.length && t[i] !== '"') i += t[i] === '\\' ? 2 : 1;
    return i + 1;
  }
  if (c === '{' || c === '[') {
    let depth = 0;
    for (; i < t.length; i++) {
      const ch = t[i]!;
      if (ch === '"') { i = skipValue(t, i) - 1; continue; }
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') { depth--; if (depth === 0) return i + 1; }
    }
    throw new SyntaxError('unterminated JSON container');
  }
  const m = /^[^,\]}\s]+/.exec(t.slice(i));
  if (!m) throw new SyntaxError(`bad JSON value at ${i}`);
  return i + m[0].length;
}

/** Split a JSON object text into [key, raw value] pairs in order. Throws on non-objects. */
export function splitTopLevel(text: string): [string, string][] {
  const t = text.trim();
  if (!t.startsWith('{')) throw new SyntaxError('not a JSON object');
  const out: [string, string][] = [];
  let i = 1;
  for (;;) {
    while (i < t.length && /\s/.test(t[i]!)) i++;
    if (t[i] === '}') break;
    const keyEnd = skipValue(t, i);
    const key = JSON.parse(t.slice(i, keyEnd)) as string;
    i = keyEnd;
    while (i < t.length && /\s/.test(t[i]!)) i++;
    if (t[i] !== ':') throw new SyntaxError(`expected ':' at ${i}`);
    i++;
    while (i < t.length && /\s/.test(t[i]!)) i++;
    const vEnd = skipValue(t, i);
    out.push([key, t.slice(i, vEnd)]);
    i = vEnd;
    while (i < t.length && /\s/.test(t[i]!)) i++;
    if (t[i] === ',') { i++; continue; }
    if (t[i] === '}') break;
    throw new SyntaxError(`expected ',' or '}' at ${i}`);
  }
  return out;
}

/** Python repr() of a raw JSON value as json.loads would build it. */
export function pyReprOfJson(raw: string): string {
  const t = raw.trim();
  if (t === 'null') return 'None';
  if (t === 'true') return 'True';
  if (t === 'false') return 'False';
  if (t === 'NaN') return 'nan';
  if (t === 'Infinity') return 'inf';
  if (t === '-Infinity') return '-inf';
  if (t.startsWith('"')) return pyStrRepr(JSON.parse(t) as string);
  if (t.startsWith('[')) return `[${splitArray(t).map(pyReprOfJson).join(', ')}]`;
  if (t.startsWith('{')) return `{${splitTopLevel(t).map(([k, v]) => `${pyStrRepr(k)}: ${pyReprOfJson(v)}`).join(', ')}}`;
  return t; // numbers: json.dump writes ints exactly and floats as repr()
}

/** Python str() of a raw JSON value. */
export function pyStrOfJson(raw: string): string {
  const t = raw.trim();
  if (t.startsWith('"')) return JSON.parse(t) as string;
  return pyReprOfJson(t);
}

function splitArray(t: string): string[] {
  const out: string[] = [];
  let i = 1;
  for (;;) {
    while (i < t.length && /\s/.test(t[i]!)) i++;
    if (t[i] === ']') break;
    const end = skipValue(t, i);
    out.push(t.slice(i, end).trim());
    i = end;
    while (i < t.length && /\s/.test(t[i]!)) i++;
    if (t[i] === ',') { i++; continue; }
    if (t[i] === ']') break;
    throw new SyntaxError(`expected ',' or ']' at ${i}`);
  }
  return out;
}
