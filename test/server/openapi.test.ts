// The served OpenAPI document is generated from the declarations that check requests, so it
// describes what the service does: real requests the service accepts, and the answers a real
// jail behind it gives, validate against it; requests it refuses do not. The committed copy in
// docs/api/ is the served document, byte for byte.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import request from 'supertest';
import type { Jail } from '../../src/jail/jail.js';
import type { App } from '../../src/server/app.js';
import { openApiText } from '../../src/server/openapi.js';
import { startJail } from '../support/jail.js';
import { appFor } from './helpers.js';

const DOC_ID = 'https://codejail-wasm.invalid/openapi.json';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let jail: Jail;
let app: App;
let ajv: Ajv2020;
before(async () => {
  jail = await startJail({ workers: 1 });
  app = appFor(jail);
  const served = (await request(app).get('/api/openapi.json')).text;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...JSON.parse(served), $id: DOC_ID });
});
after(async () => {
  await jail.close();
});

type Doc = { paths: Record<string, Record<string, unknown>> };
const doc = (): Doc => JSON.parse(openApiText()) as Doc;

/** A reference to the JSON Schema the document gives for a path's body or answer. */
function schemaOf(path: string, which: 'request' | number): object {
  const method = doc().paths[path]!['post'] ? 'post' : 'get';
  const where = which === 'request' ? ['requestBody', 'content', 'application/json', 'schema'] : ['responses', String(which), 'content', 'application/json', 'schema'];
  const pointer = ['paths', path, method, ...where].map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  return { $ref: `${DOC_ID}#/${pointer}` };
}

function check(path: string, which: 'request' | number, value: unknown): string[] {
  const validate = ajv.compile(schemaOf(path, which));
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

async function roundTrip(path: string, body: unknown): Promise<request.Response> {
  assert.deepEqual(check(path, 'request', body), [], `request ${JSON.stringify(body).slice(0, 200)}`);
  const res = await request(app).post(path).set('Content-Type', 'application/json').send(JSON.stringify(body));
  assert.deepEqual(check(path, res.status, res.body), [], `${res.status} answer ${res.text.slice(0, 300)}`);
  return res;
}

describe('the OpenAPI document', () => {
  it('docs/api/openapi.json is the served document (npm run openapi writes it)', async () => {
    const committed = readFileSync(new URL('../../../docs/api/openapi.json', import.meta.url), 'utf8');
    assert.equal(committed, openApiText());
  });

  it('jail_code: real requests and their answers validate', async () => {
    const ok = await roundTrip('/api/v1/jail_code', {
      code: 'import sys\nprint(open("lib/a.txt").read(), sys.argv[1:], sys.stdin.read())',
      files: [{ path: 'lib/a.txt', content_b64: b64('A') }], extra_files: [{ name: 'b.txt', content_b64: '' }],
      argv: ['x'], stdin_b64: b64('in'), limits: { CPU: 2, PROXY: null }, seed: 7, slug: 's', limit_overrides_context: null,
    });
    assert.equal(ok.status, 200);
    assert.equal(Buffer.from(ok.body.stdout_b64, 'base64').toString(), "A ['x'] in\n");
    const cpu = await roundTrip('/api/v1/jail_code', { code: 'while True: pass', limits: { CPU: 0.01 } });
    assert.equal(cpu.body.limit_hit, 'CPU');
    const bad = await roundTrip('/api/v1/jail_code', { code: 'x', files: [{ path: '../x', content_b64: '' }] });
    assert.equal(bad.status, 400);
  });

  it('safe_exec: success, SafeExecException and corrupted stdout answers validate', async () => {
    const ok = await roundTrip('/api/v1/safe_exec', { code: 'y = x * 2', globals_dict: { x: 21 } });
    assert.deepEqual(ok.body.globals_dict, { x: 21, y: 42 });
    const failed = await roundTrip('/api/v1/safe_exec', { code: '1/0' });
    assert.equal(failed.body.exception, 'SafeExecException');
    const exited = await roundTrip('/api/v1/safe_exec', { code: 'import sys\nsys.exit(0)' });
    assert.equal(exited.body.exception, 'JSONDecodeError');
  });

  it('requests the service refuses for their shape do not validate either', async () => {
    for (const body of [{ code: 5 }, { code: 'x', argv: [] }, { code: 'x', files: [{ path: 'a' }] }, { code: 'x', seed: -1 }, { code: 'x', files: [{ path: 'a', content_b64: 'no!' }] }]) {
      const res = await request(app).post('/api/v1/safe_exec').set('Content-Type', 'application/json').send(JSON.stringify(body));
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.notDeepEqual(check('/api/v1/safe_exec', 'request', body), [], `the document accepts ${JSON.stringify(body)}`);
    }
  });

  it('code-exec and health answers validate', async () => {
    const ok = await request(app).post('/api/v0/code-exec').field('payload', JSON.stringify({ code: 'y = 1', globals_dict: {} }));
    assert.deepEqual(check('/api/v0/code-exec', 200, ok.body), []);
    const emsg = await request(app).post('/api/v0/code-exec').field('payload', JSON.stringify({ code: '1/0', globals_dict: {} }));
    assert.ok(emsg.body.emsg);
    assert.deepEqual(check('/api/v0/code-exec', 200, emsg.body), []);
    const bad = await request(app).post('/api/v0/code-exec').field('payload', '{}');
    assert.deepEqual(check('/api/v0/code-exec', 400, bad.body), []);
    const health = await request(app).get('/health/');
    assert.deepEqual(check('/health/', 200, health.body), []);
  });
});
