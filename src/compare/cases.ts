// What `codejail-wasm compare` runs: cases loaded from .py scripts, JSON payload files and
// OLX course exports, each run as codejail's safe_exec on both sides for several seeds.
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { buildCapaCode } from '../jail/capaProlog.js';
import type { ExtraFile, JailFile } from '../jail/types.js';

export interface CompareCase {
  /** Unique display name. */
  id: string;
  /** File it came from (as given / relative to the course root). */
  source: string;
  kind: 'script' | 'payload' | 'problem' | 'check';
  /** Whether the code is wrapped in capa's prolog (buildCapaCode(code, seed)). */
  capa: boolean;
  /** The user code (before any capa prolog). */
  code: string;
  /** Seeds for this case; the run's seeds when absent. */
  seeds?: number[];
  pythonPath?: string[];
  files?: JailFile[];
  extraFiles?: ExtraFile[];
  /** The globals JSON for a seed. For dependent cases `prior` is the legacy globals JSON of the
   * case named by dependsOn for the same seed (null if it failed); returning null skips the seed. */
  globalsFor(seed: number, prior: string | null): string | null;
  /** Run after this case, for the same seed (check-function calls after the problem's script). */
  dependsOn?: string;
  /** Why a seed may be skipped (shown in reports). */
  skipReason?: string;
}

/** The code sent to safe_exec for a case and seed. */
export function codeFor(c: CompareCase, seed: number): string {
  return c.capa ? buildCapaCode(c.code, seed) : c.code;
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

const constGlobals = (text: string) => (): string => text;

function scriptCase(path: string, code: string, capa: boolean): CompareCase {
  return { id: path, source: path, kind: 'script', capa, code, globalsFor: constGlobals('{}') };
}

function bytesOf(entry: Record<string, unknown>, where: string): Uint8Array {
  if (typeof entry.content === 'string') return Buffer.from(entry.content, 'utf8');
  if (typeof entry.content_base64 === 'string') return Buffer.from(entry.content_base64, 'base64');
  throw new InputError(`${where}: needs "content" (text) or "content_base64"`);
}

/** Parse a JSON payload file: [{name, code, globals_dict, seeds, python_path, files, extra_files, capa}]. */
export function payloadCases(path: string, text: string, capaDefault: boolean): CompareCase[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new InputError(`${path}: expected a JSON array of payloads`);
  const names = new Set<string>();
  return data.map((raw, i) => {
    const where = `${path}[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`${where}: expected an object`);
    const p = raw as Record<string, unknown>;
    if (typeof p.code !== 'string') throw new InputError(`${where}.code: expected a string`);
    const name = typeof p.name === 'string' && p.name ? p.name : `#${i}`;
    if (names.has(name)) throw new InputError(`${where}.name: duplicate name '${name}'`);
    names.add(name);
    const g = p.globals_dict ?? {};
    if (g === null || typeof g !== 'object' || Array.isArray(g)) throw new InputError(`${where}.globals_dict: expected an object`);
    let seeds: number[] | undefined;
    if (p.seeds !== undefined) {
      if (!Array.isArray(p.seeds) || !p.seeds.every((s) => Number.isSafeInteger(s))) throw new InputError(`${where}.seeds: expected a list of integers`);
      seeds = p.seeds as number[];
    }
    const strList = (v: unknown, f: string): string[] | undefined => {
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new InputError(`${where}.${f}: expected a list of strings`);
      return v as string[];
    };
    const objList = (v: unknown, f: string): Record<string, unknown>[] => {
      if (v === undefined) return [];
      if (!Array.isArray(v) || !v.every((x) => x && typeof x === 'object')) throw new InputError(`${where}.${f}: expected a list of objects`);
      return v as Record<string, unknown>[];
    };
    const files = objList(p.files, 'files').map((f, j): JailFile => {
      if (typeof f.path !== 'string') throw new InputError(`${where}.files[${j}].path: expected a string`);
      return { path: f.path, content: bytesOf(f, `${where}.files[${j}]`) };
    });
    const extraFiles = objList(p.extra_files, 'extra_files').map((f, j): ExtraFile => {
      if (typeof f.name !== 'string') throw new InputError(`${where}.extra_files[${j}].name: expected a string`);
      return { name: f.name, content: bytesOf(f, `${where}.extra_files[${j}]`) };
    });
    const capa = typeof p.capa === 'boolean' ? p.capa : capaDefault;
    return {
      id: `${path}:${name}`, source: path, kind: 'payload', capa, code: p.code, seeds,
      pythonPath: strList(p.python_path, 'python_path'), files, extraFiles,
      globalsFor: constGlobals(JSON.stringify(g)),
    } satisfies CompareCase;
  });
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Cases from command-line inputs: .py files, .json payload files, or directories of them. */
export async function loadInputs(inputs: string[], capa: boolean): Promise<CompareCase[]> {
  const cases: CompareCase[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch {
      throw new InputError(`${input}: no such file or directory`);
    }
    const paths = st.isDirectory() ? (await walk(input)).filter((p) => ['.py', '.json'].includes(extname(p))) : [input];
    for (const p of paths) {
      const text = await readFile(p, 'utf8');
      if (extname(p) === '.json') cases.push(...payloadCases(p, text, capa));
      else cases.push(scriptCase(p, text, capa));
    }
  }
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw new InputError(`duplicate case '${c.id}'`);
    seen.add(c.id);
  }
  return cases;
}

/** Read a directory tree into relative path -> bytes. */
export async function readTree(dir: string): Promise<Map<string, Uint8Array>> {
  const root = resolve(dir);
  const files = new Map<string, Uint8Array>();
  for (const p of await walk(root)) files.set(relative(root, p).split('\\').join('/'), await readFile(p));
  return files;
}
