// Property-based fuzzing of the HTTP layer (createApp) in front of a REAL jail (2 workers, the
// default image): request fields of both native endpoints and of the v0 payload, raw JSON text,
// multipart bodies and python_lib.zip uploads. For every generated request the answer must be
// 2xx or 4xx — never 5xx, never a dropped connection, never a hang —, every 4xx is JSON
// {"error": "<non-empty>"}, the app logs no internal error, and afterwards the service still
// answers known-good requests correctly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync, crc32 } from 'node:zlib';
import fc from 'fast-check';
import { zipSync, strToU8 } from 'fflate';
import { defaultConfig, type Config } from '../../src/config/config.js';
import type { Jail } from '../../src/jail/jail.js';
import { createApp } from '../../src/server/app.js';
import { HealthState } from '../../src/server/health.js';
import { createMetrics } from '../../src/server/metrics.js';
import { collectingLogger } from '../server/helpers.js';
import { startJail } from '../support/jail.js';

/** FUZZ_RUNS=n overrides every property's run count (0 / unset = the defaults below). */
const RUNS = Number(process.env.FUZZ_RUNS ?? '') || 0;
/** FUZZ_SEED=n replays a run (fast-check prints the seed and path of a failure). */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const runs = (n: number): fc.Parameters<unknown> => ({ numRuns: RUNS > 0 ? RUNS : n, ...(SEED !== undefined ? { seed: SEED } : {}) });
/** A hang, not a speed requirement: the bound only keeps a stuck request from hanging the suite. */
const HANG_MS = 60_000;
const MAX_BODY = 2 * 1024 * 1024;

let jail: Jail;
let server: Server;
let base = '';
const logged = collectingLogger();
const internalErrors = logged.errors;

function fuzzConfig(): Config {
  const c = defaultConfig();
  return {
    ...c,
    workers: 2,
    queueLimit: 64,
    maxBodyBytes: MAX_BODY,
    requestTimeoutMs: 30_000,
    zip: { maxEntries: 50, maxUncompressedBytes: 1024 * 1024, maxRatio: 200 },
  };
}

before(async () => {
  jail = await startJail({ workers: 2, queueLimit: 64 });
  const config = fuzzConfig();
  const health = new HealthState();
  health.set('ok');
  const app = createApp({
    jail,
    config,
    health,
    logger: logged.logger,
    metrics: createMetrics(jail, { defaultMetrics: false }),
  });
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await jail?.close();
});

// ---------------------------------------------------------------------------------------------
// Transport: one request per connection (no keep-alive), with a hang bound.

interface Resp {
  status: number;
  contentType: string;
  body: string;
}

function send(path: string, headers: Record<string, string>, body: Buffer): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const req = httpRequest(
      { method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname, headers: { ...headers, 'content-length': String(body.length) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`hang: no answer within ${HANG_MS} ms`)), HANG_MS);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

const json = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');
const postJson = (path: string, body: Buffer, ct = 'application/json') => send(path, ct ? { 'content-type': ct } : {}, body);

