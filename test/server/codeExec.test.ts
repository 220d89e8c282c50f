// /api/v0/code-exec: every case of openedx/codejail-service's views.py and its test_views.py.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { zipSync, strToU8 } from 'fflate';
import { makeApp, run, testConfig, textParser } from './helpers.js';

const EP = '/api/v0/code-exec';
const standard = { code: 'retval = 3 + 4', globals_dict: {} };

function post(app: Parameters<typeof request>[0], payload: unknown, files: Record<string, Buffer> = {}) {
  let r = request(app).post(EP).field('payload', typeof payload === 'string' ? payload : JSON.stringify(payload));
  for (const [name, data] of Object.entries(files)) r = r.attach(name, data, name);
  return r;
}

function libZip(): Buffer {
  return Buffer.from(zipSync({ 'course_library/__init__.py': strToU8('def triangular_number(n):\n    return n * (n + 1) // 2\n') }));
}

describe('POST /api/v0/code-exec (codejail-service compatibility)', () => {
  it('missing payload -> 400', async () => {
    const { app } = makeApp();
    const res = await request(app).post(EP).field('other', 'x');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: "Missing 'payload' parameter in POST body" });
  });

  it('missing payload with an empty body -> 400', async () => {
    const { app } = makeApp();
    const res = await request(app).post(EP);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: "Missing 'payload' parameter in POST body" });
  });

  it('malformed payload -> 400 with Python json message', async () => {
    const { app } = makeApp();
    const res = await post(app, 'Not JSON');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'Unable to parse payload JSON: Expecting value: line 1 column 1 (char 0)' });
  });

  it('other Python json errors', async () => {
    const { app } = makeApp();
    const cases: [string, string][] = [
      ['{"code": "x"', "Expecting ',' delimiter: line 1 column 13 (char 12)"],
      ['{"code" "x"}', "Expecting ':' delimiter: line 1 column 9 (char 8)"],
      ["{'code': 1}", 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
      ['{}\n{}', 'Extra data: line 2 column 1 (char 3)'],
      ['{"a": "b', 'Unterminated string starting at: line 1 column 7 (char 6)'],
      ['{"a": [1,]}', 'Expecting value: line 1 column 10 (char 9)'],
      ['{"a": "\\q"}', 'Invalid \\escape: line 1 column 8 (char 7)'],
    ];
    for (const [text, msg] of cases) {
      const res = await post(app, text);
      assert.equal(res.status, 400, text);
      assert.deepEqual(res.body, { error: `Unable to parse payload JSON: ${msg}` }, text);
    }
  });

  it('missing required params -> 400 with jsonschema wording', async () => {
    const { app } = makeApp();
    for (const [params, missing] of [
      [{ globals_dict: {} }, 'code'],
      [{ code: 'retval = 3 + 4' }, 'globals_dict'],
      [{}, 'code'],
    ] as const) {
      const res = await post(app, params);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { error: `Payload JSON did not match schema at path $: '${missing}' is a required property` });
    }
  });

  it('wrong types per field -> 400 naming the path', async () => {
    const { app, jail } = makeApp();
    const cases: [unknown, string][] = [
      [[], "$: [] is not of type 'object'"],
      [{ code: 5, globals_dict: {} }, "$.code: 5 is not of type 'string'"],
      [{ code: 'x', globals_dict: [1] }, "$.globals_dict: [1] is not of type 'object'"],
      [{ code: 'x', globals_dict: {}, unsafely: 'yes' }, "$.unsafely: 'yes' is not of type 'boolean'"],
      [{ code: 'x', globals_dict: {}, python_path: 'python_lib.zip' }, "$.python_path: 'python_lib.zip' is not valid under any of the given schemas"],
      [{ code: 'x', globals_dict: {}, python_path: [1] }, "$.python_path[0]: 1 is not of type 'string'"],
      [{ code: 'x', globals_dict: {}, python_path: [1, 2] }, "$.python_path[0]: 1 is not of type 'string'"],
      [{ code: 5 }, "$: 'globals_dict' is a required property"],
      [{ code: [], globals_dict: 'x', python_path: 3 }, '$.python_path: 3 is not valid under any of the given schemas'],
      [{ code: 'x', globals_dict: {}, slug: 3.5 }, '$.slug: 3.5 is not valid under any of the given schemas'],
      [{ code: 'x', globals_dict: {}, limit_overrides_context: true }, '$.limit_overrides_context: True is not valid under any of the given schemas'],
      [{ code: null, globals_dict: {} }, "$.code: None is not of type 'string'"],
    ];
    for (const [params, msg] of cases) {
      const res = await post(app, params);
      assert.equal(res.status, 400, JSON.stringify(params));
      assert.deepEqual(res.body, { error: `Payload JSON did not match schema at path ${msg}` });
    }
    assert.equal(jail.safeExecCalls.length, 0);
  });

  it('null python_path / slug / limit_overrides_context are accepted', async () => {
    const { app, jail } = makeApp();
    const res = await post(app, { ...standard, python_path: null, slug: null, limit_overrides_context: null });
    assert.equal(res.status, 200);
    assert.deepEqual(jail.safeExecCalls[0].pythonPath, []);
  });

  it('unsafely=true is refused; unsafely=false is fine', async () => {
    const { app, jail } = makeApp();
    const res = await post(app, { ...standard, unsafely: true });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'Refusing codejail execution with unsafely=true' });
    assert.equal(jail.safeExecCalls.length, 0);
    const ok = await post(app, { ...standard, unsafely: false });
    assert.equal(ok.status, 200);
  });

  it('unknown python_path entries -> 400', async () => {
    const { app } = makeApp();
    for (const paths of [['something_else'], ['python_lib.zip', 'something_else']]) {
      const res = await post(app, { code: 'out = 1 + 1', globals_dict: {}, python_path: paths });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { error: "Only allowed entry in 'python_path' is 'python_lib.zip'" });
    }
  });

  it('uploaded files with another name -> 400', async () => {
    const { app } = makeApp();
    for (const names of [['unknown.zip'], ['python_lib.zip', 'unknown.zip']]) {
      const files = Object.fromEntries(names.map((n) => [n, n === 'python_lib.zip' ? libZip() : Buffer.from('TESTING')]));
      const res = await post(app, { code: 'out = 1 + 1', globals_dict: {} }, files);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { error: "Only allowed name for uploaded file is 'python_lib.zip'" });
    }
  });

  it('success returns {"globals_dict": ...} and passes the call through', async () => {
    const { app, jail } = makeApp();
    jail.onSafeExec = (req, limits) => ({ ok: true, globalsJson: '{"retval": 7}', run: run(), effectiveLimits: limits, image: 'test-image' });
    const res = await post(app, { ...standard, slug: 'hw5', limit_overrides_context: 'course-v1:a+b+c' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.body, { globals_dict: { retval: 7 } });
    const call = jail.safeExecCalls[0];
    assert.equal(call.code, 'retval = 3 + 4');
    assert.equal(call.globalsJson, '{}');
    assert.equal(call.slug, 'hw5');
    assert.equal(call.limitOverridesContext, 'course-v1:a+b+c');
    assert.deepEqual(call.pythonPath, []);
    assert.deepEqual(call.extraFiles, []);
  });

  it('urlencoded bodies are accepted too (FormParser)', async () => {
    const { app } = makeApp();
    const res = await request(app).post(EP).type('form').send({ payload: JSON.stringify({ code: 'a = 1', globals_dict: { b: 2 } }) });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { globals_dict: { b: 2 } });
  });

  it('other media types -> 415', async () => {
    const { app } = makeApp();
    const res = await request(app).post(EP).send({ payload: '{}' });
    assert.equal(res.status, 415);
    assert.match(res.body.error, /Unsupported media type "application\/json/);
  });

  it('safe_exec failure -> 200 {"globals_dict": <input>, "emsg": ...}', async () => {
    const { app, jail } = makeApp();
    jail.onSafeExec = (_req, limits) => ({
      ok: false, exception: 'SafeExecException',
      emsg: 'ZeroDivisionError: division by zero',
      status: 1,
      stdout: new Uint8Array(),
      stderr: new Uint8Array(),
      run: run({ status: 1 }),
      effectiveLimits: limits, image: 'test-image',
    });
    const res = await post(app, { code: '1/0', globals_dict: {} });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { globals_dict: {}, emsg: 'ZeroDivisionError: division by zero' });
    assert.equal(res.text, '{"globals_dict":{},"emsg":"ZeroDivisionError: division by zero"}');
  });

  it('course library: python_lib.zip is passed as an extra file with python_path', async () => {
    const { app, jail } = makeApp();
    const zip = libZip();
    const res = await post(app, { code: 'from course_library import triangular_number\nresult = triangular_number(6)\n', globals_dict: {}, python_path: ['python_lib.zip'] }, { 'python_lib.zip': zip });
    assert.equal(res.status, 200);
    const call = jail.safeExecCalls[0];
    assert.deepEqual(call.pythonPath, ['python_lib.zip']);
    assert.equal(call.extraFiles?.length, 1);
    assert.equal(call.extraFiles?.[0].name, 'python_lib.zip');
    assert.deepEqual(Buffer.from(call.extraFiles![0].content), zip);
  });

  it('python_lib.zip that is not a zip -> 400', async () => {
    const { app, jail } = makeApp();
    const res = await post(app, standard, { 'python_lib.zip': Buffer.from('TESTING, not a zip at all') });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'python_lib.zip is not a zip file' });
    assert.equal(jail.safeExecCalls.length, 0);
  });

  it('python_lib.zip with ../ or absolute members -> 400', async () => {
    const { app } = makeApp();
    for (const name of ['../evil.py', 'a/../../evil.py', '/etc/evil.py']) {
      const zip = Buffer.from(zipSync({ [name]: strToU8('x = 1\n') }));
      const res = await post(app, standard, { 'python_lib.zip': zip });
      assert.equal(res.status, 400, name);
      assert.match(res.body.error, /python_lib\.zip: (member name with '\.\.'|absolute member name)/, name);
    }
  });

  it('python_lib.zip bomb -> 400', async () => {
    const { app } = makeApp();
    const zip = Buffer.from(zipSync({ 'big.py': new Uint8Array(8 * 1024 * 1024) }, { level: 9 }));
    const res = await post(app, standard, { 'python_lib.zip': zip });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /python_lib\.zip has a suspicious compression ratio/);
  });

  it('the service is disabled / not ready -> 500 as codejail-service', async () => {
    const disabled = makeApp({ config: testConfig({ codeExecEnabled: false }) });
    let res = await post(disabled.app, standard);
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { error: 'Codejail service not enabled' });
    const unhealthy = makeApp({ healthy: false });
    res = await post(unhealthy.app, standard);
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { error: 'Codejail service is not correctly configured' });
  });

  it('limit_overrides_context with any junk is accepted', async () => {
    const { app, jail } = makeApp();
    const res = await post(app, { code: 'out = 1 + 1', globals_dict: {}, limit_overrides_context: 'xxxxxxx some junk xxxxxxxx' });
    assert.equal(res.status, 200);
    assert.equal(jail.safeExecCalls[0].limitOverridesContext, 'xxxxxxx some junk xxxxxxxx');
  });

  it('GET -> 405', async () => {
    const { app } = makeApp();
    const res = await request(app).get(EP);
    assert.equal(res.status, 405);
    assert.deepEqual(res.body, { error: 'Method "GET" not allowed.' });
  });
});

