// Service configuration: each setting's default, then a JSON file (path in CODEJAIL_WASM_CONFIG),
// then environment variables (env wins), all as settings.ts declares them. Validated as a whole:
// every problem is reported at once, named by where it came from (the variable, or the file
// and the setting's path in it).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import * as z from 'zod';
import { DEFAULT_LIMITS, DEFAULT_MAXIMA } from '../jail/limits.js';
import type { CodejailLimits, LimitPolicy } from '../jail/types.js';
import { envRegistry, SettingsSchema, type EnvMeta, type Settings } from './settings.js';

export type Config = Omit<Settings, 'limits' | 'limitOverrides' | 'maxima' | 'queueLimit'> & {
  /** Requests waiting for a worker beyond this are refused with 503. */
  queueLimit: number;
  limits: LimitPolicy;
};
export type AuthConfig = Config['auth'];
export type JwtConfig = AuthConfig['jwt'];
export type ZipConfig = Config['zip'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** The settings' values from the declarations alone (no file, no environment). */
export function defaultConfig(): Config {
  return toConfig(SettingsSchema.parse({}));
}

function toConfig(s: Settings): Config {
  const { limits, limitOverrides, maxima, queueLimit, ...rest } = s;
  return {
    ...rest,
    queueLimit: queueLimit ?? s.workers * 16,
    limits: {
      defaults: { ...DEFAULT_LIMITS, ...limits } as CodejailLimits,
      overrides: limitOverrides,
      maxima: { ...DEFAULT_MAXIMA, ...maxima },
    },
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
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An environment variable's text as a value of its kind, or the problem with it. */
function envValue(name: string, raw: string, kind: EnvMeta['kind']): { value: unknown } | { problem: string } {
  const t = raw.trim();
  switch (kind) {
    case 'number':
      return /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t) ? { value: Number(t) } : { problem: `${name}: expected a number, got ${JSON.stringify(raw)}` };
    case 'bool': {
      const l = t.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(l)) return { value: true };
      if (['0', 'false', 'no', 'off', ''].includes(l)) return { value: false };
      return { problem: `${name}: expected 1/0/true/false, got ${JSON.stringify(raw)}` };
    }
    case 'list':
      return { value: raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0) };
    case 'json':
      try {
        return { value: JSON.parse(raw) };
      } catch (e) {
        return { problem: `${name}: not valid JSON (${(e as Error).message})` };
      }
    default:
      return { value: t };
  }
}

/** The inner schema of optional/default wrappers, where the object shape or its metadata is. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s as z.ZodType & { _zod: { def: { innerType?: z.ZodType; in?: z.ZodType } } };
  for (;;) {
    const d = cur._zod.def;
    const inner = d.innerType ?? (cur instanceof z.ZodPipe ? d.in : undefined);
    if (!inner || envRegistry.has(cur)) return cur;
    cur = inner as typeof cur;
  }
}

/**
 * Lay the environment over the file's settings, as settings.ts declares each variable: returns
 * the merged settings and, by dotted path, which variable set each one.
 */
function applyEnv(file: Obj, env: Env, problems: string[]): { merged: Obj; sources: Map<string, string> } {
  const sources = new Map<string, string>();
  const walk = (shape: Record<string, z.ZodType>, into: Obj, path: string[]) => {
    for (const [key, schema] of Object.entries(shape)) {
      const inner = unwrap(schema);
      const meta = envRegistry.get(inner);
      const at = [...path, key];
      if (meta?.env) {
        const raw = env[meta.env];
        if (raw === undefined || (meta.kind !== 'list' && meta.kind !== 'bool' && raw.trim() === '')) continue;
        const r = envValue(meta.env, raw, meta.kind);
        if ('problem' in r) {
          problems.push(r.problem);
          continue;
        }
        into[key] = meta.merge && isObj(into[key]) && isObj(r.value) ? { ...(into[key] as Obj), ...r.value } : r.value;
        sources.set(at.join('.'), meta.env);
      } else if (meta?.envPrefix) {
        for (const k of meta.keys ?? []) {
          const name = meta.envPrefix + k;
          const raw = env[name];
          if (raw === undefined || raw.trim() === '') continue;
          const r = ['none', 'null'].includes(raw.trim().toLowerCase()) ? { value: null } : envValue(name, raw, 'number');
          if ('problem' in r) {
            problems.push(r.problem);
            continue;
          }
          into[key] = { ...(isObj(into[key]) ? (into[key] as Obj) : {}), [k]: r.value };
          sources.set([...at, k].join('.'), name);
        }
      } else if (inner instanceof z.ZodObject) {
        const sub = isObj(into[key]) ? { ...(into[key] as Obj) } : {};
        walk(inner.shape as Record<string, z.ZodType>, sub, at);
        if (Object.keys(sub).length > 0 || into[key] !== undefined) into[key] = isObj(into[key]) || into[key] === undefined ? sub : into[key];
      }
    }
  };
  const merged = { ...file };
  walk(SettingsSchema.shape as Record<string, z.ZodType>, merged, []);
  return { merged, sources };
}