function multipart(parts: { name: string; filename?: string; data: Buffer | string; type?: string }[], boundary = 'fuzzBoundary1234'): { ct: string; body: Buffer } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let h = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) h += `; filename="${p.filename}"`;
    h += '\r\n';
    if (p.type) h += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(h + '\r\n'), Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data, 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { ct: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

function postV0(payload: string | null, files: { name: string; filename?: string; data: Buffer }[] = []) {
  const parts: { name: string; filename?: string; data: Buffer | string }[] = [];
  if (payload !== null) parts.push({ name: 'payload', data: payload });
  for (const f of files) parts.push({ name: f.name, filename: f.filename ?? f.name, data: f.data });
  const m = multipart(parts);
  return send('/api/v0/code-exec', { 'content-type': m.ct }, m.body);
}

// ---------------------------------------------------------------------------------------------
// The property checked for every response, and the per-category counts for the summary.

interface Tally {
  runs: number;
  ok2xx: number;
  client4xx: number;
  statuses: Map<number, number>;
}
const tallies = new Map<string, Tally>();

function tally(cat: string): Tally {
  let t = tallies.get(cat);
  if (!t) tallies.set(cat, (t = { runs: 0, ok2xx: 0, client4xx: 0, statuses: new Map() }));
  return t;
}

/** 2xx or 4xx; a 4xx is JSON {"error": non-empty string}; a 2xx is a JSON object. */
/** FUZZ_DEBUG=1: the most frequent 4xx messages, to see which validators the runs reach. */
const errPrefixes = new Map<string, number>();
function check(cat: string, r: Resp, what: () => string): void {
  if (process.env.FUZZ_DEBUG && r.status >= 400) {
    const k = `${cat} ${r.body.slice(0, 45)}`;
    errPrefixes.set(k, (errPrefixes.get(k) ?? 0) + 1);
  }
  const t = tally(cat);
  t.runs++;
  t.statuses.set(r.status, (t.statuses.get(r.status) ?? 0) + 1);
  const where = () => `${cat}: status ${r.status} body ${r.body.slice(0, 300)} for ${what().slice(0, 500)}`;
  assert.ok((r.status >= 200 && r.status < 300) || (r.status >= 400 && r.status < 500), where());
  assert.match(r.contentType, /^application\/json/, where());
  if (r.status >= 400) {
    t.client4xx++;
    const b = JSON.parse(r.body) as unknown;
    assert.ok(b !== null && typeof b === 'object' && !Array.isArray(b), where());
    assert.deepEqual(Object.keys(b as object), ['error'], where());
    const msg = (b as { error: unknown }).error;
    assert.ok(typeof msg === 'string' && msg.trim().length > 0, where());
  } else {
    t.ok2xx++;
    // Globals may legitimately carry NaN / Infinity (Python's json); make them parseable.
    const text = r.body.replace(/-?\b(?:NaN|Infinity)\b/g, 'null');
    const b = JSON.parse(text) as unknown;
    assert.ok(b !== null && typeof b === 'object' && !Array.isArray(b), where());
  }
  assert.equal(internalErrors.length, 0, `internal error logged: ${JSON.stringify(internalErrors[0])} for ${what().slice(0, 500)}`);
}

// ---------------------------------------------------------------------------------------------
// Generators.

const loneSurrogate = fc.constantFrom('\ud800', '\udfff', 'a\udc00b', '\ud83d');
/** Strings that probe validators: NUL, traversal, absolute paths, surrogates, long, unicode. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  loneSurrogate,
  fc.constantFrom('', '\0', 'a\0b', '..', '../x', '/etc/passwd', 'a/../../b', 'C:\\x', '\\\\srv\\x', '.', './a', 'a//b', 'python_lib.zip', 'x'.repeat(5000), '🐍', 'NaN', '-0', '1e999'),
);
const weirdNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, Number.MAX_VALUE, 0.5, 1e-320),
);
/** Any JSON value (JSON.stringify of NaN / Infinity gives null, so those go through raw text). */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  fc.constant(null),
  fc.boolean(),
  weirdNumber,
  nastyString,
  fc.array(fc.oneof(nastyString, weirdNumber, fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(nastyString, fc.oneof(nastyString, weirdNumber, fc.boolean(), fc.constant(null)), { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');
const limitsValue = fc.oneof(
  anyJson,
  fc.dictionary(fc.constantFrom('CPU', 'REALTIME', 'VMEM', 'FSIZE', 'NPROC', 'PROXY', 'cpu', 'BOGUS', ''), anyJson, { maxKeys: 4 }),
  fc.record({ CPU: fc.constantFrom(0.5, 1, 2, -1, 0), REALTIME: fc.constantFrom(1, 5, 0, -3), VMEM: fc.constantFrom(0, 1, 1 << 20, 64 << 20, 2 ** 40) }, { requiredKeys: [] }),
);
const fileEntry = fc.oneof(
  anyJson,
  fc.record({ path: fc.oneof(nastyString, anyJson), content_b64: fc.oneof(fc.constantFrom(b64('x = 1\n'), '', '!!!', 'QQ', 'QQ=', 'QQ=='), anyJson) }, { requiredKeys: [] }),
  fc.record({ name: fc.oneof(nastyString, anyJson), content_b64: fc.oneof(fc.constantFrom(b64('data'), '====', 'a'), anyJson) }, { requiredKeys: [] }),
);
/** Benign programs only: the fuzz is about the HTTP layer, and none of these loops forever. */
const code = fc.oneof(
  fc.constantFrom('x = 1', 'out = len(globals())', 'print("hi")', 'raise ValueError("v")', 'import sys; sys.exit(3)', 'x = 1/0', 'def f(:', 'import os; print(os.listdir("."))', 'y = [0] * 1000', ''),
  fc.string({ maxLength: 30 }),
  fc.constantFrom(null, 5, [], {}, true),
);
const jsonFieldValue = (field: string): fc.Arbitrary<unknown> => {
  switch (field) {
    case 'code': return code;
    case 'limits': return limitsValue;
    case 'files':
    case 'extra_files': return fc.oneof(anyJson, fc.array(fileEntry, { maxLength: 3 }));
    case 'argv':
    case 'python_path': return fc.oneof(anyJson, fc.array(fc.oneof(nastyString, anyJson), { maxLength: 3 }));
    case 'stdin_b64': return fc.oneof(anyJson, fc.constantFrom(b64('in'), 'abc', '', null));
    case 'seed': return fc.oneof(anyJson, weirdNumber, fc.constantFrom(-1, 0, 42, 2 ** 53, 1.5));
    case 'globals_dict': return fc.oneof(anyJson, fc.dictionary(nastyString, anyJson, { maxKeys: 4 }));
    case 'command': return fc.oneof(anyJson, fc.constantFrom('python', 'bash', '', 'python\0'));
    case 'image': return fc.oneof(anyJson, fc.constantFrom('py311-base', 'nope', '', null));
    case 'unsafely': return fc.oneof(anyJson, fc.boolean());
    default: return anyJson;
  }
};

/** Values a valid request may carry, so that a good share of the mutated requests reach the jail. */
const validFieldValue = (field: string): fc.Arbitrary<unknown> => {
  switch (field) {
    case 'code': return fc.constantFrom('x = 1', 'print("ok")', 'out = 2 + 3', 'raise KeyError("k")');
    case 'limits': return fc.record({ CPU: fc.constantFrom(0.5, 1, 2), REALTIME: fc.constantFrom(1, 5), VMEM: fc.constantFrom(0, 64 << 20), FSIZE: fc.constantFrom(0, 1024), NPROC: fc.constant(15), PROXY: fc.constant(null) }, { requiredKeys: [] });
    case 'files': return fc.array(fc.record({ path: fc.constantFrom('a.py', 'pkg/m.py', 'data/x.txt'), content_b64: fc.constantFrom(b64('x = 1\n'), '') }), { maxLength: 2 });
    case 'extra_files': return fc.array(fc.record({ name: fc.constantFrom('a.txt', 'b.bin', 'python_lib.zip'), content_b64: fc.constantFrom(b64('data'), '') }), { maxLength: 2 });
    case 'argv': return fc.array(fc.string({ maxLength: 8 }).filter((x) => !x.includes('\0')), { maxLength: 3 });
    case 'python_path': return fc.array(fc.constantFrom('lib', 'python_lib.zip', '/abs/lib'), { maxLength: 2 });
    case 'stdin_b64': return fc.constantFrom(b64('input'), null);
    case 'seed': return fc.integer({ min: 0, max: 2 ** 31 });
    case 'globals_dict': return fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
    case 'command': return fc.constant('python');
    case 'image': return fc.constantFrom(null, '');
    case 'unsafely': return fc.constant(false);
    case 'limit_overrides_context':
    case 'slug': return fc.oneof(fc.constant(null), fc.string({ maxLength: 20 }));
    default: return fc.constant(null);
  }
};

/** The value one time in eight, else undefined. */
const rarely = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ arbitrary: fc.constant(undefined), weight: 7 }, { arbitrary: a, weight: 1 });

/** Start from a valid body, set 0-3 fields to valid or arbitrary values, maybe drop one, maybe add unknown ones. */
function mutatedBody(valid: Record<string, unknown>, fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const setting = fc.constantFrom(...fields).chain((f) => fc.oneof(validFieldValue(f), jsonFieldValue(f)).map((v) => [f, v] as const));
  return fc
    .tuple(
      fc.array(setting, { maxLength: 3 }),
      rarely(fc.constantFrom(...fields)),
      rarely(fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { minKeys: 1, maxKeys: 2 })),
    )
    .map(([sets, drop, extra]) => {
      const out: Record<string, unknown> = { ...valid };
      for (const [f, v] of sets) out[f] = v;
      if (drop !== undefined) delete out[drop];
      if (extra !== undefined) Object.assign(out, extra);
      return out;
    });
}

const JAIL_CODE_FIELDS = ['command', 'code', 'files', 'extra_files', 'argv', 'stdin_b64', 'limit_overrides_context', 'slug', 'limits', 'seed', 'image'] as const;
const SAFE_EXEC_FIELDS = ['code', 'globals_dict', 'python_path', 'files', 'extra_files', 'limit_overrides_context', 'slug', 'limits', 'seed', 'image'] as const;
const V0_FIELDS = ['code', 'globals_dict', 'python_path', 'limit_overrides_context', 'slug', 'unsafely', 'image'] as const;

// Raw JSON text: valid documents, then broken in various ways.
const deepNesting = fc.tuple(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('[', '{"a":', '[{"b":')).map(([n, open]) => {
  const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
  return `{"code": "x = 1", "globals_dict": {"g": ${open.repeat(n)}1${close.repeat(n)}}}`;
});
const rawJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.json({ maxDepth: 2 }).chain((t) => fc.integer({ min: 0, max: Math.max(0, t.length - 1) }).map((n) => t.slice(0, n))), // truncated
  fc.tuple(fc.json({ maxDepth: 2 }), fc.integer({ min: 0, max: 40 }), fc.string({ maxLength: 4 })).map(([t, at, s]) => t.slice(0, at) + s + t.slice(at)), // inserted junk
  deepNesting,
  fc.constantFrom(
    '', ' ', 'null', '[]', '"str"', '0', '{', '}', '{"code":', '{"code": "x = 1", "globals_dict": {}', '{"code": "x = 1",}',
    '{"code": "x = 1", "globals_dict": {"n": NaN}}', '{"code": "x = 1", "globals_dict": {"n": Infinity, "m": -Infinity}}',
    '{"code": "x = 1", "globals_dict": {"n": 1e999999}}', '{"code": "x = 1", "globals_dict": {"n": -1e-999999}}',
    `{"code": "x = 1", "globals_dict": {"n": ${'9'.repeat(5000)}}}`, `{"code": "x = 1", "globals_dict": {"n": ${'9'.repeat(100_000)}}}`,
    `{"code": "x = 1", "globals_dict": {"n": 1${'0'.repeat(400)}.5e${'9'.repeat(30)}}}`,
    '{"code": "x = 1", "globals_dict": {"s": "\\ud800"}}', '{"code": "x = 1", "globals_dict": {"s": "\\udc00\\ud800"}}',
    '{"code": "\\ud83d", "globals_dict": {}}', '{"code": "x = 1", "globals_dict": {"\\udfff": 1}}',
    '{"code": "x = 1", "globals_dict": {"a": 1, "a": 2}}', '{"code": "x = 1", "code": 5, "globals_dict": {}}',
    '\ufeff{"code": "x = 1", "globals_dict": {}}', '{"code": "x\\u0000y", "globals_dict": {}}', '{"code": "\\x41"}',
    '{"code": "x = 1", "globals_dict": {}}\n{}', "{'code': 'x'}", '[1, 2', '"\\u12"', '-', '01', '1.', '.5', '+1', 'tru', 'nul',
  ),
  fc.string({ unit: 'binary', maxLength: 50 }),
);
/** Bytes, including invalid UTF-8, for the native endpoints. */
const rawJsonBytes: fc.Arbitrary<Buffer> = fc.oneof(
  rawJsonText.map((t) => Buffer.from(t, 'utf8')),
  fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
  fc.constantFrom(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('{"code":"\xe9"}', 'latin1')),
);
const jsonContentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/vnd.api+json', '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/jsonx', 'APPLICATION/JSON');

// ---------------------------------------------------------------------------------------------
// Zips.

function zipWith(members: { name: string; data: Buffer; method?: 0 | 8; crc?: number; usize?: number; flags?: number; methodId?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const method = m.method ?? 8;
    const comp = method === 8 ? deflateRawSync(m.data) : m.data;
    const crc = m.crc ?? crc32(m.data) >>> 0;
    const usize = m.usize ?? m.data.length;
    const flags = (m.flags ?? 0) | 0x800;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(flags, 6); lh.writeUInt16LE(m.methodId ?? method, 8);
    lh.writeUInt32LE(crc, 14); lh.writeUInt32LE(comp.length, 18); lh.writeUInt32LE(usize, 22); lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6); ch.writeUInt16LE(flags, 8); ch.writeUInt16LE(m.methodId ?? method, 10);
    ch.writeUInt32LE(crc, 16); ch.writeUInt32LE(comp.length, 20); ch.writeUInt32LE(usize, 24); ch.writeUInt16LE(name.length, 28); ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, comp);
    centrals.push(ch, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(members.length, 8); eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

const LIB = 'def triangular_number(n):\n    return n * (n + 1) // 2\n';
const goodZip = () => Buffer.from(zipSync({ 'course_library/__init__.py': strToU8(LIB) }));
type ZipCase = { kind: string; data: Buffer; fieldName?: string; filename?: string };
const zipCase: fc.Arbitrary<ZipCase> = fc.oneof(
  fc.constant({ kind: 'valid', data: goodZip() }),
  fc.uint8Array({ maxLength: 300 }).map((u) => ({ kind: 'random', data: Buffer.from(u) })),
  fc.integer({ min: 0, max: 200 }).map((n) => ({ kind: 'truncated', data: goodZip().subarray(0, Math.min(n, goodZip().length - 1)) })),
  fc.tuple(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 255 })).map(([at, b]) => {
    const z = Buffer.from(goodZip());
    z[at % z.length] = b;
    return { kind: 'bitflip', data: z };
  }),
  // A highly compressible member: over the ratio limit (200:1) and/or the size limit (1 MiB).
  fc.integer({ min: 300_000, max: 8_000_000 }).map((n) => ({ kind: 'bomb', data: zipWith([{ name: 'bomb.txt', data: Buffer.alloc(n) }]) })),
  // Stored (no compression) but over the uncompressed-size limit.
  fc.constant({ kind: 'oversize', data: zipWith([{ name: 'big.bin', data: Buffer.alloc(1024 * 1024 + 10, 7), method: 0 }]) }),
  // Central directory lies: claims a small size, inflates to much more.
  fc.constant({ kind: 'liar', data: zipWith([{ name: 'a.py', data: Buffer.alloc(500_000), usize: 10 }]) }),
  fc.constantFrom('../evil.py', '../../etc/x', '/abs.py', '\\abs.py', 'C:/x.py', 'a/../../b.py', 'ok/..', 'nul\0.py', '').map((name) => ({ kind: 'traversal', data: zipWith([{ name, data: Buffer.from('x = 1\n') }]) })),
  fc.constant({ kind: 'crc', data: zipWith([{ name: 'm.py', data: Buffer.from('x = 1\n'), crc: 1234 }]) }),
  fc.constant({ kind: 'encrypted', data: zipWith([{ name: 'm.py', data: Buffer.from('x = 1\n'), flags: 1 }]) }),
  fc.constantFrom(12, 14, 99).map((m) => ({ kind: 'method', data: zipWith([{ name: 'm.py', data: Buffer.from('x = 1\n'), methodId: m }]) })),
  fc.constant({ kind: 'many', data: zipWith(Array.from({ length: 60 }, (_, i) => ({ name: `m${i}.py`, data: Buffer.from('x = 1\n') }))) }),
  fc.tuple(nastyString, fc.constantFrom('python_lib.zip', 'other.zip', 'lib.zip', '')).map(([filename, fieldName]) => ({ kind: 'names', data: goodZip(), fieldName, filename })),
);

