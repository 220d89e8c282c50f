// Costs a request makes the host pay at the HTTP boundary, before it is queued, stay bounded
// whatever the request claims or hides (docs: issue #19, classes 3-6). Each deny_* case failed
// before its fix.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, createDeflateRaw } from 'node:zlib';
import request from 'supertest';
import { defaultConfig } from '../../src/config/config.js';
import type { Jail } from '../../src/jail/jail.js';
import { DEFAULT_ANSWER_LIMIT_BYTES } from '../../src/jail/runOutput.js';
import type { App } from '../../src/server/app.js';
import { checkZip } from '../../src/server/zipCheck.js';
import { startJail } from '../support/jail.js';
import { appFor } from '../server/helpers.js';

/** A zip with one deflated member of `zeroBytes` zeros (built chunk by chunk: the test itself
 * never holds the inflated member) plus a stored member of `padBytes` incompressible bytes,
 * so that the archive's overall compression ratio passes the ratio check. */
async function zeroBombZip(zeroBytes: number, padBytes: number): Promise<Buffer> {
  const chunk = Buffer.alloc(1 << 20);
  const deflate = createDeflateRaw({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  const ended = new Promise((r) => deflate.on('end', r));
  let crc = 0;
  for (let left = zeroBytes; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    crc = crc32(piece, crc);
    if (!deflate.write(piece)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await ended;
  const zeros = Buffer.concat(parts);
  const pad = Buffer.alloc(padBytes);
  let x = 12345;
  for (let i = 0; i < padBytes; i++) pad[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  const members = [
    { name: 'zeros.py', method: 8, data: zeros, crc: crc >>> 0, size: zeroBytes },
    { name: 'pad.bin', method: 0, data: pad, crc: crc32(pad) >>> 0, size: padBytes },
  ];
  const out: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.method, 8);
    local.writeUInt32LE(m.crc, 14);
    local.writeUInt32LE(m.data.length, 18);
    local.writeUInt32LE(m.size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(m.method, 10);
    cd.writeUInt32LE(m.crc, 16);
    cd.writeUInt32LE(m.data.length, 20);
    cd.writeUInt32LE(m.size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    out.push(local, name, m.data);
    central.push(cd, name);
    offset += 30 + name.length + m.data.length;
  }
  const cdBytes = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cdBytes.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...out, cdBytes, eocd]);
}

/** The peak growth of array-buffer memory (where inflated bytes live) while `fn` runs. */
async function peakArrayBufferGrowth(fn: () => Promise<unknown>): Promise<number> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 2);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().arrayBuffers) - base;
}

test('deny_zip_inflated_before_admission: a 250 MiB member under the ratio limit is checked without holding it', async () => {
  const zip = await zeroBombZip(250 << 20, 1_400_000);
  assert.ok(zip.length < 2 << 20, `the upload is small (${zip.length} bytes)`);
  const limits = { maxEntries: 10, maxUncompressedBytes: 256 << 20, maxRatio: 200 };
  const growth = await peakArrayBufferGrowth(async () => {
    // Four at once, as four concurrent requests would.
    const results = await Promise.all([1, 2, 3, 4].map(() => checkZip(zip, limits)));
    for (const r of results) assert.equal(r.uncompressedBytes, (250 << 20) + 1_400_000);
  });
  assert.ok(growth < 64 << 20, `inflating grew array buffers by ${(growth / 2 ** 20).toFixed(1)} MiB`);
});

