// Validation of the native JSON API (/api/v1/jail_code, /api/v1/safe_exec) request bodies.
// Every problem is a BadRequestError whose message starts with the offending field's name.
import { BadRequestError } from '../jail/types.js';
import type { CodejailLimits, ExtraFile, JailCodeRequest, JailFile, SafeExecRequest } from '../jail/types.js';
import { validateLimits } from '../jail/limits.js';
import { dumpPyJson, toPlain, type PyValue } from '../jail/pyjson.js';

const MAX_LIST = 10_000;
const MAX_NAME = 4096;
const MAX_ID = 4096;

function bad(field: string, problem: string): never {
  throw new BadRequestError(field, `${field}: ${problem}`);
}

function describe(v: PyValue): string {
  return { null: 'null', bool: 'a boolean', int: 'an integer', float: 'a number', str: 'a string', list: 'an array', dict: 'an object' }[v.t];
}

function asDict(v: PyValue | undefined, field: string): Map<string, PyValue> {
  if (!v || v.t !== 'dict') bad(field, `must be an object, got ${v ? describe(v) : 'nothing'}`);
  return v.entries;
}

function checkKeys(d: Map<string, PyValue>, allowed: readonly string[], prefix: string): void {
  for (const k of d.keys()) {
    if (allowed.includes(k)) continue;
    const name = k === '' ? '"" (an empty field name)' : k;
    bad(prefix ? `${prefix}.${name}` : name, `unknown field (expected one of ${allowed.join(', ')})`);
  }
}

function str(v: PyValue | undefined, field: string, opts: { nullable?: boolean; required?: boolean; max?: number; noNul?: boolean } = {}): string | null | undefined {
  if (v === undefined) {
    if (opts.required) bad(field, 'is required');
    return undefined;
  }
  if (v.t === 'null') {
    if (opts.nullable) return null;
    bad(field, 'must be a string, got null');
  }
  if (v.t !== 'str') bad(field, `must be a string${opts.nullable ? ' or null' : ''}, got ${describe(v)}`);
  if (opts.max !== undefined && v.v.length > opts.max) bad(field, `is too long (at most ${opts.max} characters)`);
  if (opts.noNul && v.v.includes('\0')) bad(field, 'must not contain NUL characters');
  return v.v;
}

