// The native JSON API: /api/v1/jail_code and /api/v1/safe_exec.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { BadRequestError } from '../../src/jail/types.js';
import { makeApp, run, testConfig, textParser, unavailable } from './helpers.js';

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');

function postJson(app: Parameters<typeof request>[0], path: string, body: unknown) {
  return request(app)
    .post(path)
    .set('Content-Type', 'application/json')
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

describe('POST /api/v1/jail_code', () => {
  it('runs and answers with the documented shape', async () => {
    const { app, jail } = makeApp();
    const res = await postJson(app, '/api/v1/jail_code', {
      command: 'python',
      code: 'import sys; print(sys.argv)',
      files: [{ path: 'pkg/mod.py', content_b64: b64('x = 1\n') }, { path: 'pkg/link.py', symlink: 'mod.py' }],
      extra_files: [{ name: 'data.bin', content_b64: b64(new Uint8Array([0, 255, 1])) }],
      argv: ['a', 'b c'],
      stdin_b64: b64('input'),
      limit_overrides_context: 'course-v1:x+y+z',
      slug: 'p1',
      limits: { CPU: 2, VMEM: 100000000, PROXY: null },
      seed: 42,
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), [
      'effective_limits', 'fuel_used', 'image', 'limit_hit', 'outcome', 'status', 'stderr_b64', 'stderr_truncated', 'stdout_b64', 'stdout_truncated', 'wall_ms',
    ]);
    assert.equal(res.body.status, 0);
    assert.equal(Buffer.from(res.body.stdout_b64, 'base64').toString(), 'argv=["a","b c"]\n');
    assert.deepEqual([...Buffer.from(res.body.stderr_b64, 'base64')], [0xff, 0x00]);
    assert.equal(res.body.outcome, 'complete');
    assert.equal(res.body.limit_hit, null);
    assert.equal(res.body.fuel_used, 12345);
    assert.equal(res.body.wall_ms, 7);
    assert.deepEqual(res.body.effective_limits, { CPU: 2, REALTIME: 1, VMEM: 100000000, FSIZE: 0, NPROC: 15, PROXY: null });
    const call = jail.jailCodeCalls[0];
    assert.equal(call.command, 'python');
    assert.equal(call.files?.[0].path, 'pkg/mod.py');
    assert.equal(Buffer.from(call.files![0].content!).toString(), 'x = 1\n');
    assert.deepEqual(call.files![1], { path: 'pkg/link.py', symlink: 'mod.py' });
    assert.deepEqual([...call.extraFiles![0].content], [0, 255, 1]);
    assert.deepEqual(call.argv, ['a', 'b c']);
    assert.equal(Buffer.from(call.stdin as Uint8Array).toString(), 'input');
    assert.equal(call.seed, 42);
    assert.deepEqual(call.limits, { CPU: 2, VMEM: 100000000, PROXY: null });
    assert.equal(call.limitOverridesContext, 'course-v1:x+y+z');
    assert.equal(call.slug, 'p1');
  });

  it('defaults command to python and accepts null code/stdin', async () => {
    const { app, jail } = makeApp();
    const res = await postJson(app, '/api/v1/jail_code', { code: null, stdin_b64: null, argv: ['run.py'] });
    assert.equal(res.status, 200, res.text);
    assert.equal(jail.jailCodeCalls[0].command, 'python');
  });

  it('reports limits hit and truncation', async () => {
    const { app, jail } = makeApp();
    jail.onJailCode = (_req, limits) => ({
      status: -24, stdout: new Uint8Array(), stderr: new Uint8Array(),
      run: run({ outcome: 'out_of_fuel', status: -24, limitHit: 'CPU', stdoutTruncated: true }), effectiveLimits: limits, image: 'test-image',
    });
    const res = await postJson(app, '/api/v1/jail_code', { code: 'while True: pass' });
    assert.equal(res.body.status, -24);
    assert.equal(res.body.outcome, 'out_of_fuel');
    assert.equal(res.body.limit_hit, 'CPU');
    assert.equal(res.body.stdout_truncated, true);
  });

  it('validation errors name the field', async () => {
    const { app, jail } = makeApp();
    const cases: [unknown, RegExp][] = [
      [[], /^body: must be an object/],
      [{ command: 5 }, /^command: must be a string/],
      [{ command: '' }, /^command: must not be empty/],
      [{ code: 5 }, /^code: must be a string or null/],
      [{ files: {} }, /^files: must be an array/],
      [{ files: [{ path: '../x', content_b64: '' }] }, /^files\[0\]\.path: must not contain '\.\.'/],
      [{ files: [{ path: 'a/../../x', content_b64: '' }] }, /^files\[0\]\.path: must not contain '\.\.'/],
      [{ files: [{ path: '/etc/passwd', content_b64: '' }] }, /^files\[0\]\.path: must be a relative path/],
      [{ files: [{ path: 'a\u0000b', content_b64: '' }] }, /^files\[0\]\.path: must not contain NUL/],
      [{ files: [{ path: 'ok.py' }] }, /^files\[0\]\.content_b64: is required/],
      [{ files: [{ path: 'ok.py', content_b64: 'not base64!' }] }, /^files\[0\]\.content_b64: must be standard base64/],
      [{ files: [{ path: 'ok.py', content_b64: '', mode: 1 }] }, /^files\[0\]\.mode: unknown field/],
      [{ files: [{ path: 'l', symlink: 'x', content_b64: '' }] }, /^files\[0\]\.content_b64: must be absent for a symlink/],
      [{ files: [{ path: 'l', symlink: '' }] }, /^files\[0\]\.symlink: must be a non-empty string/],
      [{ files: [{ path: 'l', symlink: 5 }] }, /^files\[0\]\.symlink: must be a string or null/],
      [{ extra_files: [{ name: 'dir/x.py', content_b64: '' }] }, /^extra_files\[0\]\.name: must be a plain file name without '\/'/],
      [{ extra_files: [{ name: '..', content_b64: '' }] }, /^extra_files\[0\]\.name: must not be '\.' or '\.\.'/],
      [{ argv: 'x' }, /^argv: must be an array/],
      [{ argv: [1] }, /^argv\[0\]: must be a string/],
      [{ stdin_b64: 5 }, /^stdin_b64: must be a string or null/],
      [{ limit_overrides_context: 1 }, /^limit_overrides_context: must be a string or null/],
      [{ slug: [] }, /^slug: must be a string or null/],
      [{ limits: [] }, /^limits: must be an object/],
      [{ limits: { CPU: 'fast' } }, /^limits\.CPU: must be a number/],
      [{ limits: { CPU: -1 } }, /^limits\.CPU: must not be negative/],
      [{ limits: { CPU: NaN } }, /^limits\.CPU: must be a finite number/],
      [{ limits: { BOGUS: 1 } }, /^limits\.BOGUS: unknown limit name/],
      [{ limits: { VMEM: 1.5 } }, /^limits\.VMEM: must be an integer/],
      [{ limits: { CPU: 1e12 } }, /^limits\.CPU: is unreasonably large/],
      [{ seed: 1.5 }, /^seed: must be an integer/],
      [{ seed: -1 }, /^seed: must be an integer from 0/],
      [{ nonsense: 1 }, /^nonsense: unknown field/],
    ];
    for (const [body, re] of cases) {
      const text = JSON.stringify(body, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? '__NAN__' : v)).replace('"__NAN__"', 'NaN');
      const res = await postJson(app, '/api/v1/jail_code', text);
      assert.equal(res.status, 400, `${text} -> ${res.status} ${res.text}`);
      assert.match(res.body.error, re, text);
    }
    assert.equal(jail.jailCodeCalls.length, 0);
  });

  it('bad JSON -> 400 with the parse error', async () => {
    const { app } = makeApp();
    const res = await postJson(app, '/api/v1/jail_code', '{"code": ');
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'body: unable to parse JSON: Expecting value: line 1 column 10 (char 9)');
  });

  it('non-JSON content type -> 415', async () => {
    const { app } = makeApp();
    const res = await request(app).post('/api/v1/jail_code').set('Content-Type', 'text/plain').send('{}');
    assert.equal(res.status, 415);
  });

  it("the jail's BadRequestError -> 400 naming the field", async () => {
    const { app, jail } = makeApp();
    jail.onJailCode = () => {
      throw new BadRequestError('command', "jail_code needs to be configured for 'node'");
    };
    const res = await postJson(app, '/api/v1/jail_code', { command: 'node', code: '1' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, "command: jail_code needs to be configured for 'node'");
  });

  it('queue full -> 503', async () => {
    const { app, jail } = makeApp();
    jail.onJailCode = unavailable;
    const res = await postJson(app, '/api/v1/jail_code', { code: '1' });
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { error: 'queue full: try again later' });
  });

  it('per-request timeout -> 504', async () => {
    const { app, jail } = makeApp({ config: testConfig({ requestTimeoutMs: 50 }) });
    jail.onJailCode = () => new Promise(() => undefined);
    const res = await postJson(app, '/api/v1/jail_code', { code: '1' });
    assert.equal(res.status, 504);
    assert.deepEqual(res.body, { error: 'request timed out after 50 ms' });
  });

  it('unexpected jail errors -> 500 without a stack trace, logged', async () => {
    const { app, jail, errors } = makeApp();
    jail.onJailCode = () => {
      throw new Error('secret internal detail');
    };
    const res = await postJson(app, '/api/v1/jail_code', { code: '1' });
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { error: 'internal error' });
    assert.doesNotMatch(res.text, /secret|at /);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0].stack), /secret internal detail/);
  });

  it('not ready -> 503', async () => {
    const { app } = makeApp({ healthy: false });
    const res = await postJson(app, '/api/v1/jail_code', { code: '1' });
    assert.equal(res.status, 503);
    assert.match(res.body.error, /self-test/);
  });
});

