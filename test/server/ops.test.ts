// /health/, the startup self-test, /metrics, request logging, /api/openapi.json.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { CancelledError } from '../../src/jail/types.js';
import { runSelfTest } from '../../src/server/health.js';
import { FakeJail, makeApp, run, testConfig } from './helpers.js';

describe('/health/', () => {
  it('503 UNAVAILABLE before the self-test, 200 OK after it passed, 503 when stopping', async () => {
    const { app, health } = makeApp({ healthy: false });
    let res = await request(app).get('/health/');
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { status: 'UNAVAILABLE' });
    health.set('ok');
    res = await request(app).get('/health/');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'OK' });
    health.set('stopping');
    assert.equal((await request(app).get('/health/')).status, 503);
    health.set('failed', ['x']);
    assert.equal((await request(app).get('/health')).status, 503);
  });
});

describe('startup self-test', () => {
  function sandboxLikeJail(): FakeJail {
    const jail = new FakeJail();
    jail.onSafeExec = (req, limits) => {
      assert.equal(req.code, 'x = x + 1');
      return { ok: true, globalsJson: '{"x": 17}', run: run(), effectiveLimits: limits, image: 'test-image' };
    };
    jail.onJailCode = (_req, limits) => {
      const err = new TextEncoder().encode("PermissionError: [Errno 63] Operation not permitted: '/etc/passwd'\n");
      return { status: 1, stdout: new Uint8Array(), stderr: err, run: run({ status: 1 }), effectiveLimits: limits, image: 'test-image' };
    };
    return jail;
  }

  it('passes when code runs and /etc/passwd is denied', async () => {
    const jail = sandboxLikeJail();
    const r = await runSelfTest(jail);
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.match(jail.jailCodeCalls[0].code ?? '', /open\('\/etc\/passwd'\)/);
  });

  it('fails when the computation is wrong', async () => {
    const jail = sandboxLikeJail();
    jail.onSafeExec = (_req, limits) => ({ ok: true, globalsJson: '{"x": 16}', run: run(), effectiveLimits: limits, image: 'test-image' });
    const r = await runSelfTest(jail);
    assert.equal(r.ok, false);
    assert.match(r.checks[0].detail, /x != 17/);
  });

  it('fails when the escape succeeds', async () => {
    const jail = sandboxLikeJail();
    jail.onJailCode = (_req, limits) => {
      const out = new TextEncoder().encode('ESCAPED 1234\n');
      return { status: 0, stdout: out, stderr: new Uint8Array(), run: run({ stdout: out }), effectiveLimits: limits, image: 'test-image' };
    };
    const r = await runSelfTest(jail);
    assert.equal(r.ok, false);
    assert.match(r.checks[1].detail, /read \/etc\/passwd/);
  });

  it('fails (does not throw) when the jail throws', async () => {
    const jail = sandboxLikeJail();
    jail.onSafeExec = () => {
      throw new Error('no runtime');
    };
    const r = await runSelfTest(jail);
    assert.equal(r.ok, false);
    assert.match(r.checks[0].detail, /no runtime/);
  });
});

