// The native API's request bodies (/api/v1/jail_code, /api/v1/safe_exec), declared once with
// zod: each declaration gives the TypeScript type, the check of the body's shape with 400
// messages naming the field, the mapping onto the jail's request (base64 decoded, snake_case
// to camelCase), and the schema served in the OpenAPI document (openapi.ts). What a request
// may ask for (paths, limits, python_path, the jail's size) is the jail's to check, once
// (src/jail/request.ts): the schemas here say only what each field is.
import * as z from 'zod';
import type { JailCodeRequest, JailFile, SafeExecRequest } from '../jail/types.js';
import { dumpPyJson, toPlain, type PyValue } from '../jail/pyjson.js';
import { SEED_RANGE } from '../jail/request.js';

/** Longest identifier-like strings (course keys, slugs, image names, argv entries). */
export const MAX_ID_CHARS = 4096;
/** Most entries in any list of a body. */
export const MAX_LIST_ENTRIES = 10_000;

/** How an input value is named in messages ("got an array"). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'string') return 'a string';
  if (isPyValue(v)) return describeValue(toPlain(v));
  return 'an object';
}

/** The message for a value of the wrong type, or a missing one. */
const expecting = (what: string) => ({
  error: (iss: { code?: string; input?: unknown }) =>
    iss.input === undefined ? 'is required' : iss.code === 'invalid_type' ? `must be ${what}, got ${describeValue(iss.input)}` : undefined,
});

/** Standard base64 (RFC 4648, with padding), checked in one linear pass: a regular expression
 * over a body-sized string exhausts the regexp engine's stack. */
export function isStandardBase64(s: string): boolean {
  if (s.length % 4 !== 0) return false;
  let pad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (c === 61) {
      if (i < s.length - 2) return false;
      pad++;
    } else if (!alpha || pad > 0) {
      return false;
    }
  }
  return pad <= 2;
}

const noNul = (s: string) => !s.includes('\0');

const string = (what = 'a string') => z.string(expecting(what));
const nullableString = (max?: number) => {
  const s = string('a string or null');
  return (max === undefined ? s : s.max(max, { error: `is too long (at most ${max} characters)` })).nullable().optional();
};
const identifier = () => nullableString(MAX_ID_CHARS).refine((s) => s == null || noNul(s), { error: 'must not contain NUL characters' });
/** The same rule as isStandardBase64, for the document's readers (the service checks it without a regexp). */
const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';
const base64 = (what = 'a string') => string(what).refine(isStandardBase64, { error: 'must be standard base64 (RFC 4648, with padding)' })
  .meta({ contentEncoding: 'base64', pattern: BASE64_PATTERN });
const list = <T extends z.ZodType>(item: T) =>
  z.array(item, expecting('an array or null')).max(MAX_LIST_ENTRIES, { error: `has too many entries (at most ${MAX_LIST_ENTRIES})` }).nullable().optional();
const strictObject = <S extends z.ZodRawShape>(shape: S) => z.strictObject(shape, expecting('an object'));

const bytes = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

const JailFileSchema = strictObject({
  path: string().meta({ description: "Path relative to the jail directory ('lib/helpers.py')" }),
  content_b64: base64().optional().meta({ description: "The file's bytes (required, unless this is a symlink)" }),
  symlink: nullableString().meta({ description: "A symbolic link to this target, as os.readlink gives it (codejail copies symlinks as symlinks); never with content_b64. In the jail it reads a file placed there; one that leads elsewhere cannot be opened" }),
}).meta({
  // A file or a symlink: the jail's rule (jail/request.ts checkFile), for the document's readers.
  oneOf: [
    { required: ['content_b64'], properties: { symlink: { type: 'null' } } },
    { required: ['symlink'], properties: { symlink: { type: 'string' } }, not: { required: ['content_b64'] } },
  ],
});
function jailFile(f: z.output<typeof JailFileSchema>): JailFile {
  return {
    path: f.path,
    ...(f.content_b64 !== undefined ? { content: bytes(f.content_b64) } : {}),
    ...(f.symlink != null ? { symlink: f.symlink } : {}),
  };
}

