// The one place a jail request is checked: every rule on what a caller may ask of jail_code and
// safe_exec (paths, the jail directory's layout and size, limits, python_path), applied once when
// a request enters the Jail, whoever sent it (the HTTP API, the command line, the playground).
// A problem is a BadRequestError naming the field as the API spells it ("files[3].path").
// The HTTP layer only maps its wire format onto these types (src/server/apiSchemas.ts).
import { validateLimits } from './limits.js';
import {
  BadRequestError, type CodejailLimits, type ExtraFile, type JailCodeRequest, type JailFile, type SafeExecRequest,
} from './types.js';
import { posixBasename } from './wrapper.js';

/** How much of a jail directory a caller may lay out. The program's own writes are bounded
 * separately, inside the sandbox (RunLimits.maxFiles, diskQuotaBytes). */
export const JAIL_LAYOUT_BOUNDS = {
  /** files + extra_files entries. */
  maxFiles: 1000,
  /** Directories the files' paths create, all together. */
  maxDirectories: 1000,
  /** Components of one path (a/b/c is 3). */
  maxDepth: 64,
  /** Characters of one path (Linux's PATH_MAX is 4096 bytes). */
  maxPathChars: 4096,
  /** UTF-8 bytes of one path component (Linux's NAME_MAX). */
  maxNameBytes: 255,
} as const;

/** The smallest CPU or REALTIME limit other than 0 (unlimited): smaller values would round to no
 * budget at all, and no budget means unlimited. */
export const MIN_TIME_LIMIT_SECONDS = 0.001;

/** A checked file: its bytes, empty for a symlink. */
export interface CheckedJailFile {
  path: string;
  content: Uint8Array;
  symlink?: string;
}

/** What both requests carry besides their code: every optional field present once checked. */
interface CheckedRunOptions {
  files: CheckedJailFile[];
  extraFiles: ExtraFile[];
  limitOverridesContext: string | null;
  slug: string | null;
  limits: Partial<CodejailLimits>;
  seed: number | undefined;
  image: string | null;
  signal: AbortSignal | undefined;
}

export interface CheckedJailCodeRequest extends CheckedRunOptions {
  command: string;
  code: string | null;
  argv: string[];
  stdin: Uint8Array;
}

export interface CheckedSafeExecRequest extends CheckedRunOptions {
  code: string;
  globalsJson: string;
  pythonPath: string[];
}

function bad(field: string, problem: string): never {
  throw new BadRequestError(field, `${field}: ${problem}`);
}

const utf8 = new TextEncoder();

/** A relative path inside the jail directory: no absolute paths, no '..', '.' or empty
 * components, no NUL or backslash, within Linux's name and path lengths. */
export function checkRelativePath(p: string, field: string): string[] {
  if (typeof p !== 'string') bad(field, 'must be a string');
  if (p.length === 0) bad(field, 'must not be empty');
  if (p.length > JAIL_LAYOUT_BOUNDS.maxPathChars) bad(field, `is too long (at most ${JAIL_LAYOUT_BOUNDS.maxPathChars} characters)`);
  if (p.includes('\0')) bad(field, 'must not contain NUL characters');
  if (p.startsWith('/')) bad(field, 'must be a relative path, not absolute');
  if (p.includes('\\')) bad(field, "must use '/' as the separator (no backslashes)");
  const parts = p.split('/');
  if (parts.includes('..')) bad(field, "must not contain '..'");
  if (parts.some((s) => s === '' || s === '.')) bad(field, "must not contain empty or '.' segments");
  if (parts.length > JAIL_LAYOUT_BOUNDS.maxDepth) bad(field, `is too deep (at most ${JAIL_LAYOUT_BOUNDS.maxDepth} components)`);
  for (const s of parts) {
    if (utf8.encode(s).length > JAIL_LAYOUT_BOUNDS.maxNameBytes) {
      bad(field, `has a component longer than ${JAIL_LAYOUT_BOUNDS.maxNameBytes} bytes`);
    }
  }
  return parts;
}

