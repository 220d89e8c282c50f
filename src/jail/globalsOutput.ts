// Reading the globals the safe_exec wrapper printed, as codejail's safe_exec does:
// `globals_dict.update(json.loads(res.stdout.decode('utf-8')))`. A program can write to the
// real stdout itself (os.write(1, ...), sys.__stdout__) or exit before the wrapper prints, so
// this text is untrusted: what Python would raise here is reported, never passed on.
import { parsePyJson, PyJsonError, PyJsonLimitError } from './pyjson.js';

/** The exceptions codejail's safe_exec lets escape when the stdout of a successful run is not a globals dict. */
export type GlobalsOutputException = 'JSONDecodeError' | 'UnicodeDecodeError' | 'RecursionError' | 'ValueError' | 'TypeError';

export type GlobalsOutput =
  /** Exactly one JSON object (surrounding whitespace removed): safe to splice into an answer. */
  | { ok: true; globalsJson: string }
  | { ok: false; exception: GlobalsOutputException; message: string };

/** Python's json C scanner enters a recursion level per array/object; 1000 is its default limit. */
const PY_RECURSION_LIMIT = 1000;

export function readGlobalsOutput(stdout: Uint8Array): GlobalsOutput {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(stdout);
  } catch {
    return { ok: false, exception: 'UnicodeDecodeError', message: "'utf-8' codec can't decode the program's stdout" };
  }
  try {
    const v = parsePyJson(text, { maxDepth: PY_RECURSION_LIMIT });
    if (v.t !== 'dict') return { ok: false, exception: 'TypeError', message: 'the printed globals are not a JSON object' };
    return { ok: true, globalsJson: text.trim() };
  } catch (e) {
    if (e instanceof PyJsonError) return { ok: false, exception: 'JSONDecodeError', message: e.message };
    if (e instanceof PyJsonLimitError) {
      return { ok: false, exception: e.kind === 'depth' ? 'RecursionError' : 'ValueError', message: e.message };
    }
    throw e;
  }
}