function list(v: PyValue | undefined, field: string, nullable = true): PyValue[] | undefined {
  if (v === undefined || (nullable && v.t === 'null')) return undefined;
  if (v.t !== 'list') bad(field, `must be an array${nullable ? ' or null' : ''}, got ${describe(v)}`);
  if (v.items.length > MAX_LIST) bad(field, `has too many entries (at most ${MAX_LIST})`);
  return v.items;
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function b64(v: PyValue | undefined, field: string, opts: { nullable?: boolean; required?: boolean } = {}): Uint8Array | null | undefined {
  const s = str(v, field, opts);
  if (s === undefined || s === null) return s;
  if (!B64.test(s)) bad(field, 'must be standard base64 (RFC 4648, with padding)');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** A relative path inside the jail directory: no absolute paths, no '..', no NUL, no empty segments. */
export function checkRelativePath(p: string, field: string): string {
  if (p.length === 0) bad(field, 'must not be empty');
  if (p.length > MAX_NAME) bad(field, `is too long (at most ${MAX_NAME} characters)`);
  if (p.includes('\0')) bad(field, 'must not contain NUL characters');
  if (p.startsWith('/')) bad(field, 'must be a relative path, not absolute');
  if (p.includes('\\')) bad(field, "must use '/' as the separator (no backslashes)");
  const segs = p.split('/');
  if (segs.includes('..')) bad(field, "must not contain '..'");
  if (segs.some((s) => s === '' || s === '.')) bad(field, "must not contain empty or '.' segments");
  return p;
}

/** codejail's extra_files names: "No subdirectories are supported in the filename." */
/** codejail's python_path entries are host paths; only their base name is used in the jail
 * (`sys.path.append(basename)`), and the contents travel in files / extra_files. */
export function checkPythonPathEntry(p: string, field: string): string {
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (base.length === 0) bad(field, 'must end in a file or directory name');
  if (base === '.' || base === '..') bad(field, "must not end in '.' or '..'");
  return p;
}

export function checkFileName(n: string, field: string): string {
  if (n.length === 0) bad(field, 'must not be empty');
  if (n.length > 255) bad(field, 'is too long (at most 255 characters)');
  if (n.includes('\0')) bad(field, 'must not contain NUL characters');
  if (n.includes('/') || n.includes('\\')) bad(field, "must be a plain file name without '/'");
  if (n === '.' || n === '..') bad(field, "must not be '.' or '..'");
  return n;
}

function files(v: PyValue | undefined, field: string): JailFile[] | undefined {
  const items = list(v, field);
  if (!items) return undefined;
  return items.map((it, i) => {
    const f = `${field}[${i}]`;
    const d = asDict(it, f);
    checkKeys(d, ['path', 'content_b64', 'symlink'], f);
    const path = checkRelativePath(str(d.get('path'), `${f}.path`, { required: true }) as string, `${f}.path`);
    // A symlink travels as its target text (codejail copies symlinks as symlinks); never both.
    const symlink = str(d.get('symlink'), `${f}.symlink`, { nullable: true, noNul: true, max: MAX_NAME });
    if (typeof symlink === 'string') {
      if (d.has('content_b64')) bad(`${f}.content_b64`, 'must be absent for a symlink');
      if (symlink === '') bad(`${f}.symlink`, 'must not be empty');
      return { path, content: new Uint8Array(0), symlink };
    }
    const content = b64(d.get('content_b64'), `${f}.content_b64`, { required: true }) as Uint8Array;
    return { path, content };
  });
}

function extraFiles(v: PyValue | undefined, field: string): ExtraFile[] | undefined {
  const items = list(v, field);
  if (!items) return undefined;
  return items.map((it, i) => {
    const f = `${field}[${i}]`;
    const d = asDict(it, f);
    checkKeys(d, ['name', 'content_b64'], f);
    const name = checkFileName(str(d.get('name'), `${f}.name`, { required: true }) as string, `${f}.name`);
    const content = b64(d.get('content_b64'), `${f}.content_b64`, { required: true }) as Uint8Array;
    return { name, content };
  });
}

function stringList(v: PyValue | undefined, field: string, each?: (s: string, f: string) => string): string[] | undefined {
  const items = list(v, field);
  if (!items) return undefined;
  return items.map((it, i) => {
    const f = `${field}[${i}]`;
    const s = str(it, f, { required: true, noNul: true, max: MAX_NAME }) as string;
    return each ? each(s, f) : s;
  });
}

function limits(v: PyValue | undefined): Partial<CodejailLimits> | undefined {
  if (v === undefined || v.t === 'null') return undefined;
  if (v.t !== 'dict') bad('limits', `must be an object, got ${describe(v)}`);
  const plain: Record<string, unknown> = {};
  for (const [k, val] of v.entries) {
    if (val.t !== 'int' && val.t !== 'float' && val.t !== 'null' && val.t !== 'bool') {
      bad(`limits.${k}`, `must be a number, got ${describe(val)}`);
    }
    plain[k] = toPlain(val);
  }
  return validateLimits(plain, 'limits');
}

function seed(v: PyValue | undefined): number | undefined {
  if (v === undefined || v.t === 'null') return undefined;
  if (v.t !== 'int') bad('seed', `must be an integer, got ${describe(v)}`);
  const n = Number(v.raw);
  if (n < 0 || !Number.isSafeInteger(n)) bad('seed', `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`);
  return n;
}

/** The fields both native endpoints share: course context, slug, limits, seed, image. */
function withRunOptions<R extends JailCodeRequest | SafeExecRequest>(d: Map<string, PyValue>, req: R): R {
  const ctx = str(d.get('limit_overrides_context'), 'limit_overrides_context', { nullable: true, max: MAX_ID });
  if (ctx !== undefined) req.limitOverridesContext = ctx;
  const slug = str(d.get('slug'), 'slug', { nullable: true, max: MAX_ID });
  if (slug !== undefined) req.slug = slug;
  const l = limits(d.get('limits'));
  if (l) req.limits = l;
  const s = seed(d.get('seed'));
  if (s !== undefined) req.seed = s;
  const image = str(d.get('image'), 'image', { nullable: true, max: MAX_ID, noNul: true });
  if (image) req.image = image;
  return req;
}

const JAIL_CODE_FIELDS = [
  'command', 'code', 'files', 'extra_files', 'argv', 'stdin_b64', 'limit_overrides_context', 'slug', 'limits', 'seed', 'image',
] as const;

export function parseJailCodeBody(body: PyValue): JailCodeRequest {
  const d = asDict(body, 'body');
  checkKeys(d, JAIL_CODE_FIELDS, '');
  const command = str(d.get('command'), 'command', { max: 64, noNul: true }) ?? 'python';
  if (command === '') bad('command', 'must not be empty');
  const req: JailCodeRequest = { command };
  const code = str(d.get('code'), 'code', { nullable: true });
  if (code !== undefined) req.code = code;
  const f = files(d.get('files'), 'files');
  if (f) req.files = f;
  const ef = extraFiles(d.get('extra_files'), 'extra_files');
  if (ef) req.extraFiles = ef;
  const argv = stringList(d.get('argv'), 'argv');
  if (argv) req.argv = argv;
  const stdin = b64(d.get('stdin_b64'), 'stdin_b64', { nullable: true });
  if (stdin !== undefined) req.stdin = stdin;
  return withRunOptions(d, req);
}

const SAFE_EXEC_FIELDS = [
  'code', 'globals_dict', 'python_path', 'files', 'extra_files', 'limit_overrides_context', 'slug', 'limits', 'seed', 'image',
] as const;

export function parseSafeExecBody(body: PyValue): SafeExecRequest {
  const d = asDict(body, 'body');
  checkKeys(d, SAFE_EXEC_FIELDS, '');
  const code = str(d.get('code'), 'code', { required: true }) as string;
  const g = d.get('globals_dict');
  let globalsJson = '{}';
  if (g !== undefined && g.t !== 'null') {
    if (g.t !== 'dict') bad('globals_dict', `must be an object, got ${describe(g)}`);
    globalsJson = dumpPyJson(g);
  }
  const req: SafeExecRequest = { code, globalsJson };
  const pp = stringList(d.get('python_path'), 'python_path', checkPythonPathEntry);
  if (pp) req.pythonPath = pp;
  const f = files(d.get('files'), 'files');
  if (f) req.files = f;
  const ef = extraFiles(d.get('extra_files'), 'extra_files');
  if (ef) req.extraFiles = ef;
  return withRunOptions(d, req);
}