describe('/metrics and request logs', () => {
  it('exposes request counts, latency, pool gauges and fuel', async () => {
    const { app, jail } = makeApp();
    jail.onSafeExec = (_req, limits) => ({ ok: true, globalsJson: '{}', run: run({ fuelUsed: 5_000_000 }), effectiveLimits: limits, image: 'test-image' });
    await request(app).post('/api/v0/code-exec').field('payload', '{"code": "a", "globals_dict": {}}');
    await request(app).post('/api/v0/code-exec').field('payload', 'bad');
    const res = await request(app).get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /text\/plain/);
    const t = res.text;
    assert.match(t, /codejail_wasm_requests_total\{endpoint="code_exec_v0",outcome="success"\} 1/);
    assert.match(t, /codejail_wasm_requests_total\{endpoint="code_exec_v0",outcome="bad_request"\} 1/);
    assert.match(t, /codejail_wasm_request_duration_seconds_count\{endpoint="code_exec_v0"\} 2/);
    assert.match(t, /codejail_wasm_pool_workers 4/);
    assert.match(t, /codejail_wasm_pool_busy 1/);
    assert.match(t, /codejail_wasm_pool_queued 2/);
    assert.match(t, /codejail_wasm_pool_queue_limit 64/);
    assert.match(t, /codejail_wasm_pool_replacements 5/);
    assert.match(t, /codejail_wasm_pool_watchdog_terminations 1/);
    assert.match(t, /codejail_wasm_fuel_used_total\{endpoint="code_exec_v0"\} 5000000/);
    assert.match(t, /codejail_wasm_fuel_used_count\{endpoint="code_exec_v0"\} 1/);
    assert.match(t, /codejail_wasm_runs_total\{endpoint="code_exec_v0",run_outcome="complete"\} 1/);
  });

  it('logs one structured line per request, without code unless configured', async () => {
    const { app, logs } = makeApp();
    await request(app).post('/api/v0/code-exec').field('payload', '{"code": "secret_code = 1", "globals_dict": {}, "slug": "hw1", "limit_overrides_context": "course-v1:a+b+c"}');
    assert.equal(logs.length, 1);
    const l = logs[0];
    assert.equal(l.endpoint, 'code_exec_v0');
    assert.equal(l.slug, 'hw1');
    assert.equal(l.limit_overrides_context, 'course-v1:a+b+c');
    assert.equal(l.outcome, 'success');
    assert.equal(l.status, 200);
    assert.equal(typeof l.duration_ms, 'number');
    assert.equal(l.fuel, 12345);
    assert.equal(typeof l.timestamp, 'string');
    assert.doesNotMatch(JSON.stringify(l), /secret_code/);

    const withCode = makeApp({ config: testConfig({ logCode: true }) });
    await request(withCode.app).post('/api/v0/code-exec').field('payload', '{"code": "secret_code = 1", "globals_dict": {}}');
    assert.equal(withCode.logs[0].code, 'secret_code = 1');
  });

  it('names each request: X-Request-Id in the answer and the log line, a caller\'s own id kept when sane', async () => {
    const { app, logs } = makeApp();
    const fresh = await request(app).post('/api/v0/code-exec').set('Authorization', 'Bearer not-logged-0123456789')
      .field('payload', '{"code": "a = 1", "globals_dict": {}}');
    const id = fresh.headers['x-request-id'];
    assert.match(String(id), /^[0-9a-f-]{36}$/);
    assert.equal(logs[0].request_id, id);
    assert.doesNotMatch(JSON.stringify(logs[0]), /not-logged/, 'headers (tokens) stay out of the log');
    const given = await request(app).post('/api/v0/code-exec').set('X-Request-Id', 'lms-1234.abc').field('payload', '{"code": "a = 1", "globals_dict": {}}');
    assert.equal(given.headers['x-request-id'], 'lms-1234.abc');
    assert.equal(logs[1].request_id, 'lms-1234.abc');
    const odd = await request(app).post('/api/v0/code-exec').set('X-Request-Id', 'a b"c').field('payload', '{"code": "a = 1", "globals_dict": {}}');
    assert.notEqual(odd.headers['x-request-id'], 'a b"c');
    assert.equal(logs[2].request_id, odd.headers['x-request-id']);
    await request(app).get('/health/');
    assert.equal(logs.length, 3, 'health checks are not logged');
  });

  it('an internal error\'s line carries the request\'s id; a request whose client left before the answer is logged too', async () => {
    const { app, jail, logs, errors } = makeApp();
    jail.onSafeExec = () => {
      throw new Error('internal detail');
    };
    const failed = await request(app).post('/api/v0/code-exec').set('X-Request-Id', 'edx-err-1').field('payload', '{"code": "a = 1", "globals_dict": {}}');
    assert.equal(failed.status, 500);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.request_id, 'edx-err-1');
    assert.equal(errors[0]!.msg, 'internal error');
    assert.equal(logs.at(-1)!.request_id, 'edx-err-1');
    assert.equal(logs.at(-1)!.status, 500);

    // The run does not answer before the client goes away (then it is dropped, as a queued run
    // is): the line is written when the connection closes.
    jail.onSafeExec = (req) => new Promise((_, reject) => req.signal?.addEventListener('abort', () => reject(new CancelledError())));
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const body = `payload=${encodeURIComponent('{"code": "a = 1", "globals_dict": {}}')}`;
    const req = httpRequest({
      host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/api/v0/code-exec', method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), 'x-request-id': 'edx-gone-1' },
    });
    req.on('error', () => undefined);
    req.end(body);
    const before = logs.length;
    const calls = jail.safeExecCalls.length;
    for (let i = 0; i < 200 && jail.safeExecCalls.length === calls; i++) await new Promise((r) => setTimeout(r, 5));
    req.destroy();
    for (let i = 0; i < 200 && logs.length === before; i++) await new Promise((r) => setTimeout(r, 5));
    server.close();
    assert.equal(logs.length, before + 1);
    assert.equal(logs.at(-1)!.request_id, 'edx-gone-1');
    assert.equal(logs.at(-1)!.endpoint, 'code_exec_v0');
  });
});

describe('/api/openapi.json', () => {
  it('serves an OpenAPI 3 document describing every endpoint', async () => {
    const { app } = makeApp();
    const res = await request(app).get('/api/openapi.json');
    assert.equal(res.status, 200);
    assert.match(res.body.openapi, /^3\./);
    for (const p of ['/api/v0/code-exec', '/api/v1/jail_code', '/api/v1/safe_exec', '/health/', '/metrics', '/api/openapi.json']) {
      assert.ok(res.body.paths[p], p);
    }
  });
});