// ---------------------------------------------------------------------------------------------
// Multipart bodies for /api/v0/code-exec, assembled by hand to break them at every level.

const V0_OK = JSON.stringify({ code: 'x = x + 1', globals_dict: { x: 1 } });
type RawBody = { ct: string | null; body: Buffer; kind: string };
const multipartCase: fc.Arbitrary<RawBody> = fc.oneof(
  // Wrong / missing / overlong boundaries.
  fc.tuple(fc.constantFrom('', 'x'.repeat(71), 'x'.repeat(500), 'a b', '"quoted"', 'wrong', '--', ';'), fc.boolean()).map(([b, declared]) => {
    const m = multipart([{ name: 'payload', data: V0_OK }], 'realBoundary');
    return { kind: 'boundary', ct: declared ? `multipart/form-data; boundary=${b}` : 'multipart/form-data', body: m.body };
  }),
  // Duplicate payload fields, payload as a file, other field names, other file names.
  fc.array(fc.record({ name: fc.constantFrom('payload', 'python_lib.zip', 'other', 'payload[]', ''), file: fc.boolean(), filename: fc.oneof(fc.constantFrom('python_lib.zip', 'x.zip', '../python_lib.zip', ''), nastyString), data: fc.oneof(fc.constant(V0_OK), fc.string({ maxLength: 30 })) }), { minLength: 0, maxLength: 5 }).map((parts) => {
    const m = multipart(parts.map((p) => ({ name: p.name, filename: p.file ? p.filename.replace(/["\r\n]/g, '') : undefined, data: p.data })));
    return { kind: 'parts', ct: m.ct, body: m.body };
  }),
  // Unusual but legal: quoted / 70-character boundaries, a preamble, part content types, extra fields.
  fc.tuple(fc.constantFrom('q', 'x'.repeat(70), "a'()+_,-./:=?"), fc.boolean(), fc.boolean()).map(([b, quoted, preamble]) => {
    const m = multipart([{ name: 'payload', data: V0_OK, type: 'application/json; charset=utf-8' }, { name: 'extra', data: 'ignored' }], b);
    return { kind: 'legal', ct: `multipart/form-data; charset=utf-8; boundary=${quoted ? `"${b}"` : b}`, body: preamble ? Buffer.concat([Buffer.from('preamble\r\n'), m.body]) : m.body };
  }),
  // Truncated or corrupted bodies.
  fc.integer({ min: 0, max: 200 }).map((n) => {
    const m = multipart([{ name: 'payload', data: V0_OK }, { name: 'python_lib.zip', filename: 'python_lib.zip', data: goodZip() }]);
    return { kind: 'truncated', ct: m.ct, body: m.body.subarray(0, Math.min(n, m.body.length)) };
  }),
  fc.uint8Array({ maxLength: 200 }).map((u) => ({ kind: 'garbage', ct: 'multipart/form-data; boundary=fuzzBoundary1234', body: Buffer.from(u) })),
  // Huge fields / files over maxBodyBytes, and many parts.
  fc.constantFrom('field', 'file', 'count').map((what) => {
    if (what === 'count') {
      const m = multipart(Array.from({ length: 250 }, (_, i) => ({ name: `f${i}`, data: 'v' })));
      return { kind: 'huge', ct: m.ct, body: m.body };
    }
    const big = Buffer.alloc(MAX_BODY + 1024, 0x61);
    const m = multipart(what === 'field' ? [{ name: 'payload', data: big }] : [{ name: 'payload', data: V0_OK }, { name: 'python_lib.zip', filename: 'python_lib.zip', data: big }]);
    return { kind: 'huge', ct: m.ct, body: m.body };
  }),
  // Other content types on the v0 endpoint, and urlencoded forms.
  fc.tuple(fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/mixed; boundary=x', null), fc.string({ maxLength: 40 })).map(([ct, s]) => ({
    kind: 'content-type', ct, body: Buffer.from(ct === 'application/x-www-form-urlencoded' ? `payload=${encodeURIComponent(V0_OK)}&${encodeURIComponent(s)}=%ZZ` : s),
  })),
);

// ---------------------------------------------------------------------------------------------

const SAFE_EXEC_VALID = { code: 'x = x + 1', globals_dict: { x: 1 } };
const JAIL_CODE_VALID = { command: 'python', code: 'print(1)' };
const V0_VALID = { code: 'x = x + 1', globals_dict: { x: 1 } };

test('fuzz: native endpoint fields (jail_code, safe_exec)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        mutatedBody(JAIL_CODE_VALID, JAIL_CODE_FIELDS).map((b) => ['jail_code', b] as const),
        mutatedBody(SAFE_EXEC_VALID, SAFE_EXEC_FIELDS).map((b) => ['safe_exec', b] as const),
      ),
      async ([ep, body]) => {
        const r = await postJson(`/api/v1/${ep}`, json(body));
        check(`fields-${ep}`, r, () => JSON.stringify(body));
      },
    ),
    runs(400),
  );
});

