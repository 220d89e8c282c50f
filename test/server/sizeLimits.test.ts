// Every field at its size limit is served; one step past it is a 4xx JSON answer naming the
// field (413 for the body as a whole); nothing is ever a 500. A real jail behind the real app,
// with a 4 MiB body limit so that "the whole body" is quick to send.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { defaultConfig } from '../../src/config/config.js';
import type { Jail } from '../../src/jail/jail.js';
import { JAIL_LAYOUT_BOUNDS } from '../../src/jail/request.js';
import { MAX_ID_CHARS, MAX_LIST_ENTRIES } from '../../src/server/apiSchemas.js';
import type { App } from '../../src/server/app.js';
import { startJail } from '../support/jail.js';
import { appFor } from './helpers.js';

const BODY_LIMIT = 4 << 20;
let jail: Jail;
let app: App;
before(async () => {
  jail = await startJail({ workers: 1 });
  app = appFor(jail, { ...defaultConfig(), maxBodyBytes: BODY_LIMIT });
});
after(async () => {
  await jail.close();
});

const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64');
const post = (path: string, body: unknown) => request(app).post(path).set('Content-Type', 'application/json').send(typeof body === 'string' ? body : JSON.stringify(body));

async function served(body: unknown, what: string): Promise<request.Response> {
  const res = await post('/api/v1/jail_code', body);
  assert.equal(res.status, 200, `${what}: ${res.text.slice(0, 300)}`);
  return res;
}
async function refused(body: unknown, field: string, status = 400): Promise<void> {
  const res = await post('/api/v1/jail_code', body);
  assert.equal(res.status, status, `${field}: ${res.text.slice(0, 300)}`);
  assert.equal(res.headers['content-type'], 'application/json');
  if (status === 400) assert.ok(String(res.body.error).startsWith(field), `${res.body.error} should name ${field}`);
}
const stdoutOf = (res: request.Response) => Buffer.from(res.body.stdout_b64, 'base64').toString();

test('stdin: any bytes, as many as the body holds, round-trip; one byte more is a 413', async () => {
  const overhead = JSON.stringify({ code: 'x', stdin_b64: '' }).length + 200;
  const n = Math.floor((BODY_LIMIT - overhead) / 4) * 3;
  const stdin = randomBytes(n);
  const code = 'import hashlib, sys\ndata = sys.stdin.buffer.read()\nprint(len(data), hashlib.sha256(data).hexdigest())';
  const res = await served({ code, stdin_b64: b64(stdin) }, 'stdin at the limit');
  assert.equal(stdoutOf(res), `${n} ${createHash('sha256').update(stdin).digest('hex')}\n`);
  await refused({ code, stdin_b64: b64(randomBytes(BODY_LIMIT)) }, 'body', 413);
});

test('code at the body limit runs; past it, 413', async () => {
  const pad = BODY_LIMIT - 200;
  const res = await served({ code: `print("ok")\n#${'x'.repeat(pad)}` }, 'code at the limit');
  assert.equal(stdoutOf(res), 'ok\n');
  await refused({ code: `#${'x'.repeat(BODY_LIMIT)}` }, 'body', 413);
});

test('files: as many, as deep and as long as allowed; one more is a 400 naming it', async () => {
  const B = JAIL_LAYOUT_BOUNDS;
  const many = Array.from({ length: B.maxFiles }, (_, i) => ({ path: `f${i}`, content_b64: '' }));
  assert.equal(stdoutOf(await served({ code: 'import os\nprint(len(os.listdir(".")))', files: many.slice(0, -1) }, 'files at the limit')), `${B.maxFiles + 1}\n`);
  await refused({ code: 'x', files: many.concat([{ path: 'one-more', content_b64: '' }]) }, 'files');
  const name = 'n'.repeat(B.maxNameBytes);
  const deep = Array.from({ length: B.maxDepth }, () => 'd').join('/');
  await served({ code: 'print(1)', files: [{ path: `${deep}`, content_b64: b64('x') }, { path: `${name}/${name}`, content_b64: '' }] }, 'depth and name length at the limit');
  await refused({ code: 'x', files: [{ path: `${deep}/e`, content_b64: '' }] }, 'files[0].path');
  await refused({ code: 'x', files: [{ path: `${name}n`, content_b64: '' }] }, 'files[0].path');
  const long = Array.from({ length: 16 }, () => 'p'.repeat(255)).join('/').slice(0, B.maxPathChars);
  await served({ code: 'print(1)', files: [{ path: long, content_b64: '' }] }, 'path length at the limit');
  await refused({ code: 'x', files: [{ path: `${long}q`, content_b64: '' }] }, 'files[0].path');
  const dirs = Array.from({ length: B.maxDirectories }, (_, i) => ({ path: `d${i}/f`, content_b64: '' }));
  await served({ code: 'print(1)', files: dirs.slice(0, B.maxFiles) }, 'directories at the limit');
  await refused({ code: 'x', files: [...dirs.slice(0, B.maxFiles - 1), { path: 'x/y/f', content_b64: '' }] }, 'files[999].path');
  await refused({ code: 'x', extra_files: [{ name: 'e'.repeat(256), content_b64: '' }] }, 'extra_files[0].name');
});