const ExtraFileSchema = strictObject({
  name: string().meta({ description: 'A plain file name in the jail directory' }),
  content_b64: base64(),
});

/** codejail's limits by name; values are checked by the jail (names, ranges, integers). */
const LimitsSchema = z.record(
  z.string(),
  // Any number, NaN and Infinity included: the jail's checks name what is wrong with it.
  z.custom<number | boolean | null>((v) => v === null || typeof v === 'number' || typeof v === 'boolean', {
    error: (iss) => `must be a number, got ${describeValue(iss.input)}`,
  }).meta({ type: ['number', 'boolean', 'null'] }),
  expecting('an object'),
).nullable().optional().meta({
  description: 'codejail limits for this run (CPU, REALTIME, VMEM, FSIZE, NPROC, PROXY), clamped to the operator maxima',
});

/** The fields both native endpoints share: course context, slug, limits, seed, image. */
const runOptions = {
  limit_overrides_context: identifier().meta({ description: "The course's limit_overrides_context (codejail's per-course limits)" }),
  slug: identifier().meta({ description: 'An identifier for logs (usually the problem id)' }),
  limits: LimitsSchema,
  // Its range is the jail's to check (SEED_RANGE); the document shows it.
  seed: z.number(expecting('an integer')).meta({ type: 'integer', ...SEED_RANGE }).nullable().optional()
    .meta({ description: 'Seed of the sandbox randomness (os.urandom, jail directory name); random when absent' }),
  image: identifier().meta({ description: "Runtime image; the course's or the default when absent" }),
};

type RunOptionsWire = { limit_overrides_context?: string | null; slug?: string | null; limits?: Record<string, number | boolean | null> | null; seed?: number | null; image?: string | null };

function runOptionsOf(w: RunOptionsWire): Pick<JailCodeRequest, 'limitOverridesContext' | 'slug' | 'limits' | 'seed' | 'image'> {
  return {
    ...(w.limit_overrides_context !== undefined ? { limitOverridesContext: w.limit_overrides_context } : {}),
    ...(w.slug !== undefined ? { slug: w.slug } : {}),
    // Booleans and nulls pass through: the jail says which limit accepts them (PROXY).
    ...(w.limits ? { limits: w.limits as JailCodeRequest['limits'] } : {}),
    ...(w.seed != null ? { seed: w.seed } : {}),
    ...(w.image ? { image: w.image } : {}),
  };
}

export const JailCodeBodySchema = strictObject({
  command: string().min(1, { error: 'must not be empty' }).max(64, { error: 'is too long (at most 64 characters)' })
    .refine(noNul, { error: 'must not contain NUL characters' }).optional()
    .meta({ description: "A command configured in the service (codejail's configure()); 'python' by default" }),
  code: nullableString().meta({ description: 'Written to ./jailed_code and run, when given' }),
  files: list(JailFileSchema).meta({ description: "codejail's files: copied into the jail directory" }),
  extra_files: list(ExtraFileSchema).meta({ description: "codejail's extra_files: (name, bytes) written into the jail directory" }),
  argv: list(string().max(MAX_ID_CHARS, { error: `is too long (at most ${MAX_ID_CHARS} characters)` }).refine(noNul, { error: 'must not contain NUL characters' })),
  stdin_b64: base64('a string or null').nullable().optional(),
  ...runOptions,
}).meta({ description: "codejail's jail_code(command, code, files, extra_files, argv, stdin, ...)" })
  .transform((w): JailCodeRequest => ({
    command: w.command ?? 'python',
    ...(w.code !== undefined ? { code: w.code } : {}),
    ...(w.files ? { files: w.files.map(jailFile) } : {}),
    ...(w.extra_files ? { extraFiles: w.extra_files.map((f) => ({ name: f.name, content: bytes(f.content_b64) })) } : {}),
    ...(w.argv ? { argv: w.argv } : {}),
    ...(w.stdin_b64 != null ? { stdin: bytes(w.stdin_b64) } : {}),
    ...runOptionsOf(w),
  }));

