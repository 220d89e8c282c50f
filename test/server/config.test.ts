// src/config: defaults, file, env (env wins), validation with every problem listed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { ConfigError, exposureProblem, isLoopbackHost, loadConfig } from '../../src/config/config.js';

function load(env: Record<string, string>, file?: unknown) {
  return loadConfig({
    env: file === undefined ? env : { CODEJAIL_WASM_CONFIG: '/etc/cj.json', ...env },
    readFile: (p) => {
      assert.equal(p, '/etc/cj.json');
      return typeof file === 'string' ? file : JSON.stringify(file);
    },
  });
}
function problems(env: Record<string, string>, file?: unknown): string[] {
  try {
    load(env, file);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /^invalid configuration:/);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults', () => {
    const c = load({});
    assert.equal(c.port, 8550);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.workers, Math.max(1, availableParallelism()));
    assert.equal(c.warmWorkers, 1);
    assert.equal(c.queueLimit, c.workers * 16);
    assert.deepEqual(c.limits.defaults, { CPU: 1, REALTIME: 1, VMEM: 0, FSIZE: 0, NPROC: 15, PROXY: null });
    assert.deepEqual(c.limits.overrides, {});
    assert.equal(c.logCode, false);
    assert.equal(c.codeExecEnabled, true);
    assert.deepEqual(c.auth.tokens, []);
  });

  it('environment variables', () => {
    const c = load({
      PORT: '9000',
      HOST: '0.0.0.0',
      CODEJAIL_WASM_WORKERS: '3',
      CODEJAIL_WASM_WARM_WORKERS: '2',
      CODEJAIL_WASM_QUEUE_LIMIT: '7',
      CODEJAIL_WASM_OUTPUT_LIMIT_BYTES: '65536',
      CODEJAIL_WASM_MAX_BODY_BYTES: '1048576',
      CODEJAIL_WASM_REQUEST_TIMEOUT_MS: '5000',
      CODEJAIL_WASM_LIMIT_CPU: '2',
      CODEJAIL_WASM_LIMIT_REALTIME: '3.5',
      CODEJAIL_WASM_LIMIT_VMEM: '100000000',
      CODEJAIL_WASM_LIMIT_FSIZE: '4096',
      CODEJAIL_WASM_LIMIT_NPROC: '20',
      CODEJAIL_WASM_LIMIT_PROXY: 'none',
      CODEJAIL_WASM_MAX_CPU: '30',
      CODEJAIL_WASM_LIMIT_OVERRIDES: '{"course-v1:a+b+c": {"CPU": 10, "REALTIME": 20}}',
      CODEJAIL_WASM_AUTH_TOKENS: 'token-number-one-0123456789, token-number-two-0123456789',
      CODEJAIL_WASM_JWT_AUDIENCES: 'openedx',
      CODEJAIL_WASM_LOG_CODE: '1',
      CODEJAIL_WASM_ALLOW_UNAUTHENTICATED: 'true',
    });
    assert.equal(c.port, 9000);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.workers, 3);
    assert.equal(c.warmWorkers, 2);
    assert.equal(c.queueLimit, 7);
    assert.equal(c.outputLimitBytes, 65536);
    assert.equal(c.maxBodyBytes, 1048576);
    assert.equal(c.requestTimeoutMs, 5000);
    assert.deepEqual(c.limits.defaults, { CPU: 2, REALTIME: 3.5, VMEM: 100000000, FSIZE: 4096, NPROC: 20, PROXY: null });
    assert.equal(c.limits.maxima.CPU, 30);
    assert.deepEqual(c.limits.overrides, { 'course-v1:a+b+c': { CPU: 10, REALTIME: 20 } });
    assert.deepEqual(c.auth.tokens, ['token-number-one-0123456789', 'token-number-two-0123456789']);
    assert.deepEqual(c.auth.jwt.audiences, ['openedx']);
    assert.equal(c.logCode, true);
    assert.equal(c.allowUnauthenticated, true);
  });

  it('queue limit follows the worker count unless set', () => {
    assert.equal(load({ CODEJAIL_WASM_WORKERS: '2' }).queueLimit, 32);
  });

  it('config file, with env overriding it', () => {
    const file = {
      port: 8000,
      workers: 2,
      limits: { CPU: 3 },
      limitOverrides: { 'course-v1:x': { REALTIME: 9 } },
      maxima: { REALTIME: 50 },
      auth: { jwt: { hs256Secrets: ['0123456789abcdef0123456789abcdef'], issuers: ['iss'], leewaySeconds: 5 } },
      zip: { maxEntries: 10 },
    };
    const c = load({ PORT: '8001' }, file);
    assert.equal(c.port, 8001);
    assert.equal(c.workers, 2);
    assert.equal(c.limits.defaults.CPU, 3);
    assert.deepEqual(c.limits.overrides, { 'course-v1:x': { REALTIME: 9 } });
    assert.equal(c.limits.maxima.REALTIME, 50);
    assert.deepEqual(c.auth.jwt.hs256Secrets, ['0123456789abcdef0123456789abcdef']);
    assert.deepEqual(c.auth.jwt.issuers, ['iss']);
    assert.equal(c.auth.jwt.leewaySeconds, 5);
    assert.equal(c.zip.maxEntries, 10);
    assert.equal(load({ CODEJAIL_WASM_LIMIT_CPU: '4' }, file).limits.defaults.CPU, 4);
  });

  it('lists every problem at once', () => {
    const p = problems({
      PORT: 'eighty',
      CODEJAIL_WASM_WORKERS: '0',
      CODEJAIL_WASM_LIMIT_CPU: '-1',
      CODEJAIL_WASM_LIMIT_OVERRIDES: '{"c": {"BOGUS": 1}}',
      CODEJAIL_WASM_LOG_CODE: 'maybe',
      CODEJAIL_WASM_AUTH_TOKENS: 'short',
    });
    assert.equal(p.length, 6, p.join('\n'));
    assert.ok(p.some((x) => /^PORT: expected a number/.test(x)));
    assert.ok(p.some((x) => /^CODEJAIL_WASM_WORKERS: expected an integer from 1/.test(x)));
    assert.ok(p.some((x) => /CODEJAIL_WASM_LIMIT_CPU: must not be negative/.test(x)));
    assert.ok(p.some((x) => /CODEJAIL_WASM_LIMIT_OVERRIDES\.c\.BOGUS: unknown limit name/.test(x)));
    assert.ok(p.some((x) => /^CODEJAIL_WASM_LOG_CODE: expected 1\/0/.test(x)));
    assert.ok(p.some((x) => /auth tokens must be at least 16/.test(x)));
  });

  it('file problems: bad JSON, unknown keys, wrong types, defaults above maxima', () => {
    assert.match(problems({}, '{not json')[0], /not valid JSON/);
    const p = problems({}, { prot: 1, workers: 'two', limits: { CPU: 100 }, maxima: { CPU: 0 }, auth: { jwt: { jwks: [{ kty: 'EC' }] } } });
    assert.ok(p.some((x) => /unknown setting "prot"/.test(x)), p.join('\n'));
    assert.ok(p.some((x) => /workers: expected an integer/.test(x)));
    assert.ok(p.some((x) => /maxima\.CPU: must be greater than 0/.test(x)));
    assert.ok(p.some((x) => /default CPU limit 100 exceeds the maximum/.test(x)));
    assert.ok(p.some((x) => /jwks\[0\]: expected an RSA public JWK/.test(x)));
  });

  it('unreadable config file', () => {
    const p = (() => {
      try {
        loadConfig({ env: { CODEJAIL_WASM_CONFIG: '/nope.json' }, readFile: () => { throw new Error('ENOENT'); } });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    })();
    assert.match(p[0], /CODEJAIL_WASM_CONFIG: cannot read \/nope\.json: ENOENT/);
  });
});

describe('exposure check', () => {
  it('loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com']) assert.ok(!isLoopbackHost(h), h);
  });
  it('refuses a non-loopback HOST without auth unless allowed', () => {
    assert.equal(exposureProblem(load({})), null);
    assert.match(String(exposureProblem(load({ HOST: '0.0.0.0' }))), /refusing to listen on non-loopback HOST 0\.0\.0\.0/);
    assert.equal(exposureProblem(load({ HOST: '0.0.0.0', CODEJAIL_WASM_ALLOW_UNAUTHENTICATED: '1' })), null);
    assert.equal(exposureProblem(load({ HOST: '0.0.0.0', CODEJAIL_WASM_AUTH_TOKENS: 'a-long-enough-token-0123' })), null);
  });
});
