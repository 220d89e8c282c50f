// Every setting of the service, declared once (zod): its place in the JSON config file, its
// type and range (the check that names it when wrong), its default, and the environment
// variable that overrides it. config.ts reads the file and the environment through this
// declaration; the Config type is derived from it.
import { availableParallelism } from 'node:os';
import type { JWK } from 'jose';
import * as z from 'zod';
import { LIMIT_NAMES, limitValueProblem, normalLimitValue } from '../jail/limits.js';
import { DEFAULT_ANSWER_LIMIT_BYTES } from '../jail/runOutput.js';
import { DEFAULT_IDLE_WORKER_MS, DEFAULT_WARM_WORKERS } from '../jail/jailRun.js';
import type { CodejailLimits, LimitName } from '../jail/types.js';

/** How an environment variable's text becomes a setting's value. */
export type EnvKind = 'string' | 'number' | 'bool' | 'list' | 'json';

/** Where the environment sets a setting: one variable, or one per key of an object (prefix + key). */
export interface EnvMeta {
  env?: string;
  kind?: EnvKind;
  /** json: the variable's entries are laid over the file's (per key), not instead of them. */
  merge?: boolean;
  envPrefix?: string;
  keys?: readonly string[];
}

export const envRegistry = z.registry<EnvMeta>();
const fromEnv = <T extends z.ZodType>(schema: T, meta: EnvMeta): T => {
  envRegistry.add(schema, meta);
  return schema;
};

const show = (v: unknown) => JSON.stringify(v);
const int = (min: number, max: number) => {
  const error = (iss: { input?: unknown }) => `expected an integer from ${min} to ${max}, got ${show(iss.input)}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};
const num = (min: number, max: number) => {
  const error = (iss: { input?: unknown }) => `expected a number from ${min} to ${max}, got ${show(iss.input)}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
};
const bool = () => z.boolean({ error: (iss) => `expected true or false, got ${show(iss.input)}` });
const text = () => z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' });
const strings = () => z.array(text(), { error: 'expected a list of non-empty strings' });
/** Credentials: a list of strings each at least `min` long (the message never shows the value). */
const secrets = (min: number, what: string) =>
  z.array(z.string({ error: 'expected a string' }).min(min, { error: `${what} must be at least ${min} characters long` }),
    { error: 'expected a list of non-empty strings' });

/** A setting from a number variable. */
const envInt = (env: string, min: number, max: number) => fromEnv(int(min, max), { env, kind: 'number' });
const envBool = (env: string) => fromEnv(bool(), { env, kind: 'bool' });

/** A set of codejail limits: names and values checked as a request's are. */
const limitSet = (what: string) => z.record(z.string(), z.unknown(), { error: `expected an object of limit names (${LIMIT_NAMES.join(', ')}) to values` })
  .superRefine((o, ctx) => {
    for (const [name, value] of Object.entries(o)) {
      const problem = (LIMIT_NAMES as readonly string[]).includes(name)
        ? limitValueProblem(name as LimitName, value)
        : `unknown limit name (expected one of ${LIMIT_NAMES.join(', ')})`;
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  }).transform((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, normalLimitValue(v as number | boolean | null)])) as Partial<CodejailLimits>)
  .meta({ description: what });

const MAXIMA_NAMES = ['CPU', 'REALTIME', 'VMEM', 'FSIZE'] as const;

/** An RSA public key as a JWK (RS256 tokens are checked against these). */
const rsaJwk = z.custom<JWK>(
  (k) => typeof k === 'object' && k !== null && (k as JWK).kty === 'RSA' && typeof (k as JWK).n === 'string' && typeof (k as JWK).e === 'string',
  { error: 'expected an RSA public JWK with kty "RSA", n and e' },
).refine((k) => k.d === undefined, { error: 'contains a private key ("d"); configure public keys only' });
const jwks = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as { keys?: unknown }).keys) ? (v as { keys: unknown[] }).keys : v),
  z.array(rsaJwk, { error: 'expected a JWK set {"keys": [...]} or a list of JWKs' }),
);

