// The program safe_exec runs in the jail: codejail's text (codejail/safe_exec.py), so that
// tracebacks report the same line numbers (the user's code runs from `exec(code, g_dict)` on
// line 19, plus one line per python_path entry) and the globals come back through the same
// json_safe. Its one source is pyclient/codejail_wasm/wrapper.py, which the Python client
// imports and this module reads (the texts and json_safe's source), so the two cannot drift.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../runtime/artifacts.js';
import { pyStrRepr } from './pyrepr.js';

/** Path of the shared source, relative to the repository root. */
export const WRAPPER_SOURCE_PATH = 'pyclient/codejail_wasm/wrapper.py';

interface WrapperTexts { prologue: string; exec: string; jsonSafe: string; epilogue: string }

/** The triple-quoted constant `name = """..."""` of the shared file (no escapes inside). */
function constant(source: string, name: string): string {
  const m = new RegExp(`^${name} = """([\\s\\S]*?)"""$`, 'm').exec(source);
  if (!m || m[1]!.includes('\\')) throw new Error(`${WRAPPER_SOURCE_PATH}: no plain constant ${name}`);
  return m[1]!;
}

/** What inspect.getsource(json_safe) gives: the def line through the last indented or blank line. */
function functionSource(source: string, name: string): string {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`def ${name}(`));
  if (start < 0) throw new Error(`${WRAPPER_SOURCE_PATH}: no function ${name}`);
  let end = start + 1;
  while (end < lines.length && (lines[end] === '' || /^\s/.test(lines[end]!))) end++;
  while (end > start + 1 && lines[end - 1] === '') end--;
  return lines.slice(start, end).join('\n') + '\n';
}

let texts: WrapperTexts | null = null;

function wrapperTexts(): WrapperTexts {
  if (!texts) {
    const source = readFileSync(join(repoRoot(), WRAPPER_SOURCE_PATH), 'utf8');
    texts = {
      prologue: constant(source, 'PROLOGUE_TEXT'),
      exec: constant(source, 'EXEC_TEXT'),
      jsonSafe: functionSource(source, 'json_safe'),
      epilogue: constant(source, 'EPILOGUE_TEXT'),
    };
  }
  return texts;
}

/** inspect.getsource(codejail.safe_exec.json_safe), from the shared source. */
export function jsonSafeSource(): string {
  return wrapperTexts().jsonSafe;
}

/** Basename as Python's os.path.basename (POSIX): text after the last '/'. */
export function posixBasename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The jailed program for safe_exec with these python_path entries. */
export function buildSafeExecWrapper(pythonPath: readonly string[]): string {
  const t = wrapperTexts();
  const pathLines = pythonPath.map((p) => `sys.path.append(${pyStrRepr(posixBasename(p))})\n`).join('');
  return t.prologue + pathLines + t.exec + t.jsonSafe + t.epilogue;
}

/** A JSON string literal as Python's json.dumps writes it with its default ensure_ascii=True
 * (everything outside ' '..'~' escaped, astral characters as surrogate pairs). */
export function pyJsonAsciiString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** stdin for the wrapper: json.dumps([code, globals]); globals arrive as JSON text already. */
export function buildSafeExecStdin(code: string, globalsJson: string): string {
  return `[${pyJsonAsciiString(code)}, ${globalsJson}]`;
}