/** A JSON object kept as parsed (big ints, NaN and -0.0 intact), not converted to JS numbers. */
const RawJsonObjectSchema = z.custom<PyValue & { t: 'dict' }>((v) => isPyValue(v) && v.t === 'dict', {
  error: (iss) => `must be an object, got ${describeValue(iss.input)}`,
}).meta({ description: 'Input globals: a JSON object (NaN, Infinity and big integers allowed, as Python\'s json)', type: 'object' });

export const SafeExecBodySchema = strictObject({
  code: string().meta({ description: 'The Python code to execute' }),
  globals_dict: RawJsonObjectSchema.nullable().optional(),
  python_path: list(string()).meta({ description: 'Entries appended to sys.path by base name; their contents travel in files or extra_files' }),
  files: list(JailFileSchema),
  extra_files: list(ExtraFileSchema),
  ...runOptions,
}).meta({ description: "codejail's safe_exec(code, globals_dict, files, python_path, ...)" })
  .transform((w): SafeExecRequest => ({
    code: w.code,
    globalsJson: w.globals_dict ? dumpPyJson(w.globals_dict) : '{}',
    ...(w.python_path ? { pythonPath: w.python_path } : {}),
    ...(w.files ? { files: w.files.map(jailFile) } : {}),
    ...(w.extra_files ? { extraFiles: w.extra_files.map((f) => ({ name: f.name, content: bytes(f.content_b64) })) } : {}),
    ...runOptionsOf(w),
  }));

/** POST /playground/compare (development hosts only): safe_exec's code and globals, run in the
 * sandbox and by the legacy native runner side by side. */
export const CompareBodySchema = strictObject({
  code: string(),
  globals_dict: z.record(z.string(), z.unknown(), expecting('an object')).nullable().optional(),
  seed: runOptions.seed,
  capa: z.boolean(expecting('true or false')).optional(),
});

function isPyValue(v: unknown): v is PyValue {
  return typeof v === 'object' && v !== null && typeof (v as { t?: unknown }).t === 'string' && PY_TAGS.has((v as { t: string }).t)
    && Object.getPrototypeOf(v) === PyValueProto;
}
const PY_TAGS = new Set(['null', 'bool', 'int', 'float', 'str', 'list', 'dict']);
/** Raw JSON values are marked by their prototype, so that no plain object of a body can pass for one. */
const PyValueProto = Object.freeze(Object.create(null) as object);

/** A body's top-level fields as plain JS values, except `raw` fields, which keep the parsed JSON. */
export function bodyForSchema(body: PyValue, raw: readonly string[]): unknown {
  if (body.t !== 'dict') return toPlain(body);
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of body.entries) {
    out[k] = raw.includes(k) && v.t !== 'null' ? Object.assign(Object.create(PyValueProto) as object, v) : toPlain(v);
  }
  return out;
}

export interface FieldProblem { field: string; message: string }

/** The fields each object of a body may have, by path ('' for the body, 'files[]' for its files). */
const ALLOWED_FIELDS: Record<string, readonly string[]> = {
  '': [...new Set([...Object.keys(JailCodeBodySchema.in.shape), ...Object.keys(SafeExecBodySchema.in.shape)])],
  'files[]': Object.keys(JailFileSchema.shape),
  'extra_files[]': Object.keys(ExtraFileSchema.shape),
};

/** Parse a body (as bodyForSchema made it) with one of the schemas above; a problem is a
 * BadRequest-style "field: problem" naming the field as the body spells it. */
export function parseBody<S extends typeof JailCodeBodySchema | typeof SafeExecBodySchema | typeof CompareBodySchema>(
  schema: S, body: unknown,
): { ok: true; value: z.output<S> } | { ok: false; problem: FieldProblem } {
  const r = schema.safeParse(body);
  if (r.success) return { ok: true, value: r.data as z.output<S> };
  const allowed = { ...ALLOWED_FIELDS, '': Object.keys('in' in schema ? schema.in.shape : schema.shape) };
  return { ok: false, problem: firstProblem(r.error, allowed) };
}