describe('POST /api/v1/safe_exec', () => {
  it('success splices the globals text and adds run details', async () => {
    const { app, jail } = makeApp();
    jail.onSafeExec = (_req, limits) => ({ ok: true, globalsJson: '{"x": 17, "big": 99999999999999999999, "n": NaN}', run: run(), effectiveLimits: limits, image: 'test-image' });
    const res = await postJson(app, '/api/v1/safe_exec', '{"code": "x = x + 1", "globals_dict": {"x": 16, "inf": -Infinity}, "python_path": ["lib.zip"], "extra_files": [{"name": "lib.zip", "content_b64": ""}], "limits": {"REALTIME": 0}, "seed": 7}').parse(textParser);
    assert.equal(res.status, 200, res.body);
    const limits = { CPU: 1, REALTIME: 120, VMEM: 2147483648, FSIZE: 0, NPROC: 15, PROXY: null };
    assert.equal(
      res.body,
      `{"globals_dict":{"x": 17, "big": 99999999999999999999, "n": NaN},"status":0,"outcome":"complete","fuel_used":12345,"wall_ms":7,"effective_limits":${JSON.stringify(limits)},"image":"test-image"}`,
    );
    const call = jail.safeExecCalls[0];
    assert.equal(call.globalsJson, '{"x":16,"inf":-Infinity}');
    assert.deepEqual(call.pythonPath, ['lib.zip']);
    assert.equal(call.extraFiles?.[0].name, 'lib.zip');
    assert.deepEqual(call.limits, { REALTIME: 0 });
    assert.equal(call.seed, 7);
  });

  it('globals_dict defaults to {}', async () => {
    const { app, jail } = makeApp();
    const res = await postJson(app, '/api/v1/safe_exec', { code: 'a = 1' });
    assert.equal(res.status, 200);
    assert.equal(jail.safeExecCalls[0].globalsJson, '{}');
  });

  it('failure answers emsg with output and run details', async () => {
    const { app, jail } = makeApp();
    jail.onSafeExec = (_req, limits) => ({
      ok: false, exception: 'SafeExecException', emsg: "Couldn't execute jailed code: stdout: b'', stderr: b'' with status code: -9",
      status: -9, stdout: new Uint8Array(), stderr: new TextEncoder().encode('err'),
      run: run({ outcome: 'timed_out', status: -9, limitHit: 'REALTIME' }), effectiveLimits: limits, image: 'test-image',
    });
    const res = await postJson(app, '/api/v1/safe_exec', { code: 'import time; time.sleep(5)' });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['exception', 'emsg', 'status', 'stdout_b64', 'stderr_b64', 'outcome', 'limit_hit', 'fuel_used', 'wall_ms', 'effective_limits', 'image']);
    assert.equal(res.body.exception, 'SafeExecException');
    assert.equal(res.body.status, -9);
    assert.equal(res.body.outcome, 'timed_out');
    assert.equal(res.body.limit_hit, 'REALTIME');
    assert.equal(Buffer.from(res.body.stderr_b64, 'base64').toString(), 'err');
  });

  it('validation errors name the field', async () => {
    const { app, jail } = makeApp();
    const cases: [unknown, RegExp][] = [
      [{}, /^code: is required/],
      [{ code: 1 }, /^code: must be a string/],
      [{ code: 'x', globals_dict: [] }, /^globals_dict: must be an object/],
      [{ code: 'x', python_path: ['lib/..'] }, /^python_path\[0\]: must not end in '\.' or '\.\.'/],
      [{ code: 'x', python_path: ['/abs/'] }, /^python_path\[0\]: must end in a file or directory name/],
      [{ code: 'x', python_path: 'lib' }, /^python_path: must be an array/],
      [{ code: 'x', extra_files: [{ name: 'a/b', content_b64: '' }] }, /^extra_files\[0\]\.name/],
      [{ code: 'x', files: [{ path: '', content_b64: '' }] }, /^files\[0\]\.path: must not be empty/],
      [{ code: 'x', limits: { NPROC: -3 } }, /^limits\.NPROC: must not be negative/],
      [{ code: 'x', argv: [] }, /^argv: unknown field/],
    ];
    for (const [body, re] of cases) {
      const res = await postJson(app, '/api/v1/safe_exec', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error, re, JSON.stringify(body));
    }
    assert.equal(jail.safeExecCalls.length, 0);
  });

  it('body too large -> 413 JSON', async () => {
    const { app } = makeApp({ config: testConfig({ maxBodyBytes: 2048 }) });
    const res = await postJson(app, '/api/v1/safe_exec', { code: 'x'.repeat(5000) });
    assert.equal(res.status, 413);
    assert.deepEqual(res.body, { error: 'request body too large (limit 2048 bytes)' });
  });

  it('multipart body too large -> 413 JSON', async () => {
    const { app } = makeApp({ config: testConfig({ maxBodyBytes: 2048 }) });
    const res = await request(app).post('/api/v0/code-exec').field('payload', JSON.stringify({ code: 'x'.repeat(5000), globals_dict: {} }));
    assert.equal(res.status, 413);
    assert.match(res.body.error, /too large/);
  });

  it('queue full -> 503 on code-exec too', async () => {
    const { app, jail } = makeApp();
    jail.onSafeExec = unavailable;
    const res = await request(app).post('/api/v0/code-exec').field('payload', '{"code": "1", "globals_dict": {}}');
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { error: 'queue full: try again later' });
  });

  it('unknown routes -> 404 JSON', async () => {
    const { app } = makeApp();
    const res = await request(app).get('/nope');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error: 'not found' });
  });
});
