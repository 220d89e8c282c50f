// Every JSON answer of every API carries `Content-Type: application/json` exactly, with no
// charset parameter: Django REST framework sends that, and codejail-service's api_tests (like
// DRF clients) compare the header byte for byte.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { makeApp, run, testConfig, unavailable } from './helpers.js';

const EXACT = 'application/json';
const TOKEN = 'a-test-token-of-enough-length';

function expectJson(res: request.Response, status: number, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.text}`);
  assert.equal(res.headers['content-type'], EXACT, what);
  assert.doesNotThrow(() => JSON.parse(res.text), what);
}

describe('Content-Type of JSON answers', () => {
  it('codejail-service API: every answer', async () => {
    const { app, jail, health } = makeApp();
    expectJson(await request(app).get('/health/'), 200, 'health ok');
    expectJson(await request(app).post('/api/v0/code-exec').field('payload', '{"code": "x = 1", "globals_dict": {}}'), 200, 'success');
    jail.onSafeExec = (_req, limits) => ({
      ok: false, exception: 'SafeExecException', emsg: 'boom', status: 1, stdout: new Uint8Array(), stderr: new Uint8Array(),
      run: run({ status: 1 }), effectiveLimits: limits, image: 'test-image',
    });
    expectJson(await request(app).post('/api/v0/code-exec').field('payload', '{"code": "x", "globals_dict": {}}'), 200, 'emsg');
    expectJson(await request(app).post('/api/v0/code-exec').field('payload', 'nope'), 400, 'bad payload');
    expectJson(await request(app).post('/api/v0/code-exec').set('Content-Type', 'text/plain').send('x'), 415, 'media type');
    expectJson(await request(app).get('/api/v0/code-exec'), 405, 'method');
    expectJson(await request(app).get('/nowhere'), 404, 'not found');
    jail.onSafeExec = unavailable;
    expectJson(await request(app).post('/api/v0/code-exec').field('payload', '{"code": "x", "globals_dict": {}}'), 503, 'queue full');
    health.set('failed');
    expectJson(await request(app).get('/health/'), 503, 'health failed');
    expectJson(await request(app).post('/api/v0/code-exec').field('payload', '{"code": "x", "globals_dict": {}}'), 500, 'not ready');
  });

  it('too large, unauthorised, disabled, internal error', async () => {
    const small = makeApp({ config: testConfig({ maxBodyBytes: 2048 }) });
    expectJson(await request(small.app).post('/api/v0/code-exec').field('payload', 'x'.repeat(4096)), 413, 'v0 too large');
    expectJson(await request(small.app).post('/api/v1/safe_exec').set('Content-Type', 'application/json').send(JSON.stringify({ code: 'x'.repeat(4096) })), 413, 'v1 too large');
    const base = testConfig();
    const authed = makeApp({ config: { ...base, auth: { ...base.auth, tokens: [TOKEN] } } });
    expectJson(await request(authed.app).post('/api/v0/code-exec').field('payload', '{}'), 401, 'v0 unauthorised');
    expectJson(await request(authed.app).post('/api/v1/jail_code').send({ code: 'x' }), 401, 'v1 unauthorised');
    const disabled = makeApp({ config: testConfig({ codeExecEnabled: false }) });
    expectJson(await request(disabled.app).post('/api/v0/code-exec').field('payload', '{}'), 500, 'disabled');
    const broken = makeApp();
    broken.jail.onSafeExec = () => {
      throw new Error('internal');
    };
    expectJson(await request(broken.app).post('/api/v1/safe_exec').send({ code: 'x' }), 500, 'internal error');
  });

  it('native API, OpenAPI document', async () => {
    const { app, jail } = makeApp();
    expectJson(await request(app).post('/api/v1/jail_code').send({ code: 'print(1)' }), 200, 'jail_code');
    expectJson(await request(app).post('/api/v1/safe_exec').send({ code: 'x = 1' }), 200, 'safe_exec');
    jail.onSafeExec = (_req, limits) => ({
      ok: false, exception: 'JSONDecodeError', emsg: 'Expecting value: line 1 column 1 (char 0)', status: 0,
      stdout: new Uint8Array(), stderr: new Uint8Array(), run: run(), effectiveLimits: limits, image: 'test-image',
    });
    expectJson(await request(app).post('/api/v1/safe_exec').send({ code: 'x = 1' }), 200, 'safe_exec emsg');
    expectJson(await request(app).post('/api/v1/safe_exec').send({ code: 1 }), 400, 'bad field');
    expectJson(await request(app).post('/api/v1/safe_exec').set('Content-Type', 'application/json').send('{'), 400, 'bad JSON');
    expectJson(await request(app).get('/api/openapi.json'), 200, 'openapi');
  });

  it('playground compare endpoint', async () => {
    const { app } = makeApp({ config: testConfig({ playground: true, playgroundLegacy: true }) });
    expectJson(await request(app).post('/playground/compare').set('Content-Type', 'application/json').send('{"code": 1}'), 400, 'bad field');
    expectJson(await request(app).post('/playground/compare').set('Content-Type', 'application/json').send('{'), 400, 'bad JSON');
    const base = testConfig({ playground: true, playgroundLegacy: true });
    const authed = makeApp({ config: { ...base, auth: { ...base.auth, tokens: [TOKEN] } } });
    expectJson(await request(authed.app).post('/playground/compare').send({ code: 'x = 1' }), 401, 'unauthorised');
  });
});