/** A file of files: its bytes, or a symlink (codejail copies symlinks as symlinks) with its
 * target as os.readlink gives it and no content of its own. The sandbox never follows one out of
 * the jail. The API document says the same with a oneOf (server/apiSchemas.ts). */
function checkFile(f: JailFile, field: string): CheckedJailFile {
  const t = f.symlink;
  if (t === undefined) {
    if (!(f.content instanceof Uint8Array)) bad(`${field}.content_b64`, 'is required');
    return { path: f.path, content: f.content };
  }
  if (typeof t !== 'string' || t.length === 0) bad(`${field}.symlink`, 'must be a non-empty string');
  if (t.length > JAIL_LAYOUT_BOUNDS.maxPathChars) bad(`${field}.symlink`, `is too long (at most ${JAIL_LAYOUT_BOUNDS.maxPathChars} characters)`);
  if (t.includes('\0')) bad(`${field}.symlink`, 'must not contain NUL characters');
  if (f.content !== undefined) bad(`${field}.content_b64`, 'must be absent for a symlink');
  return { path: f.path, content: new Uint8Array(0), symlink: t };
}

/** codejail's extra_files names: "No subdirectories are supported in the filename." */
export function checkFileName(n: string, field: string): string {
  if (typeof n !== 'string') bad(field, 'must be a string');
  if (n.length === 0) bad(field, 'must not be empty');
  if (utf8.encode(n).length > JAIL_LAYOUT_BOUNDS.maxNameBytes) bad(field, `is too long (at most ${JAIL_LAYOUT_BOUNDS.maxNameBytes} bytes)`);
  if (n.includes('\0')) bad(field, 'must not contain NUL characters');
  if (n.includes('/') || n.includes('\\')) bad(field, "must be a plain file name without '/'");
  if (n === '.' || n === '..') bad(field, "must not be '.' or '..'");
  return n;
}

/**
 * The jail directory the caller lays out: `files` (relative paths), `extra_files` (plain names),
 * `jailed_code` when there is code, and codejail's `tmp/`. Each path must leave the others
 * possible: no file where another path needs a directory ([a, a/b]), nothing replacing tmp/.
 * The number of entries and of the directories they create is bounded.
 */
function checkLayout(files: JailFile[], extraFiles: ExtraFile[], hasCode: boolean): CheckedJailFile[] {
  const B = JAIL_LAYOUT_BOUNDS;
  if (files.length + extraFiles.length > B.maxFiles) {
    bad(files.length > B.maxFiles ? 'files' : 'extra_files', `too many files (files and extra_files together: at most ${B.maxFiles})`);
  }
  // What each path of the jail directory is, and which field made it so.
  const kinds = new Map<string, { kind: 'file' | 'dir'; field: string }>([['tmp', { kind: 'dir', field: 'tmp' }]]);
  let directories = 0;
  const place = (parts: string[], field: string) => {
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const seen = kinds.get(dir);
      if (seen?.kind === 'file') bad(field, `needs ${dir}/ to be a directory, but ${seen.field} is a file there`);
      if (!seen) {
        if (++directories > B.maxDirectories) bad(field, `creates too many directories (at most ${B.maxDirectories} in all)`);
        kinds.set(dir, { kind: 'dir', field });
      }
    }
    const path = parts.join('/');
    const seen = kinds.get(path);
    if (seen?.kind === 'dir') {
      bad(field, path === 'tmp' ? "must not replace the jail's tmp directory" : `is a directory of ${seen.field}, it cannot also be a file`);
    }
    kinds.set(path, { kind: 'file', field });
  };
  const checked = files.map((f, i) => {
    place(checkRelativePath(f.path, `files[${i}].path`), `files[${i}].path`);
    return checkFile(f, `files[${i}]`);
  });
  if (hasCode) place(['jailed_code'], 'code');
  extraFiles.forEach((f, i) => place([checkFileName(f.name, `extra_files[${i}].name`)], `extra_files[${i}].name`));
  return checked;
}

