// The globals JSON text safe_exec returns (Python's json.dump output), read with the service's
// Python-compatible parser (src/jail/pyjson.ts: big ints stay exact, NaN and Infinity accepted):
// its top-level entries, and Python's repr() and str() of a value (capa's contextualize_text
// substitutes str(value) for $name).
import { dumpPyJson, parsePyJson, pyRepr } from '../jail/pyjson.js';

/** A JSON object text's top-level entries in order, each value as compact JSON text (ints as
 * written, floats as Python's repr). Throws on anything but an object. */
export function splitTopLevel(text: string): [string, string][] {
  const value = parsePyJson(text);
  if (value.t !== 'dict') throw new SyntaxError('not a JSON object');
  return [...value.entries].map(([key, v]) => [key, dumpPyJson(v)]);
}

/** Python repr() of a raw JSON value as json.loads would build it. */
export function pyReprOfJson(raw: string): string {
  return pyRepr(parsePyJson(raw));
}

/** Python str() of a raw JSON value. */
export function pyStrOfJson(raw: string): string {
  const value = parsePyJson(raw);
  return value.t === 'str' ? value.v : pyRepr(value);
}