test('fuzz: v0 payload fields', async () => {
  await fc.assert(
    fc.asyncProperty(mutatedBody(V0_VALID, V0_FIELDS), async (payload) => {
      const r = await postV0(JSON.stringify(payload));
      check('fields-v0', r, () => JSON.stringify(payload));
    }),
    runs(300),
  );
});

test('fuzz: raw JSON text (native bodies and the v0 payload)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('jail_code', 'safe_exec', 'v0'), rawJsonBytes, jsonContentType, async (ep, bytes, ct) => {
      const r = ep === 'v0' ? await postV0(bytes.toString('utf8')) : await postJson(`/api/v1/${ep}`, bytes, ct);
      check('raw-json', r, () => `${ep} ${ct} ${JSON.stringify(bytes.toString('utf8').slice(0, 300))} (${bytes.length} bytes)`);
    }),
    runs(400),
  );
});

test('fuzz: multipart bodies', async () => {
  await fc.assert(
    fc.asyncProperty(multipartCase, async (c) => {
      const r = await send('/api/v0/code-exec', c.ct === null ? {} : { 'content-type': c.ct }, c.body);
      check('multipart', r, () => `${c.kind} ${c.ct} ${JSON.stringify(c.body.subarray(0, 200).toString('latin1'))}`);
    }),
    runs(300),
  );
});