/** Limits a request may ask for: codejail's names and value types, and no positive time limit
 * so small that it would round to no budget (which would mean unlimited). */
function checkLimits(limits: Partial<CodejailLimits> | undefined): Partial<CodejailLimits> {
  if (limits === undefined) return {};
  const checked = validateLimits(limits, 'limits');
  for (const name of ['CPU', 'REALTIME'] as const) {
    const v = checked[name];
    if (v !== undefined && v > 0 && v < MIN_TIME_LIMIT_SECONDS) {
      bad(`limits.${name}`, `must be 0 (unlimited) or at least ${MIN_TIME_LIMIT_SECONDS} seconds`);
    }
  }
  return checked;
}

/** The seeds a caller may give: integers a JSON number holds exactly. Declared once: the jail
 * checks requests against it and the API document shows it (server/apiSchemas.ts). */
export const SEED_RANGE = { minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

export function checkSeed(seed: number | undefined): number | undefined {
  if (seed === undefined) return undefined;
  if (!Number.isSafeInteger(seed) || seed < SEED_RANGE.minimum || seed > SEED_RANGE.maximum) {
    bad('seed', `must be an integer from ${SEED_RANGE.minimum} to ${SEED_RANGE.maximum}`);
  }
  return seed;
}

const utf8Bytes = (s: Uint8Array | string | null | undefined): Uint8Array =>
  s == null ? new Uint8Array(0) : typeof s === 'string' ? utf8.encode(s) : s;

function checkRunOptions(req: JailCodeRequest | SafeExecRequest, files: CheckedJailFile[], extraFiles: ExtraFile[]): CheckedRunOptions {
  return {
    files,
    extraFiles,
    limitOverridesContext: req.limitOverridesContext ?? null,
    slug: req.slug ?? null,
    limits: checkLimits(req.limits),
    seed: checkSeed(req.seed),
    image: req.image || null,
    signal: req.signal,
  };
}

export function checkJailCodeRequest(req: JailCodeRequest): CheckedJailCodeRequest {
  const extraFiles = req.extraFiles ?? [];
  const code = req.code ?? null;
  const files = checkLayout(req.files ?? [], extraFiles, !!code);
  return {
    command: req.command ?? 'python',
    code,
    argv: req.argv ?? [],
    stdin: utf8Bytes(req.stdin),
    ...checkRunOptions(req, files, extraFiles),
  };
}

/** codejail's python_path entries are host paths; only their base name is used in the jail
 * (`sys.path.append(basename)`), and the contents must travel in files or extra_files. */
function checkPythonPath(pythonPath: string[], files: CheckedJailFile[], extraFiles: ExtraFile[]): string[] {
  const extraNames = new Set(extraFiles.map((f) => f.name));
  pythonPath.forEach((p, i) => {
    const field = `python_path[${i}]`;
    const base = posixBasename(p);
    if (base.length === 0) bad(field, 'must end in a file or directory name');
    if (base === '.' || base === '..') bad(field, "must not end in '.' or '..'");
    const supplied = extraNames.has(base) || files.some((f) => f.path === base || f.path.startsWith(base + '/'));
    if (!supplied) bad(field, `(${base}) is not among files or extra_files`);
  });
  return pythonPath;
}

export function checkSafeExecRequest(req: SafeExecRequest): CheckedSafeExecRequest {
  const extraFiles = req.extraFiles ?? [];
  // The wrapper is the jailed_code: safe_exec always has code.
  const files = checkLayout(req.files ?? [], extraFiles, true);
  return {
    code: req.code,
    globalsJson: req.globalsJson,
    pythonPath: checkPythonPath(req.pythonPath ?? [], files, extraFiles),
    ...checkRunOptions(req, files, extraFiles),
  };
}