test('argv, identifiers, command, seed and limits at and past their limits', async () => {
  const argv = Array.from({ length: MAX_LIST_ENTRIES }, (_, i) => String(i % 10));
  assert.equal(stdoutOf(await served({ code: 'import sys\nprint(len(sys.argv))', argv }, 'argv entries at the limit')), `${MAX_LIST_ENTRIES + 1}\n`);
  await refused({ code: 'x', argv: [...argv, '1'] }, 'argv');
  await served({ code: 'print(1)', argv: ['a'.repeat(MAX_ID_CHARS)] }, 'an argv entry at the limit');
  await refused({ code: 'x', argv: ['a'.repeat(MAX_ID_CHARS + 1)] }, 'argv[0]');
  for (const field of ['slug', 'limit_overrides_context']) {
    await served({ code: 'print(1)', [field]: 's'.repeat(MAX_ID_CHARS) }, `${field} at the limit`);
    await refused({ code: 'x', [field]: 's'.repeat(MAX_ID_CHARS + 1) }, field);
  }
  await refused({ code: 'x', image: 'i'.repeat(MAX_ID_CHARS) }, 'image'); // a name within the limit, but no such image
  await refused({ code: 'x', image: 'i'.repeat(MAX_ID_CHARS + 1) }, 'image');
  await refused({ code: 'x', command: 'c'.repeat(64) }, 'command'); // not configured
  await refused({ code: 'x', command: 'c'.repeat(65) }, 'command');
  await served({ code: 'print(1)', seed: Number.MAX_SAFE_INTEGER }, 'the largest seed');
  await refused('{"code": "x", "seed": 9007199254740992}', 'seed');
  await served({ code: 'print(1)', limits: { CPU: 7 * 24 * 3600, REALTIME: 7 * 24 * 3600, VMEM: 2 ** 50, FSIZE: 2 ** 50, NPROC: 1_000_000 } }, 'the largest limits (clamped to the maxima)');
  for (const [name, v] of [['CPU', 7 * 24 * 3600 + 1], ['VMEM', 2 ** 50 + 1], ['NPROC', 1_000_001], ['CPU', 1e308]] as const) {
    await refused({ code: 'x', limits: { [name]: v } }, `limits.${name}`);
  }
});

test('globals: nesting and integer digits at Python\'s limits and past them', async () => {
  // 500 levels in all: the body, globals_dict, then the lists.
  const nested = (d: number) => '['.repeat(d) + ']'.repeat(d);
  const ok = await post('/api/v1/safe_exec', `{"code": "y = 1", "globals_dict": {"deep": ${nested(498)}, "big": ${'9'.repeat(4300)}}}`);
  assert.equal(ok.status, 200, ok.text.slice(0, 300));
  assert.equal(ok.body.globals_dict.big, Number('9'.repeat(4300)));
  for (const body of [`{"code": "y = 1", "globals_dict": {"deep": ${nested(499)}}}`, `{"code": "y = 1", "globals_dict": {"big": ${'9'.repeat(4301)}}}`]) {
    const res = await post('/api/v1/safe_exec', body);
    assert.equal(res.status, 400, res.text.slice(0, 300));
    assert.match(res.body.error, /^body: /);
  }
});