test('fuzz: python_lib.zip uploads', async () => {
  const zipKinds = new Map<string, Map<number, number>>();
  await fc.assert(
    fc.asyncProperty(zipCase, async (z) => {
      const payload = JSON.stringify({ code: 'from course_library import triangular_number as t\nr = t(n)', globals_dict: { n: 10 }, python_path: ['python_lib.zip'] });
      const r = await postV0(payload, [{ name: z.fieldName ?? 'python_lib.zip', filename: z.filename ?? 'python_lib.zip', data: z.data }]);
      check('zip', r, () => `${z.kind} ${z.fieldName ?? ''} ${z.filename ?? ''} ${z.data.length} bytes`);
      const k = zipKinds.get(z.kind) ?? new Map<number, number>();
      k.set(r.status, (k.get(r.status) ?? 0) + 1);
      zipKinds.set(z.kind, k);
      // The unsafe ones are refused before the jail; the valid one imports.
      if (['bomb', 'oversize', 'liar', 'traversal', 'crc', 'encrypted', 'method', 'many'].includes(z.kind)) assert.equal(r.status, 400, `${z.kind}: ${r.body}`);
      if (z.kind === 'valid') assert.deepEqual(JSON.parse(r.body), { globals_dict: { n: 10, r: 55 } });
    }),
    runs(250),
  );
  console.log(`# fuzz zip kinds: ${[...zipKinds].map(([k, m]) => `${k} ${[...m].map(([s, n]) => `${s}x${n}`).join('/')}`).join(', ')}`);
});