/** A zod issue as a problem named by its source: "CODEJAIL_WASM_WORKERS: ..." or "/etc/cj.json: workers: ...". */
function describeIssue(issue: z.core.$ZodIssue, sources: Map<string, string>, file: string): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
  return keys.map((unknownKey) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    for (let n = path.length; n > 0; n--) {
      const env = sources.get(path.slice(0, n).join('.'));
      if (env) return `${pathText([env, ...path.slice(n)])}: ${issue.message}`;
    }
    if (unknownKey !== undefined) return `${file}: unknown setting "${pathText([...path, unknownKey])}"`;
    return path.length > 0 ? `${file}: ${pathText(path)}: ${issue.message}` : `${file}: ${issue.message}`;
  }).join('\n');
}

/** ["auth", "jwt", "jwks", 0] -> "auth.jwt.jwks[0]". */
const pathText = (path: (string | number)[]) =>
  path.reduce<string>((at, p) => (typeof p === 'number' ? `${at}[${p}]` : at ? `${at}.${p}` : p), '');

export interface LoadOptions {
  env?: Env;
  /** Reads the config file (tests inject this). */
  readFile?: (path: string) => string;
}

/**
 * The one check across settings: no default limit above its maximum. Each side is read on its own
 * (a wrong one counts as its default), so this is reported together with the settings' own problems.
 */
function defaultsAboveMaxima(merged: Obj): string[] {
  const part = <K extends 'limits' | 'maxima'>(key: K) => {
    const r = SettingsSchema.shape[key].safeParse(merged[key]);
    return r.success ? (r.data as Settings[K]) : {};
  };
  const d = { ...DEFAULT_LIMITS, ...part('limits') };
  const m = { ...DEFAULT_MAXIMA, ...part('maxima') };
  return (['CPU', 'REALTIME', 'VMEM', 'FSIZE'] as const)
    .filter((name) => (d[name] ?? 0) > m[name])
    .map((name) => `default ${name} limit ${d[name]} exceeds the maximum ${m[name]}`);
}

/** Build the configuration from the declared defaults, the file named by CODEJAIL_WASM_CONFIG, and env. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems: string[] = [];
  const path = env.CODEJAIL_WASM_CONFIG;
  let file: unknown = {};
  if (path) {
    try {
      file = JSON.parse(readFile(path));
    } catch (e) {
      problems.push(e instanceof SyntaxError ? `${path}: not valid JSON (${e.message})` : `CODEJAIL_WASM_CONFIG: cannot read ${path}: ${(e as Error).message}`);
    }
  }
  if (!isObj(file)) {
    problems.push(`${path}: expected a JSON object at top level`);
    file = {};
  }
  const { merged, sources } = applyEnv(file as Obj, env, problems);
  const parsed = SettingsSchema.safeParse(merged);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((i) => describeIssue(i, sources, path ?? 'configuration').split('\n')));
  problems.push(...defaultsAboveMaxima(merged));
  if (problems.length > 0 || !parsed.success) throw new ConfigError([...new Set(problems)]);
  const cfg = toConfig(parsed.data);
  return cfg;
}
