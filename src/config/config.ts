// Service configuration: defaults, then a JSON file (path in CODEJAIL_WASM_CONFIG), then
// environment variables (env wins). Validated as a whole; every problem is reported at once.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';
import { DEFAULT_LIMITS, DEFAULT_MAXIMA, LIMIT_NAMES, validateLimitValue } from '../jail/limits.js';
import { DEFAULT_ANSWER_LIMIT_BYTES } from '../jail/runOutput.js';
import type { CodejailLimits, LimitName, LimitPolicy } from '../jail/types.js';

export interface JwtConfig {
  /** Shared secrets accepted for HS256-signed tokens. */
  hs256Secrets: string[];
  /** RSA public keys (JWK form, kty "RSA") accepted for RS256-signed tokens. */
  jwks: JsonWebKey[];
  /** Accepted issuers (`iss`); empty = not checked. */
  issuers: string[];
  /** Accepted audiences (`aud`); empty = not checked. */
  audiences: string[];
  /** Clock skew allowance for exp/nbf, seconds. */
  leewaySeconds: number;
  /** Refuse tokens without an `exp` claim. */
  requireExp: boolean;
}

export interface AuthConfig {
  /** Opaque bearer tokens accepted as-is (compared in constant time). */
  tokens: string[];
  jwt: JwtConfig;
}

export interface ZipConfig {
  maxEntries: number;
  maxUncompressedBytes: number;
  maxRatio: number;
}