/** Raw HTTP over a socket: the answer's status line, or 'closed' when none came. */
async function rawExchange(head: string, chunks: Buffer[], opts: { abortAfter?: number } = {}): Promise<string> {
  const { connect } = await import('node:net');
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(url.port), '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('hang: no answer'));
    }, HANG_MS);
    sock.on('data', (b: Buffer) => (got += b.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 'closed');
    });
    sock.on('connect', () => {
      sock.write(head);
      chunks.forEach((c, i) => {
        if (opts.abortAfter !== undefined && i >= opts.abortAfter) return;
        sock.write(`${c.length.toString(16)}\r\n`);
        sock.write(c);
        sock.write('\r\n');
      });
      if (opts.abortAfter !== undefined) setTimeout(() => sock.destroy(), 50);
      else sock.end('0\r\n\r\n');
    });
  });
}

test('transport edge cases: chunked bodies over the limit get 413, clients aborting mid-body leave no trace', async () => {
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  const many = Array.from({ length: Math.ceil(MAX_BODY / chunk.length) + 2 }, () => chunk);
  const counts: Record<string, number> = {};
  for (const [path, ct] of [
    ['/api/v1/safe_exec', 'application/json'],
    ['/api/v1/jail_code', 'application/json'],
    ['/api/v0/code-exec', 'multipart/form-data; boundary=fuzzBoundary1234'],
  ] as const) {
    const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${ct}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const first = path === '/api/v0/code-exec' ? [Buffer.from('--fuzzBoundary1234\r\nContent-Disposition: form-data; name="payload"\r\n\r\n')] : [];
    const over = await rawExchange(head, [...first, ...many]);
    assert.equal(over, '413', `${path}: chunked body over the limit`);
    // The client goes away in the middle of the body: no answer is expected, nothing may break.
    const aborted = await rawExchange(head, [...first, chunk, chunk], { abortAfter: first.length + 1 });
    counts[`${path} over-limit`] = Number(over);
    counts[`${path} aborted`] = aborted === 'closed' ? 0 : Number(aborted);
    assert.ok(aborted === 'closed' || /^4\d\d$/.test(aborted), `${path}: aborted upload answered ${aborted}`);
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(internalErrors.length, 0, `internal error logged: ${JSON.stringify(internalErrors[0])}`);
  const tt = tally('transport');
  tt.runs += 6;
  tt.client4xx += 3; // the three 413s; the three aborted uploads get no answer by design
  console.log(`# fuzz transport: ${Object.entries(counts).map(([k, v]) => `${k} ${v === 0 ? 'closed' : v}`).join(', ')}`);
});

test('after the fuzz run the service still answers known-good requests correctly', async () => {
  const se = await postJson('/api/v1/safe_exec', json({ code: 'x = x + 1', globals_dict: { x: 16 } }));
  assert.equal(se.status, 200, se.body);
  assert.deepEqual(JSON.parse(se.body).globals_dict, { x: 17 });
  const jc = await postJson('/api/v1/jail_code', json({ code: 'import sys; print(sys.argv[1:])', argv: ['a', 'b'] }));
  assert.equal(jc.status, 200, jc.body);
  assert.equal(Buffer.from(JSON.parse(jc.body).stdout_b64, 'base64').toString(), "['a', 'b']\n");
  const v0 = await postV0(JSON.stringify({ code: 'from course_library import triangular_number as t\nr = t(n)', globals_dict: { n: 4 }, python_path: ['python_lib.zip'] }), [{ name: 'python_lib.zip', data: goodZip() }]);
  assert.equal(v0.status, 200, v0.body);
  assert.deepEqual(JSON.parse(v0.body), { globals_dict: { n: 4, r: 10 } });
  const s = jail.stats();
  assert.equal(s.workers, 2);
  assert.equal(internalErrors.length, 0);

  const cats = [...tallies].map(([c, t]) => `${c} ${t.runs} (2xx ${t.ok2xx}, 4xx ${t.client4xx})`);
  const total = [...tallies.values()].reduce((a, t) => a + t.runs, 0);
  console.log(`# fuzz: ${cats.join('; ')}`);
  if (process.env.FUZZ_DEBUG) console.log([...errPrefixes].sort((a, b) => b[1] - a[1]).slice(0, 40));
  console.log(`# fuzz total: ${total} requests, 5xx 0, hangs 0, dropped connections 0, internal errors 0; known-good after: ok`);
});
