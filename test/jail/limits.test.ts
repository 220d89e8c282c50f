// codejail's limit semantics (jail_code.py: DEFAULT_LIMITS, set_limit, override_limit,
// get_effective_limits) plus the operator maxima.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS, DEFAULT_MAXIMA, clampLimits, defaultPolicy, effectiveLimits, validateLimits } from '../../src/jail/limits.js';
import { checkJailCodeRequest, checkSafeExecRequest } from '../../src/jail/request.js';
import { BadRequestError, type LimitPolicy } from '../../src/jail/types.js';

const huge = { CPU: 1e6, REALTIME: 1e6, VMEM: 2 ** 40, FSIZE: 2 ** 40 };
function policy(p: Partial<LimitPolicy> = {}): LimitPolicy {
  return { defaults: { ...DEFAULT_LIMITS }, overrides: {}, maxima: { ...huge }, ...p };
}

describe('DEFAULT_LIMITS', () => {
  it("are codejail's", () => {
    assert.deepEqual({ ...DEFAULT_LIMITS }, { CPU: 1, REALTIME: 1, VMEM: 0, FSIZE: 0, NPROC: 15, PROXY: null });
    assert.ok(Object.isFrozen(DEFAULT_LIMITS));
  });
});

describe('effectiveLimits', () => {
  it('no context -> LIMITS as-is (0 VMEM is unlimited, clamped to the maximum)', () => {
    const eff = effectiveLimits(policy());
    assert.deepEqual(eff, { CPU: 1, REALTIME: 1, VMEM: huge.VMEM, FSIZE: 0, NPROC: 15, PROXY: null });
  });

  it('set_limit: configured defaults replace codejail defaults', () => {
    const eff = effectiveLimits(policy({ defaults: { ...DEFAULT_LIMITS, CPU: 3, REALTIME: 5, VMEM: 80000000 } }));
    assert.equal(eff.CPU, 3);
    assert.equal(eff.REALTIME, 5);
    assert.equal(eff.VMEM, 80000000);
  });

  it("override_limit: the context's overrides apply over LIMITS ({**LIMITS, **overrides})", () => {
    const p = policy({ overrides: { 'course-v1:edX+Big+2024': { REALTIME: 10, VMEM: 500000000 } } });
    const eff = effectiveLimits(p, 'course-v1:edX+Big+2024');
    assert.deepEqual(eff, { CPU: 1, REALTIME: 10, VMEM: 500000000, FSIZE: 0, NPROC: 15, PROXY: null });
  });

  it('an unknown, empty or null context means no overrides', () => {
    const p = policy({ overrides: { a: { CPU: 9 } } });
    for (const ctx of ['b', '', null, undefined]) assert.equal(effectiveLimits(p, ctx).CPU, 1);
  });

  it('prototype names are not contexts', () => {
    const p = policy();
    assert.equal(effectiveLimits(p, '__proto__').CPU, 1);
    assert.equal(effectiveLimits(p, 'constructor').CPU, 1);
  });

  it("the caller's requested limits replace the defaults; course overrides still win", () => {
    const p = policy({ overrides: { c: { CPU: 4 } } });
    assert.equal(effectiveLimits(p, null, { CPU: 2, FSIZE: 1000 }).CPU, 2);
    assert.equal(effectiveLimits(p, null, { CPU: 2, FSIZE: 1000 }).FSIZE, 1000);
    const eff = effectiveLimits(p, 'c', { CPU: 2, FSIZE: 1000 });
    assert.equal(eff.CPU, 4);
    assert.equal(eff.FSIZE, 1000);
  });

  it('PROXY cannot be overridden per context (codejail ignores it)', () => {
    const p = policy({ overrides: { c: { PROXY: 1, CPU: 2 } } });
    const eff = effectiveLimits(p, 'c');
    assert.equal(eff.PROXY, null);
    assert.equal(eff.CPU, 2);
  });

  it('clamps to the maxima; 0 = unlimited becomes the maximum for CPU/REALTIME/VMEM; FSIZE 0 stays 0', () => {
    const p = policy({ maxima: { CPU: 10, REALTIME: 20, VMEM: 1000, FSIZE: 500 } });
    assert.deepEqual(effectiveLimits(p, null, { CPU: 0, REALTIME: 0, VMEM: 0, FSIZE: 0 }), {
      CPU: 10, REALTIME: 20, VMEM: 1000, FSIZE: 0, NPROC: 15, PROXY: null,
    });
    assert.deepEqual(effectiveLimits(p, null, { CPU: 99, REALTIME: 99, VMEM: 99999, FSIZE: 99999 }), {
      CPU: 10, REALTIME: 20, VMEM: 1000, FSIZE: 500, NPROC: 15, PROXY: null,
    });
    const o = policy({ maxima: { CPU: 10, REALTIME: 20, VMEM: 1000, FSIZE: 500 }, overrides: { big: { CPU: 1000 } } });
    assert.equal(effectiveLimits(o, 'big').CPU, 10);
  });

  it('fractional seconds are kept', () => {
    assert.equal(effectiveLimits(policy(), null, { REALTIME: 0.5 }).REALTIME, 0.5);
  });

  it('default policy uses the default maxima', () => {
    assert.deepEqual(defaultPolicy().maxima, { ...DEFAULT_MAXIMA });
    assert.equal(clampLimits({ ...DEFAULT_LIMITS }, DEFAULT_MAXIMA).VMEM, DEFAULT_MAXIMA.VMEM);
  });
});