export interface Config {
  host: string;
  port: number;
  workers: number;
  /** Requests waiting for a worker beyond this are refused with 503. */
  queueLimit: number;
  /** Cap on captured stdout / stderr of one run, bytes. */
  outputLimitBytes: number;
  /** Bound on the text one answer carries (emsg, globals, stdout/stderr shown), bytes. */
  answerLimitBytes: number;
  /** Largest accepted request body, bytes (413 beyond). */
  maxBodyBytes: number;
  /** Per-request deadline, milliseconds (504 beyond). */
  requestTimeoutMs: number;
  /** How long shutdown waits for in-flight requests, milliseconds. */
  shutdownGraceMs: number;
  limits: LimitPolicy;
  auth: AuthConfig;
  /** Permit listening on a non-loopback address without authentication. */
  allowUnauthenticated: boolean;
  /** Include submitted code in the request log lines. */
  logCode: boolean;
  /** codejail-service's CODEJAIL_ENABLED switch for /api/v0/code-exec. */
  codeExecEnabled: boolean;
  zip: ZipConfig;
  /** Serve the playground page at /playground/ (off by default). */
  playground: boolean;
  /** Let the playground compare with the native legacy runner: runs code UNSANDBOXED, loopback only. */
  playgroundLegacy: boolean;
  /** Image configuration file (python-wasm/layers/images.json format); the committed default when absent. */
  imagesConfig?: string;
  /** Images to start (all configured ones, plus numpy's when built, when absent). */
  images?: string[];
  /** The image for requests that name none and whose course has no mapping. */
  defaultImage?: string;
  /** limit_overrides_context (course key) -> image name. */
  courseImages: Record<string, string>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function defaultConfig(): Config {
  const workers = Math.max(1, availableParallelism());
  return {
    host: '127.0.0.1',
    port: 8550,
    workers,
    queueLimit: workers * 16,
    outputLimitBytes: 16 * 1024 * 1024,
    answerLimitBytes: DEFAULT_ANSWER_LIMIT_BYTES,
    maxBodyBytes: 32 * 1024 * 1024,
    requestTimeoutMs: 60_000,
    shutdownGraceMs: 30_000,
    limits: { defaults: { ...DEFAULT_LIMITS }, overrides: {}, maxima: { ...DEFAULT_MAXIMA } },
    auth: {
      tokens: [],
      jwt: { hs256Secrets: [], jwks: [], issuers: [], audiences: [], leewaySeconds: 30, requireExp: true },
    },
    allowUnauthenticated: false,
    logCode: false,
    playground: false,
    playgroundLegacy: false,
    courseImages: {},
    codeExecEnabled: true,
    zip: { maxEntries: 10_000, maxUncompressedBytes: 256 * 1024 * 1024, maxRatio: 200 },
  };
}

export function authEnabled(auth: AuthConfig): boolean {
  return auth.tokens.length > 0 || auth.jwt.hs256Secrets.length > 0 || auth.jwt.jwks.length > 0;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (h.startsWith('::ffff:')) return isLoopbackHost(h.slice(7));
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Main refuses to expose an unauthenticated service beyond loopback unless explicitly allowed. */
export function exposureProblem(config: Config): string | null {
  if (config.playgroundLegacy && !isLoopbackHost(config.host)) {
    return `refusing to serve the playground's legacy comparison (native, unsandboxed Python) on non-loopback HOST ${config.host}`;
  }
  if (isLoopbackHost(config.host) || authEnabled(config.auth) || config.allowUnauthenticated) return null;
  return (
    `refusing to listen on non-loopback HOST ${config.host} without authentication: configure ` +
    `CODEJAIL_WASM_AUTH_TOKENS / CODEJAIL_WASM_JWT_HS256_SECRETS / CODEJAIL_WASM_JWT_JWKS ` +
    `(or auth in the config file), or set CODEJAIL_WASM_ALLOW_UNAUTHENTICATED=1`
  );
}

type Env = Record<string, string | undefined>;

class Collector {
  readonly problems: string[] = [];
  add(p: string): void {
    this.problems.push(p);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function intIn(c: Collector, where: string, v: unknown, min: number, max: number): number | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    c.add(`${where}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}
function numIn(c: Collector, where: string, v: unknown, min: number, max: number): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    c.add(`${where}: expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}
function bool(c: Collector, where: string, v: unknown): boolean | undefined {
  if (typeof v !== 'boolean') {
    c.add(`${where}: expected true or false, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}
function strList(c: Collector, where: string, v: unknown, nonEmpty = true): string[] | undefined {
  if (typeof v === 'string') v = [v];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && (!nonEmpty || x.length > 0))) {
    c.add(`${where}: expected a list of non-empty strings`);
    return undefined;
  }
  return v as string[];
}

function limitsObject(c: Collector, where: string, v: unknown): Partial<CodejailLimits> | undefined {
  if (!isObj(v)) {
    c.add(`${where}: expected an object of limit names (${LIMIT_NAMES.join(', ')}) to values`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(v)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(name)) {
      c.add(`${where}.${name}: unknown limit name (expected one of ${LIMIT_NAMES.join(', ')})`);
      continue;
    }
    try {
      out[name] = validateLimitValue(name as LimitName, value, `${where}.${name}`);
    } catch (e) {
      c.add((e as Error).message);
    }
  }
  return out as Partial<CodejailLimits>;
}

function jwkList(c: Collector, where: string, v: unknown): JsonWebKey[] | undefined {
  const keys = isObj(v) && Array.isArray(v.keys) ? v.keys : v;
  if (!Array.isArray(keys)) {
    c.add(`${where}: expected a JWK set {"keys": [...]} or a list of JWKs`);
    return undefined;
  }
  const out: JsonWebKey[] = [];
  keys.forEach((k, i) => {
    if (!isObj(k) || k.kty !== 'RSA' || typeof k.n !== 'string' || typeof k.e !== 'string') {
      c.add(`${where}[${i}]: expected an RSA public JWK with kty "RSA", n and e`);
      return;
    }
    if (k.d !== undefined) c.add(`${where}[${i}]: contains a private key ("d"); configure public keys only`);
    out.push(k as JsonWebKey);
  });
  return out;
}

/** Apply one config-file object over `cfg`. */
function applyFile(c: Collector, cfg: Config, file: unknown, src: string): void {
  if (!isObj(file)) {
    c.add(`${src}: expected a JSON object at top level`);
    return;
  }
  const known = new Set([
    'host', 'port', 'workers', 'queueLimit', 'outputLimitBytes', 'answerLimitBytes', 'maxBodyBytes', 'requestTimeoutMs',
    'shutdownGraceMs', 'limits', 'limitOverrides', 'maxima', 'auth', 'allowUnauthenticated', 'logCode',
    'codeExecEnabled', 'zip', 'playground', 'playgroundLegacy', 'imagesConfig', 'images', 'defaultImage',
    'courseImages',
  ]);
  for (const k of Object.keys(file)) if (!known.has(k)) c.add(`${src}: unknown setting "${k}"`);
  const w = (k: string) => `${src}: ${k}`;
  if (file.host !== undefined) {
    if (typeof file.host === 'string' && file.host) cfg.host = file.host;
    else c.add(`${w('host')}: expected a non-empty string`);
  }
  const ints: [keyof Config, number, number][] = [
    ['port', 0, 65535],
    ['workers', 1, 1024],
    ['queueLimit', 0, 1_000_000],
    ['outputLimitBytes', 1024, 2 ** 31],
    ['answerLimitBytes', 64 * 1024, 2 ** 30],
    ['maxBodyBytes', 1024, 2 ** 31],
    ['requestTimeoutMs', 1, 24 * 3600 * 1000],
    ['shutdownGraceMs', 0, 24 * 3600 * 1000],
  ];
  for (const [k, min, max] of ints) {
    if (file[k] !== undefined) {
      const v = intIn(c, w(k), file[k], min, max);
      if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
    }
  }
  for (const k of ['allowUnauthenticated', 'logCode', 'codeExecEnabled', 'playground', 'playgroundLegacy'] as const) {
    if (file[k] !== undefined) {
      const v = bool(c, w(k), file[k]);
      if (v !== undefined) cfg[k] = v;
    }
  }
  if (file.limits !== undefined) {
    const v = limitsObject(c, w('limits'), file.limits);
    if (v) Object.assign(cfg.limits.defaults, v);
  }
  if (file.limitOverrides !== undefined) applyOverrides(c, cfg, file.limitOverrides, w('limitOverrides'));
  for (const k of ['imagesConfig', 'defaultImage'] as const) {
    if (file[k] === undefined) continue;
    if (typeof file[k] === 'string' && file[k]) cfg[k] = file[k] as string;
    else c.add(`${w(k)}: expected a non-empty string`);
  }
  if (file.images !== undefined) {
    const v = strList(c, w('images'), file.images);
    if (v) cfg.images = v;
  }
  if (file.courseImages !== undefined) applyCourseImages(c, cfg, file.courseImages, w('courseImages'));
  if (file.maxima !== undefined) applyMaxima(c, cfg, file.maxima, w('maxima'));
  if (file.auth !== undefined) {
    const a = file.auth;
    if (!isObj(a)) c.add(`${w('auth')}: expected an object`);
    else {
      for (const k of Object.keys(a)) if (k !== 'tokens' && k !== 'jwt') c.add(`${w('auth')}: unknown setting "${k}"`);
      if (a.tokens !== undefined) cfg.auth.tokens = strList(c, w('auth.tokens'), a.tokens) ?? cfg.auth.tokens;
      if (a.jwt !== undefined) {
        const j = a.jwt;
        if (!isObj(j)) c.add(`${w('auth.jwt')}: expected an object`);
        else {
          const jk = new Set(['hs256Secrets', 'jwks', 'issuers', 'audiences', 'leewaySeconds', 'requireExp']);
          for (const k of Object.keys(j)) if (!jk.has(k)) c.add(`${w('auth.jwt')}: unknown setting "${k}"`);
          const J = cfg.auth.jwt;
          if (j.hs256Secrets !== undefined) J.hs256Secrets = strList(c, w('auth.jwt.hs256Secrets'), j.hs256Secrets) ?? J.hs256Secrets;
          if (j.jwks !== undefined) J.jwks = jwkList(c, w('auth.jwt.jwks'), j.jwks) ?? J.jwks;
          if (j.issuers !== undefined) J.issuers = strList(c, w('auth.jwt.issuers'), j.issuers) ?? J.issuers;
          if (j.audiences !== undefined) J.audiences = strList(c, w('auth.jwt.audiences'), j.audiences) ?? J.audiences;
          if (j.leewaySeconds !== undefined) J.leewaySeconds = intIn(c, w('auth.jwt.leewaySeconds'), j.leewaySeconds, 0, 3600) ?? J.leewaySeconds;
          if (j.requireExp !== undefined) J.requireExp = bool(c, w('auth.jwt.requireExp'), j.requireExp) ?? J.requireExp;
        }
      }
    }
  }
  if (file.zip !== undefined) {
    const z = file.zip;
    if (!isObj(z)) c.add(`${w('zip')}: expected an object`);
    else {
      for (const k of Object.keys(z)) if (!['maxEntries', 'maxUncompressedBytes', 'maxRatio'].includes(k)) c.add(`${w('zip')}: unknown setting "${k}"`);
      if (z.maxEntries !== undefined) cfg.zip.maxEntries = intIn(c, w('zip.maxEntries'), z.maxEntries, 1, 1_000_000) ?? cfg.zip.maxEntries;
      if (z.maxUncompressedBytes !== undefined) cfg.zip.maxUncompressedBytes = intIn(c, w('zip.maxUncompressedBytes'), z.maxUncompressedBytes, 1, 2 ** 40) ?? cfg.zip.maxUncompressedBytes;
      if (z.maxRatio !== undefined) cfg.zip.maxRatio = numIn(c, w('zip.maxRatio'), z.maxRatio, 1, 1e6) ?? cfg.zip.maxRatio;
    }
  }
}

function applyCourseImages(c: Collector, cfg: Config, v: unknown, where: string): void {
  if (!isObj(v)) {
    c.add(`${where}: expected an object mapping course keys to image names`);
    return;
  }
  for (const [course, image] of Object.entries(v)) {
    if (typeof image === 'string' && image) cfg.courseImages[course] = image;
    else c.add(`${where}.${course}: expected an image name`);
  }
}

function applyOverrides(c: Collector, cfg: Config, v: unknown, where: string): void {
  if (!isObj(v)) {
    c.add(`${where}: expected an object mapping limit_overrides_context to limits`);
    return;
  }
  for (const [ctx, lim] of Object.entries(v)) {
    if (ctx === '') {
      c.add(`${where}: an empty context name can never be selected (codejail ignores falsy contexts)`);
      continue;
    }
    const l = limitsObject(c, `${where}.${ctx}`, lim);
    if (l) cfg.limits.overrides[ctx] = { ...(cfg.limits.overrides[ctx] ?? {}), ...l };
  }
}

function applyMaxima(c: Collector, cfg: Config, v: unknown, where: string): void {
  if (!isObj(v)) {
    c.add(`${where}: expected an object with CPU, REALTIME, VMEM, FSIZE`);
    return;
  }
  for (const [k, val] of Object.entries(v)) {
    if (k !== 'CPU' && k !== 'REALTIME' && k !== 'VMEM' && k !== 'FSIZE') {
      c.add(`${where}.${k}: unknown maximum (expected CPU, REALTIME, VMEM or FSIZE)`);
      continue;
    }
    try {
      const n = validateLimitValue(k, val, `${where}.${k}`) as number;
      if (n === 0 && k !== 'FSIZE') c.add(`${where}.${k}: must be greater than 0`);
      else cfg.limits.maxima[k] = n;
    } catch (e) {
      c.add((e as Error).message);
    }
  }
}

function parseEnvNumber(c: Collector, name: string, raw: string): number | undefined {
  const t = raw.trim();
  if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t)) {
    c.add(`${name}: expected a number, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  return Number(t);
}
function parseEnvBool(c: Collector, name: string, raw: string): boolean | undefined {
  const t = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(t)) return false;
  c.add(`${name}: expected 1/0/true/false, got ${JSON.stringify(raw)}`);
  return undefined;
}
function parseEnvJson(c: Collector, name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (e) {
    c.add(`${name}: not valid JSON (${(e as Error).message})`);
    return undefined;
  }
}
function splitList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export interface LoadOptions {
  env?: Env;
  /** Reads the config file (tests inject this). */
  readFile?: (path: string) => string;
}

/** Build the configuration from defaults, the file named by CODEJAIL_WASM_CONFIG, and env. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const c = new Collector();
  const cfg = defaultConfig();
  let queueLimitSet = false;

  const path = env.CODEJAIL_WASM_CONFIG;
  if (path) {
    let text: string | undefined;
    try {
      text = readFile(path);
    } catch (e) {
      c.add(`CODEJAIL_WASM_CONFIG: cannot read ${path}: ${(e as Error).message}`);
    }
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        c.add(`${path}: not valid JSON (${(e as Error).message})`);
      }
      if (parsed !== undefined) {
        applyFile(c, cfg, parsed, path);
        queueLimitSet = isObj(parsed) && parsed.queueLimit !== undefined;
      }
    }
  }

  const num = (name: string, min: number, max: number, integer: boolean, set: (v: number) => void): void => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return;
    const v = parseEnvNumber(c, name, raw);
    if (v === undefined) return;
    if ((integer && !Number.isInteger(v)) || v < min || v > max) {
      c.add(`${name}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return;
    }
    set(v);
  };
  const flag = (name: string, set: (v: boolean) => void): void => {
    const raw = env[name];
    if (raw === undefined) return;
    const v = parseEnvBool(c, name, raw);
    if (v !== undefined) set(v);
  };

  if (env.HOST !== undefined && env.HOST.trim() !== '') cfg.host = env.HOST.trim();
  num('PORT', 0, 65535, true, (v) => (cfg.port = v));
  num('CODEJAIL_WASM_WORKERS', 1, 1024, true, (v) => (cfg.workers = v));
  num('CODEJAIL_WASM_QUEUE_LIMIT', 0, 1_000_000, true, (v) => {
    cfg.queueLimit = v;
    queueLimitSet = true;
  });
  if (!queueLimitSet) cfg.queueLimit = cfg.workers * 16;
  num('CODEJAIL_WASM_OUTPUT_LIMIT_BYTES', 1024, 2 ** 31, true, (v) => (cfg.outputLimitBytes = v));
  num('CODEJAIL_WASM_ANSWER_LIMIT_BYTES', 64 * 1024, 2 ** 30, true, (v) => (cfg.answerLimitBytes = v));
  num('CODEJAIL_WASM_MAX_BODY_BYTES', 1024, 2 ** 31, true, (v) => (cfg.maxBodyBytes = v));
  num('CODEJAIL_WASM_REQUEST_TIMEOUT_MS', 1, 24 * 3600 * 1000, true, (v) => (cfg.requestTimeoutMs = v));
  num('CODEJAIL_WASM_SHUTDOWN_GRACE_MS', 0, 24 * 3600 * 1000, true, (v) => (cfg.shutdownGraceMs = v));

  for (const name of LIMIT_NAMES) {
    const key = `CODEJAIL_WASM_LIMIT_${name}`;
    const raw = env[key];
    if (raw === undefined || raw.trim() === '') continue;
    let value: unknown;
    if (name === 'PROXY' && ['none', 'null'].includes(raw.trim().toLowerCase())) value = null;
    else value = parseEnvNumber(c, key, raw);
    if (value === undefined) continue;
    try {
      const v = validateLimitValue(name, value, key);
      (cfg.limits.defaults as unknown as Record<string, unknown>)[name] = v;
    } catch (e) {
      c.add((e as Error).message);
    }
  }
  for (const name of ['CPU', 'REALTIME', 'VMEM', 'FSIZE'] as const) {
    const key = `CODEJAIL_WASM_MAX_${name}`;
    const raw = env[key];
    if (raw === undefined || raw.trim() === '') continue;
    const value = parseEnvNumber(c, key, raw);
    if (value === undefined) continue;
    applyMaxima(c, cfg, { [name]: value }, 'env');
  }
  if (env.CODEJAIL_WASM_IMAGES_CONFIG) cfg.imagesConfig = env.CODEJAIL_WASM_IMAGES_CONFIG;
  if (env.CODEJAIL_WASM_DEFAULT_IMAGE) cfg.defaultImage = env.CODEJAIL_WASM_DEFAULT_IMAGE;
  if (env.CODEJAIL_WASM_IMAGES) cfg.images = env.CODEJAIL_WASM_IMAGES.split(',').map((x) => x.trim()).filter(Boolean);
  if (env.CODEJAIL_WASM_COURSE_IMAGES) {
    const v = parseEnvJson(c, 'CODEJAIL_WASM_COURSE_IMAGES', env.CODEJAIL_WASM_COURSE_IMAGES);
    if (v !== undefined) applyCourseImages(c, cfg, v, 'CODEJAIL_WASM_COURSE_IMAGES');
  }
  if (env.CODEJAIL_WASM_LIMIT_OVERRIDES) {
    const v = parseEnvJson(c, 'CODEJAIL_WASM_LIMIT_OVERRIDES', env.CODEJAIL_WASM_LIMIT_OVERRIDES);
    if (v !== undefined) applyOverrides(c, cfg, v, 'CODEJAIL_WASM_LIMIT_OVERRIDES');
  }

  if (env.CODEJAIL_WASM_AUTH_TOKENS !== undefined) cfg.auth.tokens = splitList(env.CODEJAIL_WASM_AUTH_TOKENS);
  if (env.CODEJAIL_WASM_JWT_HS256_SECRETS !== undefined) cfg.auth.jwt.hs256Secrets = splitList(env.CODEJAIL_WASM_JWT_HS256_SECRETS);
  if (env.CODEJAIL_WASM_JWT_JWKS) {
    const v = parseEnvJson(c, 'CODEJAIL_WASM_JWT_JWKS', env.CODEJAIL_WASM_JWT_JWKS);
    if (v !== undefined) cfg.auth.jwt.jwks = jwkList(c, 'CODEJAIL_WASM_JWT_JWKS', v) ?? cfg.auth.jwt.jwks;
  }
  if (env.CODEJAIL_WASM_JWT_ISSUERS !== undefined) cfg.auth.jwt.issuers = splitList(env.CODEJAIL_WASM_JWT_ISSUERS);
  if (env.CODEJAIL_WASM_JWT_AUDIENCES !== undefined) cfg.auth.jwt.audiences = splitList(env.CODEJAIL_WASM_JWT_AUDIENCES);
  num('CODEJAIL_WASM_JWT_LEEWAY_SECONDS', 0, 3600, true, (v) => (cfg.auth.jwt.leewaySeconds = v));
  flag('CODEJAIL_WASM_JWT_REQUIRE_EXP', (v) => (cfg.auth.jwt.requireExp = v));
  flag('CODEJAIL_WASM_ALLOW_UNAUTHENTICATED', (v) => (cfg.allowUnauthenticated = v));
  flag('CODEJAIL_WASM_LOG_CODE', (v) => (cfg.logCode = v));
  flag('CODEJAIL_WASM_PLAYGROUND', (v) => (cfg.playground = v));
  flag('CODEJAIL_WASM_PLAYGROUND_LEGACY', (v) => (cfg.playgroundLegacy = v));
  flag('CODEJAIL_WASM_CODE_EXEC_ENABLED', (v) => (cfg.codeExecEnabled = v));

  // Whole-config checks.
  for (const s of cfg.auth.tokens) if (s.length < 16) c.add('auth tokens must be at least 16 characters long');
  for (const s of cfg.auth.jwt.hs256Secrets) if (s.length < 32) c.add('HS256 secrets must be at least 32 characters long');
  const d = cfg.limits.defaults;
  const m = cfg.limits.maxima;
  if (d.CPU > m.CPU) c.add(`default CPU limit ${d.CPU} exceeds the maximum ${m.CPU}`);
  if (d.REALTIME > m.REALTIME) c.add(`default REALTIME limit ${d.REALTIME} exceeds the maximum ${m.REALTIME}`);
  if (d.VMEM > m.VMEM) c.add(`default VMEM limit ${d.VMEM} exceeds the maximum ${m.VMEM}`);
  if (d.FSIZE > m.FSIZE) c.add(`default FSIZE limit ${d.FSIZE} exceeds the maximum ${m.FSIZE}`);

  if (c.problems.length > 0) throw new ConfigError([...new Set(c.problems)]);
  return cfg;
}