test('allow_zip_checked: the same archive over the ratio limit is refused from its central directory alone', async () => {
  const zip = await zeroBombZip(250 << 20, 100_000);
  const growth = await peakArrayBufferGrowth(async () => {
    await assert.rejects(checkZip(zip, { maxEntries: 10, maxUncompressedBytes: 256 << 20, maxRatio: 200 }), /suspicious compression ratio/);
  });
  assert.ok(growth < 16 << 20, `grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
});

// ---- files and limits: refused before any worker sees them (a real jail behind the real app) ----

let jail: Jail;
let app: App;
before(async () => {
  jail = await startJail({ workers: 1 });
  app = appFor(jail, { ...defaultConfig(), maxBodyBytes: 64 << 20 });
});
after(async () => {
  await jail.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const file = (path: string) => ({ path, content_b64: b64('x = 1\n') });

async function refused(body: unknown, field: RegExp): Promise<void> {
  const res = await request(app).post('/api/v1/jail_code').set('Content-Type', 'application/json').send(JSON.stringify(body));
  assert.equal(res.status, 400, res.text.slice(0, 500));
  assert.equal(res.headers['content-type'], 'application/json');
  assert.match(res.body.error, field);
}

test('deny_file_under_file: [a, a/b] is a 400 naming the field, not a crash in the worker', async () => {
  const before = jail.stats().replacements;
  await refused({ code: 'print(1)', files: [file('a'), file('a/b')] }, /^files\[1\]\.path: needs a\/ to be a directory, but files\[0\]\.path is a file there/);
  await refused({ code: 'print(1)', files: [file('a/b'), file('a')] }, /^files\[1\]\.path: is a directory of files\[0\]\.path/);
  await refused({ code: 'print(1)', files: [file('jailed_code/x')] }, /^code: is a directory of files\[0\]\.path/);
  await refused({ code: 'print(1)', files: [file('lib/x.py')], extra_files: [{ name: 'lib', content_b64: '' }] }, /^extra_files\[0\]\.name: is a directory/);
  await refused({ files: [file('tmp')] }, /^files\[0\]\.path: must not replace the jail's tmp directory/);
  assert.equal(jail.stats().replacements, before, 'no worker was lost');
  // The same files in an order that works: a file and its sibling directory.
  const ok = await request(app).post('/api/v1/jail_code').set('Content-Type', 'application/json')
    .send(JSON.stringify({ code: 'import os\nprint(sorted(os.listdir(".")), os.listdir("a"))', files: [file('a/b'), file('c')] }));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(Buffer.from(ok.body.stdout_b64, 'base64').toString(), "['a', 'c', 'jailed_code', 'tmp'] ['b']\n");
});

test('deny_uncounted_directories: deep and numerous caller paths are refused before queueing', async () => {
  const deep = Array.from({ length: 2000 }, () => 'a').join('/');
  await refused({ code: 'print(1)', files: [file(`${deep}/f`)] }, /^files\[0\]\.path: is too deep \(at most 64 components\)/);
  // 4,000 paths of 20 levels: the entry count is refused at once.
  const many = Array.from({ length: 4000 }, (_, i) => file(`d${i}/${Array.from({ length: 20 }, () => 'a').join('/')}/f`));
  await refused({ code: 'print(1)', files: many }, /^files: too many files/);
  // 900 paths of 3 fresh directories each: 2,700 directories.
  const dirs = Array.from({ length: 900 }, (_, i) => file(`d${i}/e/g/f`));
  await refused({ code: 'print(1)', files: dirs }, /creates too many directories \(at most 1000 in all\)/);
});

test('deny_limit_rounding_to_unlimited: a positive CPU or REALTIME too small for any budget is a 400', async () => {
  // 1e-10 s of CPU rounds to 0 fuel, and 0 fuel means no limit at all.
  for (const name of ['CPU', 'REALTIME']) {
    for (const v of [1e-10, 0.0004]) {
      await refused({ code: 'while True: pass', limits: { [name]: v } }, new RegExp(`^limits\\.${name}: must be 0 \\(unlimited\\) or at least 0\\.001 seconds`));
    }
  }
  const ok = await request(app).post('/api/v1/jail_code').set('Content-Type', 'application/json')
    .send(JSON.stringify({ code: 'while True: pass', limits: { CPU: 0.001 } }));
  assert.equal(ok.status, 200);
  assert.equal(ok.body.limit_hit, 'CPU');
});

test('deny_unbounded_answer: 2 x 8 MiB of \\xff then exit 3 gives answers within the answer limit, marked where cut', async () => {
  const code = 'import os\nos.write(1, b"\\xff" * (8 << 20))\nos.write(2, b"\\xff" * (8 << 20))\nraise SystemExit(3)';
  const limit = DEFAULT_ANSWER_LIMIT_BYTES;
  const slack = 4096;
  const v1 = await request(app).post('/api/v1/safe_exec').set('Content-Type', 'application/json').send(JSON.stringify({ code }));
  assert.equal(v1.status, 200);
  assert.ok(v1.text.length <= limit + slack, `safe_exec answer: ${v1.text.length} bytes`);
  assert.equal(v1.body.exception, 'SafeExecException');
  assert.match(v1.body.emsg, /^Couldn't execute jailed code: stdout: b'(\\xff)+'\[codejail-wasm: \d+ more bytes not in this answer\], stderr: b'(\\xff)+'\[codejail-wasm: \d+ more bytes not in this answer\] with status code: 3$/);
  assert.match(Buffer.from(v1.body.stdout_b64, 'base64').toString('latin1'), /\[codejail-wasm: \d+ more bytes not in this answer\]\n$/);
  const v0 = await request(app).post('/api/v0/code-exec').field('payload', JSON.stringify({ code, globals_dict: {} }));
  assert.equal(v0.status, 200);
  assert.ok(v0.text.length <= limit + slack, `code-exec answer: ${v0.text.length} bytes`);
  assert.match(v0.body.emsg, /more bytes not in this answer/);
  const jc = await request(app).post('/api/v1/jail_code').set('Content-Type', 'application/json').send(JSON.stringify({ code }));
  assert.equal(jc.status, 200);
  assert.ok(jc.text.length <= limit + slack, `jail_code answer: ${jc.text.length} bytes`);
  assert.equal(jc.body.stdout_truncated, true);
  assert.equal(jc.body.status, 3);
});

test('deny_unbounded_answer: globals larger than an answer may carry are refused, saying so', async () => {
  const code = `big = "x" * ${DEFAULT_ANSWER_LIMIT_BYTES}`;
  const v1 = await request(app).post('/api/v1/safe_exec').set('Content-Type', 'application/json').send(JSON.stringify({ code }));
  assert.equal(v1.status, 200);
  assert.ok(v1.text.length < 2 * DEFAULT_ANSWER_LIMIT_BYTES, `${v1.text.length} bytes`);
  assert.equal(v1.body.exception, 'ValueError');
  assert.match(v1.body.emsg, /more than an answer may carry \(4194304 bytes: CODEJAIL_WASM_ANSWER_LIMIT_BYTES\)/);
  const small = await request(app).post('/api/v1/safe_exec').set('Content-Type', 'application/json').send(JSON.stringify({ code: `big = "x" * ${DEFAULT_ANSWER_LIMIT_BYTES - 100}` }));
  assert.equal(small.body.globals_dict.big.length, DEFAULT_ANSWER_LIMIT_BYTES - 100);
});