describe('lossless globals', () => {
  const special =
    '{"in_special": NaN, "inf": Infinity, "ninf": -Infinity, "big": 123456789012345678901234567890, ' +
    '"negzero": -0.0, "e100": 1e100, "f": 1.5E-7, "int_neg": -9007199254740993, "s": "\\u00e9\\ud83d\\ude00\\n", "n": null, "t": true}';

  it('NaN/Infinity/big ints in the payload reach the jail losslessly (Python json.dumps form)', async () => {
    const { app, jail } = makeApp();
    const res = await post(app, `{"code": "out_special = in_special", "globals_dict": ${special}}`).parse(textParser);
    assert.equal(res.status, 200);
    assert.equal(
      jail.safeExecCalls[0].globalsJson,
      '{"in_special":NaN,"inf":Infinity,"ninf":-Infinity,"big":123456789012345678901234567890,' +
        '"negzero":-0.0,"e100":1e+100,"f":1.5e-07,"int_neg":-9007199254740993,"s":"é😀\\n","n":null,"t":true}',
    );
  });

  it("the jail's globals text is spliced into the response byte for byte", async () => {
    const { app, jail } = makeApp();
    const printed = '{"out_special": NaN, "big": 123456789012345678901234567890, "z": -0.0, "e": 1e+100, "i": Infinity}';
    jail.onSafeExec = (_req, limits) => ({ ok: true, globalsJson: printed, run: run(), effectiveLimits: limits, image: 'test-image' });
    const res = await post(app, { code: 'x', globals_dict: {} }).parse(textParser);
    assert.equal(res.status, 200);
    assert.equal(res.body, `{"globals_dict":${printed}}`);
  });

  it('stdout json.loads cannot decode -> "Sandboxed code produced corrupted stdout." with the input globals', async () => {
    // codejail_service/codejail.py: `except JSONDecodeError: ... "Sandboxed code produced corrupted stdout."`
    const { app, jail, errors } = makeApp();
    jail.onSafeExec = (_req, limits) => ({
      ok: false, exception: 'JSONDecodeError', emsg: 'Expecting value: line 1 column 1 (char 0)', status: 0,
      stdout: new Uint8Array(), stderr: new Uint8Array(), run: run(), effectiveLimits: limits, image: 'test-image',
    });
    const res = await post(app, { code: 'import sys; sys.exit(0)', globals_dict: { a: 1 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { globals_dict: { a: 1 }, emsg: 'Sandboxed code produced corrupted stdout.' });
    assert.equal(errors.length, 0);
  });

  it('any other exception from safe_exec -> "Couldn\'t execute sandboxed code: See logs." and an error log', async () => {
    // codejail_service/codejail.py: `except BaseException: log.error(...); "Couldn't execute sandboxed code: See logs."`
    for (const exception of ['UnicodeDecodeError', 'RecursionError', 'ValueError', 'TypeError'] as const) {
      const { app, jail, errors } = makeApp();
      jail.onSafeExec = (_req, limits) => ({
        ok: false, exception, emsg: 'detail', status: 0,
        stdout: new Uint8Array(), stderr: new Uint8Array(), run: run(), effectiveLimits: limits, image: 'test-image',
      });
      const res = await post(app, { code: 'x', globals_dict: { a: 1 } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { globals_dict: { a: 1 }, emsg: "Couldn't execute sandboxed code: See logs." });
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]!.msg), new RegExp(`${exception}: detail`));
    }
  });

  it('emsg responses echo the input globals with NaN and big ints intact', async () => {
    const { app, jail } = makeApp();
    jail.onSafeExec = (_req, limits) => ({
      ok: false, exception: 'SafeExecException', emsg: 'boom', status: 1, stdout: new Uint8Array(), stderr: new Uint8Array(), run: run({ status: 1 }), effectiveLimits: limits, image: 'test-image',
    });
    const res = await post(app, '{"code": "x", "globals_dict": {"a": NaN, "b": 12345678901234567890123}}').parse(textParser);
    assert.equal(res.body, '{"globals_dict":{"a":NaN,"b":12345678901234567890123},"emsg":"boom"}');
  });
});