/** The configuration file's shape (all optional there), with each setting's default and variable. */
export const SettingsSchema = z.strictObject({
  host: fromEnv(text(), { env: 'HOST', kind: 'string' }).default('127.0.0.1'),
  port: envInt('PORT', 0, 65535).default(8550),
  workers: envInt('CODEJAIL_WASM_WORKERS', 1, 1024).default(Math.max(1, availableParallelism()))
    .meta({ description: "Most workers per image (CODEJAIL_WASM_WARM_WORKERS of the default image's are kept running; the others start on demand)" }),
  /** Workers of the default image kept running while the service is idle (at most `workers`);
   * the others start when requests wait for one and stop after `idleWorkerMs` idle. */
  warmWorkers: envInt('CODEJAIL_WASM_WARM_WORKERS', 1, 1024).default(DEFAULT_WARM_WORKERS)
    .meta({ description: 'Workers of the default image kept running while idle (the rest of CODEJAIL_WASM_WORKERS start on demand)' }),
  /** How long an idle worker beyond the warm ones lives, milliseconds (0: until shutdown). */
  idleWorkerMs: envInt('CODEJAIL_WASM_IDLE_WORKER_MS', 0, 24 * 3600 * 1000).default(DEFAULT_IDLE_WORKER_MS),
  /** Requests waiting for a worker beyond this are refused with 503 (default: workers x 16). */
  queueLimit: envInt('CODEJAIL_WASM_QUEUE_LIMIT', 0, 1_000_000).optional(),
  /** Cap on captured stdout / stderr of one run, bytes. */
  outputLimitBytes: envInt('CODEJAIL_WASM_OUTPUT_LIMIT_BYTES', 1024, 2 ** 31).default(16 * 1024 * 1024),
  /** Bound on the text one answer carries (emsg, globals, stdout/stderr shown), bytes. */
  answerLimitBytes: envInt('CODEJAIL_WASM_ANSWER_LIMIT_BYTES', 64 * 1024, 2 ** 30).default(DEFAULT_ANSWER_LIMIT_BYTES),
  /** Largest accepted request body, bytes (413 beyond). */
  maxBodyBytes: envInt('CODEJAIL_WASM_MAX_BODY_BYTES', 1024, 2 ** 31).default(32 * 1024 * 1024),
  /** Per-request deadline, milliseconds (504 beyond). */
  requestTimeoutMs: envInt('CODEJAIL_WASM_REQUEST_TIMEOUT_MS', 1, 24 * 3600 * 1000).default(60_000),
  /** How long shutdown waits for in-flight requests, milliseconds. */
  shutdownGraceMs: envInt('CODEJAIL_WASM_SHUTDOWN_GRACE_MS', 0, 24 * 3600 * 1000).default(30_000),
  /** codejail's LIMITS: the defaults of every run. */
  limits: fromEnv(limitSet("codejail's LIMITS"), { envPrefix: 'CODEJAIL_WASM_LIMIT_', keys: LIMIT_NAMES }).default({}),
  /** codejail's LIMIT_OVERRIDES: limit_overrides_context (course key) -> limits. */
  limitOverrides: fromEnv(z.record(z.string(), limitSet('overrides for one context'), { error: 'expected an object mapping limit_overrides_context to limits' })
    .superRefine((o, ctx) => {
      if ('' in o) ctx.addIssue({ code: 'custom', path: [], message: 'an empty context name can never be selected (codejail ignores falsy contexts)' });
    }), { env: 'CODEJAIL_WASM_LIMIT_OVERRIDES', kind: 'json', merge: true }).default({}),
  /** Operator maxima: no request or configured limit gets more. */
  maxima: fromEnv(z.record(z.string(), z.unknown(), { error: 'expected an object with CPU, REALTIME, VMEM, FSIZE' }).superRefine((o, ctx) => {
    for (const [name, value] of Object.entries(o)) {
      const problem = !(MAXIMA_NAMES as readonly string[]).includes(name) ? 'unknown maximum (expected CPU, REALTIME, VMEM or FSIZE)'
        : limitValueProblem(name as LimitName, value) ?? (value === 0 && name !== 'FSIZE' ? 'must be greater than 0' : null);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  }).transform((o) => o as Partial<Record<(typeof MAXIMA_NAMES)[number], number>>), { envPrefix: 'CODEJAIL_WASM_MAX_', keys: MAXIMA_NAMES }).default({}),
  auth: z.strictObject({
    /** Opaque bearer tokens accepted as-is (compared in constant time). */
    tokens: fromEnv(secrets(16, 'auth tokens'), { env: 'CODEJAIL_WASM_AUTH_TOKENS', kind: 'list' }).default([]),
    jwt: z.strictObject({
      /** Shared secrets accepted for HS256-signed tokens. */
      hs256Secrets: fromEnv(secrets(32, 'HS256 secrets'), { env: 'CODEJAIL_WASM_JWT_HS256_SECRETS', kind: 'list' }).default([]),
      /** RSA public keys accepted for RS256-signed tokens. */
      jwks: fromEnv(jwks, { env: 'CODEJAIL_WASM_JWT_JWKS', kind: 'json' }).default([]),
      /** Accepted issuers (`iss`); empty = not checked. */
      issuers: fromEnv(strings(), { env: 'CODEJAIL_WASM_JWT_ISSUERS', kind: 'list' }).default([]),
      /** Accepted audiences (`aud`); empty = not checked. */
      audiences: fromEnv(strings(), { env: 'CODEJAIL_WASM_JWT_AUDIENCES', kind: 'list' }).default([]),
      /** Clock skew allowance for exp/nbf, seconds. */
      leewaySeconds: envInt('CODEJAIL_WASM_JWT_LEEWAY_SECONDS', 0, 3600).default(30),
      /** Refuse tokens without an `exp` claim. */
      requireExp: envBool('CODEJAIL_WASM_JWT_REQUIRE_EXP').default(true),
    }, { error: 'expected an object' }).prefault({}),
  }, { error: 'expected an object' }).prefault({}),
  /** Permit listening on a non-loopback address without authentication. */
  allowUnauthenticated: envBool('CODEJAIL_WASM_ALLOW_UNAUTHENTICATED').default(false),
  /** Include submitted code in the request log lines. */
  logCode: envBool('CODEJAIL_WASM_LOG_CODE').default(false),
  /** codejail-service's CODEJAIL_ENABLED switch for /api/v0/code-exec. */
  codeExecEnabled: envBool('CODEJAIL_WASM_CODE_EXEC_ENABLED').default(true),
  /** Limits on an uploaded python_lib.zip. */
  zip: z.strictObject({
    maxEntries: int(1, 1_000_000).default(10_000),
    maxUncompressedBytes: int(1, 2 ** 40).default(256 * 1024 * 1024),
    maxRatio: num(1, 1e6).default(200),
  }, { error: 'expected an object' }).prefault({}),
  /** Serve the playground page at /playground/ (off by default). */
  playground: envBool('CODEJAIL_WASM_PLAYGROUND').default(false),
  /** Let the playground compare with the native legacy runner: runs code UNSANDBOXED, loopback only. */
  playgroundLegacy: envBool('CODEJAIL_WASM_PLAYGROUND_LEGACY').default(false),
  /** Image configuration file (python-wasm/layers/images.json format); the committed default when absent. */
  imagesConfig: fromEnv(text(), { env: 'CODEJAIL_WASM_IMAGES_CONFIG', kind: 'string' }).optional(),
  /** Images to start (all configured ones, plus numpy's when built, when absent). */
  images: fromEnv(strings(), { env: 'CODEJAIL_WASM_IMAGES', kind: 'list' }).optional(),
  /** The image for requests that name none and whose course has no mapping. */
  defaultImage: fromEnv(text(), { env: 'CODEJAIL_WASM_DEFAULT_IMAGE', kind: 'string' }).optional(),
  /** limit_overrides_context (course key) -> image name. */
  courseImages: fromEnv(z.record(z.string(), text(), { error: 'expected an object mapping course keys to image names' }),
    { env: 'CODEJAIL_WASM_COURSE_IMAGES', kind: 'json', merge: true }).default({}),
}, { error: 'expected a JSON object at top level' });

export type Settings = z.output<typeof SettingsSchema>;