/** The first problem zod found, as "field: problem" with the field spelt as in the body. */
function firstProblem(error: z.ZodError, allowed: Record<string, readonly string[]>): FieldProblem {
  const issue = error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const name = key === '' ? '"" (an empty field name)' : key;
    const field = path ? `${path}.${name}` : name;
    const expected = allowed[path.replace(/\[\d+\]/g, '[]')] ?? [];
    return { field, message: `${field}: unknown field (expected one of ${expected.join(', ')})` };
  }
  const field = path || 'body';
  return { field, message: `${field}: ${issue.message}` };
}

// ---- answers ----

const RUN_OUTCOMES = ['complete', 'out_of_fuel', 'timed_out', 'out_of_memory', 'crashed'] as const;
const LIMIT_HITS = ['CPU', 'REALTIME', 'VMEM', 'FSIZE', 'OUTPUT'] as const;

export const ErrorAnswerSchema = z.object({ error: z.string().meta({ description: 'What was wrong, naming the field for a 400' }) })
  ;

export const EffectiveLimitsSchema = z.object({
  CPU: z.number(), REALTIME: z.number(), VMEM: z.int(), FSIZE: z.int(), NPROC: z.int(),
  PROXY: z.number().nullable().meta({ description: 'null, 0 or 1 (accepted for compatibility; there is no network)' }),
}).meta({ description: 'The limits that applied, after course overrides and the operator maxima' });

const runFacts = {
  outcome: z.enum(RUN_OUTCOMES).meta({ description: 'How the run ended' }),
  fuel_used: z.number().meta({ description: 'Interpreter work units used (the same on every machine)' }),
  wall_ms: z.number(),
  effective_limits: EffectiveLimitsSchema,
  image: z.string().meta({ description: 'The image the code ran in' }),
};
const bytesB64 = z.string().meta({ contentEncoding: 'base64' });
const status = z.int().meta({ description: 'Exit status, or minus the signal codejail would see (-24 CPU, -9 time or memory, -11 crash)' });
const limitHit = z.enum(LIMIT_HITS).nullable().meta({ description: 'The limit that stopped the run, if one did' });
/** Globals as the sandboxed Python printed them: Python's JSON (NaN, Infinity, big integers). */
const globalsOut = z.record(z.string(), z.unknown()).meta({ description: "The json_safe globals, exactly as Python's json.dump wrote them (NaN, Infinity and big integers included)" });

export const JailCodeAnswerSchema = z.object({
  status,
  stdout_b64: bytesB64,
  stderr_b64: bytesB64,
  ...runFacts,
  limit_hit: limitHit,
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
});

export const SafeExecSuccessSchema = z.object({ globals_dict: globalsOut, status: z.literal(0), ...runFacts });

export const SafeExecFailureSchema = z.object({
  exception: z.enum(['SafeExecException', 'JSONDecodeError', 'UnicodeDecodeError', 'RecursionError', 'ValueError', 'TypeError']).meta({
    description: "The exception codejail's safe_exec raises: SafeExecException for a non-zero status; when the program exited 0 " +
      "without the wrapper's globals on stdout, what json.loads(stdout.decode('utf-8')) raises (stdout_b64 holds the bytes)",
  }),
  emsg: z.string().meta({ description: "str() of that exception (a SafeExecException's message as codejail builds it)" }),
  status,
  stdout_b64: bytesB64,
  stderr_b64: bytesB64,
  ...runFacts,
  limit_hit: limitHit,
});

export const CodeExecAnswerSchema = z.object({
  globals_dict: globalsOut,
  emsg: z.string().optional().meta({ description: 'Present when the code failed; globals_dict is then the input globals' }),
});

export const HealthAnswerSchema = z.object({ status: z.enum(['OK', 'UNAVAILABLE']) });
