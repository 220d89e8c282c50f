// Bearer / JWT authentication.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import request from 'supertest';
import { defaultConfig, type Config } from '../../src/config/config.js';
import { makeApp, testConfig } from './helpers.js';

const SECRET = 'an-hs256-secret-that-is-long-enough-0123456789';
const TOKEN = 'a-shared-bearer-token-0123456789';

function b64url(v: unknown): string {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
}
function hs256(payload: Record<string, unknown>, secret = SECRET, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
function rs256(payload: Record<string, unknown>, key: KeyObject, kid = 'k1'): string {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(payload)}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

function authConfig(): Config {
  const base = defaultConfig();
  return testConfig({
    auth: {
      tokens: [TOKEN],
      jwt: {
        ...base.auth.jwt,
        hs256Secrets: [SECRET],
        jwks: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1' } as JsonWebKey],
        issuers: ['http://lms.example.com/oauth2'],
        audiences: ['openedx'],
      },
    },
  });
}

const payload = '{"code": "a = 1", "globals_dict": {}}';
function call(app: Parameters<typeof request>[0], authorization?: string) {
  const r = request(app).post('/api/v0/code-exec');
  if (authorization !== undefined) r.set('Authorization', authorization);
  return r.field('payload', payload);
}
const good = { iss: 'http://lms.example.com/oauth2', aud: 'openedx', exp: now() + 300 };

describe('authentication', () => {
  it('is off by default (loopback deployments)', async () => {
    const { app } = makeApp();
    assert.equal((await call(app)).status, 200);
  });

  it('missing token -> 401 with a clear message', async () => {
    const { app, jail } = makeApp({ config: authConfig() });
    const res = await call(app);
    assert.equal(res.status, 401);
    assert.match(res.body.error, /authentication required/);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    assert.equal(jail.safeExecCalls.length, 0);
  });

  it('shared secret bearer token', async () => {
    const { app } = makeApp({ config: authConfig() });
    assert.equal((await call(app, `Bearer ${TOKEN}`)).status, 200);
    const bad = await call(app, 'Bearer wrong-token-wrong-token');
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.body, { error: 'invalid token' });
    assert.equal((await call(app, `Basic ${TOKEN}`)).status, 401);
  });

  it("HS256 JWT, with edx-rest-api-client's 'JWT <token>' scheme too", async () => {
    const { app } = makeApp({ config: authConfig() });
    assert.equal((await call(app, `Bearer ${hs256(good)}`)).status, 200);
    assert.equal((await call(app, `JWT ${hs256(good)}`)).status, 200);
  });

  it('HS256 JWT expired / wrong audience / wrong issuer / wrong secret / no exp / alg none', async () => {
    const { app } = makeApp({ config: authConfig() });
    const cases: [string, RegExp][] = [
      [hs256({ ...good, exp: now() - 3600 }), /token expired/],
      [hs256({ ...good, aud: 'someone-else' }), /audience not accepted/],
      [hs256({ ...good, aud: ['a', 'b'] }), /audience not accepted/],
      [hs256({ ...good, iss: 'http://evil' }), /issuer not accepted/],
      [hs256(good, 'another-secret-another-secret-another-secret'), /bad signature/],
      [hs256({ iss: good.iss, aud: good.aud }), /no exp claim/],
      [hs256({ ...good, nbf: now() + 3600 }), /not yet valid/],
      [`${b64url({ alg: 'none' })}.${b64url(good)}.`, /unsupported JWT algorithm "none"/],
    ];
    for (const [tok, re] of cases) {
      const res = await call(app, `Bearer ${tok}`);
      assert.equal(res.status, 401, tok);
      assert.match(res.body.error, re);
    }
    assert.equal((await call(app, `Bearer ${hs256({ ...good, aud: ['x', 'openedx'] })}`)).status, 200);
  });

  it('RS256 JWT verified against configured JWKS', async () => {
    const { app } = makeApp({ config: authConfig() });
    assert.equal((await call(app, `JWT ${rs256(good, privateKey)}`)).status, 200);
    const forged = await call(app, `JWT ${rs256(good, other.privateKey)}`);
    assert.equal(forged.status, 401);
    assert.match(forged.body.error, /bad signature/);
    const expired = await call(app, `JWT ${rs256({ ...good, exp: now() - 100 }, privateKey)}`);
    assert.equal(expired.status, 401);
    assert.match(expired.body.error, /expired/);
  });

  it('an HS256 token signed with the RSA public key is refused (no alg confusion)', async () => {
    const cfg = authConfig();
    cfg.auth.jwt.hs256Secrets = [];
    cfg.auth.tokens = [];
    const { app } = makeApp({ config: cfg });
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const res = await call(app, `Bearer ${hs256(good, pem)}`);
    assert.equal(res.status, 401);
  });

  it('applies to the native API; /health/ and /metrics stay open', async () => {
    const { app } = makeApp({ config: authConfig() });
    const r1 = await request(app).post('/api/v1/safe_exec').set('Content-Type', 'application/json').send('{"code": "a = 1"}');
    assert.equal(r1.status, 401);
    const r2 = await request(app).post('/api/v1/safe_exec').set('Content-Type', 'application/json').set('Authorization', `Bearer ${TOKEN}`).send('{"code": "a = 1"}');
    assert.equal(r2.status, 200);
    assert.equal((await request(app).get('/health/')).status, 200);
    assert.equal((await request(app).get('/metrics')).status, 200);
    assert.equal((await request(app).get('/api/openapi.json')).status, 200);
  });
});