describe('validateLimits', () => {
  function fails(input: unknown, field: string, re: RegExp) {
    assert.throws(
      () => validateLimits(input),
      (e: unknown) => e instanceof BadRequestError && e.field === field && re.test(e.message),
      `${JSON.stringify(input)} should fail on ${field}`,
    );
  }
  it('accepts every codejail limit name', () => {
    assert.deepEqual(validateLimits({ CPU: 1, REALTIME: 2.5, VMEM: 0, FSIZE: 100, NPROC: 15, PROXY: null }), {
      CPU: 1, REALTIME: 2.5, VMEM: 0, FSIZE: 100, NPROC: 15, PROXY: null,
    });
    assert.deepEqual(validateLimits({ PROXY: 1 }), { PROXY: 1 });
    assert.deepEqual(validateLimits({ PROXY: false }), { PROXY: 0 });
  });
  it('rejects bad names and values, naming the field', () => {
    fails([], 'limits', /must be an object/);
    fails(null, 'limits', /must be an object/);
    fails({ MEMORY: 1 }, 'limits.MEMORY', /unknown limit name/);
    fails({ CPU: '1' }, 'limits.CPU', /must be a number/);
    fails({ CPU: true }, 'limits.CPU', /must be a number/);
    fails({ CPU: -1 }, 'limits.CPU', /negative/);
    fails({ REALTIME: Infinity }, 'limits.REALTIME', /finite/);
    fails({ REALTIME: NaN }, 'limits.REALTIME', /finite/);
    fails({ VMEM: 1.5 }, 'limits.VMEM', /integer/);
    fails({ NPROC: 1e9 }, 'limits.NPROC', /unreasonably large/);
    fails({ CPU: 1e9 }, 'limits.CPU', /unreasonably large/);
    fails({ FSIZE: 2 ** 60 }, 'limits.FSIZE', /unreasonably large/);
    fails({ PROXY: 2 }, 'limits.PROXY', /null, 0 or 1/);
  });
  it('a request\'s limits are validated where it enters the jail, once', () => {
    assert.throws(() => checkJailCodeRequest({ command: 'python', limits: { CPU: -5 } }), BadRequestError);
    assert.throws(() => checkSafeExecRequest({ code: '', globalsJson: '{}', limits: { CPU: -5 } }), BadRequestError);
  });
});
