// codejail's resource-limit semantics (codejail/jail_code.py: LIMITS, set_limit,
// override_limit, get_effective_limits), plus the operator maxima this service adds.
import { BadRequestError } from './types.js';
import type { CodejailLimits, LimitName, LimitPolicy } from './types.js';

/** codejail's DEFAULT_LIMITS, exactly. */
export const DEFAULT_LIMITS: Readonly<CodejailLimits> = Object.freeze({
  CPU: 1,
  REALTIME: 1,
  VMEM: 0,
  FSIZE: 0,
  NPROC: 15,
  PROXY: null,
});

export const LIMIT_NAMES: readonly LimitName[] = ['CPU', 'REALTIME', 'VMEM', 'FSIZE', 'NPROC', 'PROXY'];

/** Default operator maxima: no request (or configured limit) gets more than this. */
export const DEFAULT_MAXIMA: Readonly<LimitPolicy['maxima']> = Object.freeze({
  CPU: 60,                  // seconds
  REALTIME: 120,            // seconds
  VMEM: 2 * 1024 ** 3,      // bytes (2 GiB; wasm32 linear memory tops out at 4 GiB)
  FSIZE: 64 * 1024 ** 2,    // bytes
});

/** Values above these are rejected outright as nonsense (not merely clamped). */
const ABSURD: Record<Exclude<LimitName, 'PROXY'>, number> = {
  CPU: 7 * 24 * 3600,
  REALTIME: 7 * 24 * 3600,
  VMEM: 2 ** 50,
  FSIZE: 2 ** 50,
  NPROC: 1_000_000,
};
/** Limits that must be whole numbers (rlimits in bytes / counts). CPU and REALTIME may be fractional seconds. */
const INTEGRAL = new Set<LimitName>(['VMEM', 'FSIZE', 'NPROC']);

export function isLimitName(name: string): name is LimitName {
  return (LIMIT_NAMES as readonly string[]).includes(name);
}

/** What is wrong with a value for limit `name` ("must not be negative"), or null. */
export function limitValueProblem(name: LimitName, value: unknown): string | null {
  if (name === 'PROXY') {
    // codejail: None = decide by environment, 1 = use a proxy process, 0 = don't. Meaningless here
    // (there are no processes), accepted for compatibility.
    return value === null || value === true || value === false || value === 0 || value === 1 ? null : 'must be null, 0 or 1';
  }
  if (typeof value !== 'number') return 'must be a number';
  if (!Number.isFinite(value)) return 'must be a finite number';
  if (value < 0) return 'must not be negative';
  if (INTEGRAL.has(name) && !Number.isInteger(value)) return 'must be an integer';
  if (value > ABSURD[name]) return `is unreasonably large (at most ${ABSURD[name]})`;
  return null;
}

/** One limit value, normalised (PROXY true/false -> 1/0); a problem is a BadRequestError naming `field`. */
export function validateLimitValue(name: LimitName, value: unknown, field: string): number | null {
  const problem = limitValueProblem(name, value);
  if (problem) throw new BadRequestError(field, `${field}: ${problem}`);
  return normalLimitValue(value as number | boolean | null);
}

/** A valid limit value as the jail uses it: PROXY's true/false become 1/0. */
export function normalLimitValue(value: number | boolean | null): number | null {
  return value === true ? 1 : value === false ? 0 : value;
}

/**
 * Validate a (partial) limits object, e.g. a request's `limits` or a configured override set.
 * Unknown names, wrong types, negative / non-finite / absurd values -> BadRequestError naming the field.
 */
export function validateLimits(input: unknown, field = 'limits'): Partial<CodejailLimits> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new BadRequestError(field, `${field}: must be an object mapping limit names to values`);
  }
  const out: Partial<CodejailLimits> = {};
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    const f = `${field}.${name}`;
    if (!isLimitName(name)) {
      throw new BadRequestError(f, `${f}: unknown limit name (expected one of ${LIMIT_NAMES.join(', ')})`);
    }
    if (value === undefined) continue;
    const v = validateLimitValue(name, value, f);
    if (name === 'PROXY') out.PROXY = v;
    else out[name] = v as number;
  }
  return out;
}

function definedOnly(obj: Partial<CodejailLimits> | undefined): Partial<CodejailLimits> {
  const out: Record<string, unknown> = {};
  if (!obj) return out as Partial<CodejailLimits>;
  for (const name of LIMIT_NAMES) {
    if (Object.prototype.hasOwnProperty.call(obj, name) && obj[name] !== undefined) out[name] = obj[name];
  }
  return out as Partial<CodejailLimits>;
}

/** The overrides configured for a context (codejail: a falsy or unknown context means none). */
export function overridesFor(policy: LimitPolicy, context: string | null | undefined): Partial<CodejailLimits> {
  if (!context) return {};
  if (!Object.prototype.hasOwnProperty.call(policy.overrides, context)) return {};
  return definedOnly(policy.overrides[context]);
}

/** Clamp a limit set to the operator maxima: 0 ("unlimited") for CPU/REALTIME/VMEM becomes the maximum. */
export function clampLimits(limits: CodejailLimits, maxima: LimitPolicy['maxima']): CodejailLimits {
  const out = { ...limits };
  for (const name of ['CPU', 'REALTIME', 'VMEM'] as const) {
    const v = out[name];
    out[name] = v === 0 || v > maxima[name] ? maxima[name] : v;
  }
  // FSIZE 0 means "no file may be written": it stays 0.
  if (out.FSIZE > maxima.FSIZE) out.FSIZE = maxima.FSIZE;
  return out;
}

/**
 * codejail's get_effective_limits with this service's additions:
 *
 *   {**LIMITS, **LIMIT_OVERRIDES[context]}
 *
 * where LIMITS is the operator's defaults with the caller's per-request `requested` limits laid
 * over them (a caller's own LIMITS replace the defaults), and the course overrides for the
 * context apply on top. As in codejail's override_limit, an override of PROXY is ignored.
 * The result is clamped to policy.maxima.
 */
export function effectiveLimits(
  policy: LimitPolicy,
  context?: string | null,
  requested?: Partial<CodejailLimits>,
): CodejailLimits {
  // `requested` was checked where the request entered the jail (request.ts).
  const base: CodejailLimits = { ...DEFAULT_LIMITS, ...definedOnly(policy.defaults), ...definedOnly(requested) };
  const overrides = overridesFor(policy, context);
  const { PROXY: _ignoredProxy, ...rest } = overrides;
  void _ignoredProxy;
  return clampLimits({ ...base, ...rest }, policy.maxima);
}

/** A policy with codejail's defaults, no overrides, and the default maxima. */
export function defaultPolicy(): LimitPolicy {
  return { defaults: { ...DEFAULT_LIMITS }, overrides: {}, maxima: { ...DEFAULT_MAXIMA } };
}
