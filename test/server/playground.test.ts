// The playground page in a real headless browser (Debian's chromium through playwright-core),
// against a real jail and the real native API (createApp), on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { defaultConfig } from '../../src/config/config.js';
import { createJail, type Jail } from '../../src/jail/jail.js';
import { defaultPolicy } from '../../src/jail/limits.js';
import { createApp } from '../../src/server/app.js';
import { HealthState } from '../../src/server/health.js';
import request from 'supertest';
import { appFor, collectingLogger, FakeJail } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP = HAVE_CHROMIUM ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
const NATIVE_OK = spawnSync('/usr/bin/python3', ['-c', 'import six, random2'], { stdio: 'ignore' }).status === 0;

let jail: Jail | undefined;
let browser: Browser | undefined;
const servers: Server[] = [];

async function serve(opts: { legacy: boolean }): Promise<string> {
  const config = { ...defaultConfig(), playground: true, playgroundLegacy: opts.legacy };
  const health = new HealthState();
  health.set('ok');
  const app = createApp({ jail: jail!, config, health, logger: collectingLogger().logger, images: ['py311-base'] });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let base = '';
let baseLegacy = '';

before(async () => {
  if (!HAVE_CHROMIUM) return;
  jail = await createJail({ policy: defaultPolicy(), workers: 2, queueLimit: 64, outputLimitBytes: 1024 * 1024 });
  base = await serve({ legacy: false });
  baseLegacy = await serve({ legacy: true });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  await jail?.close();
});

/** A page whose requests are all recorded (to prove the page loads nothing from elsewhere). */
async function open(url: string): Promise<{ page: Page; requests: string[]; consoleErrors: string[] }> {
  const page = await browser!.newPage();
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(url + '/playground/');
  await page.waitForSelector('body[data-state="idle"]');
  return { page, requests, consoleErrors };
}

async function run(page: Page, code: string, opts: { api?: 'safe_exec' | 'jail_code'; seed?: number; capa?: boolean; globals?: string } = {}) {
  await page.fill('#code', code);
  await page.selectOption('#api', opts.api ?? 'safe_exec');
  await page.fill('#seed', opts.seed === undefined ? '' : String(opts.seed));
  await page.setChecked('#capa', opts.capa ?? false);
  if (opts.globals !== undefined) await page.fill('#globals-in', opts.globals);
  await page.click('#run');
  await page.waitForSelector('body[data-state="idle"]');
  await page.waitForFunction(() => document.getElementById('status')!.textContent !== '—');
  const get = (id: string) => page.$eval(`#${id}`, (e) => e.textContent ?? '');
  return {
    status: await get('status'), outcome: await get('outcome'), fuel: await get('fuel'), wall: await get('wall'),
    globals: await get('globals-out'), emsg: await get('emsg'), stdout: await get('stdout'), stderr: await get('stderr'),
  };
}

test('the page is self-contained, with a strict CSP', { skip: SKIP }, async () => {
  const res = await fetch(base + '/playground/');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /connect-src 'self'/);
  const html = await res.text();
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external assets');
  const { page, requests, consoleErrors } = await open(base);
  assert.equal(await page.title(), 'codejail-wasm playground');
  assert.deepEqual(requests, [base + '/playground/'], 'the page itself is the only request');
  assert.deepEqual(consoleErrors, [], 'no script errors (CSP allows the inline script and style)');
  assert.equal(await page.isHidden('#compare'), true, 'no compare button without the legacy runner');
  const options = await page.$$eval('#image option', (os) => os.map((o) => o.textContent));
  assert.deepEqual(options, ['py311-base (default)']);
  await page.close();
  const redirect = await fetch(base + '/playground', { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal((await fetch(base + '/playground/compare', { method: 'POST', body: '{}' })).status, 404);
});

test('Run: globals, status, fuel and wall time of a safe_exec', { skip: SKIP }, async () => {
  const { page, consoleErrors } = await open(base);
  const r = await run(page, 'x = 6 * 7\n');
  assert.equal(r.status, 'ok (status 0)');
  assert.equal(r.outcome, 'complete');
  assert.match(r.globals, /"x": 42/);
  assert.equal(r.emsg, '');
  assert.match(r.fuel, /^[\d,]+$/);
  assert.ok(Number(r.fuel.replace(/,/g, '')) > 0);
  assert.match(r.wall, /^\d+(\.\d)? ms$/);

  // print output is not a global (safe_exec discards stdout), input globals go in and come back.
  const p = await run(page, 'print("hello from the jail")\ny = big + 1\n', { globals: '{"big": 123456789012345678901234567890}' });
  assert.equal(p.status, 'ok (status 0)');
  assert.doesNotMatch(p.globals, /hello/);
  assert.match(p.globals, /"y": 123456789012345678901234567891/, 'big ints survive the round trip');
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('Run: an exception shows the SafeExecException text', { skip: SKIP }, async () => {
  const { page } = await open(base);
  const r = await run(page, 'def f():\n    return 1 / 0\nf()\n');
  assert.equal(r.status, 'error (status 1)');
  assert.match(r.emsg, /^Couldn't execute jailed code: stdout: b'', stderr: b'Traceback/);
  assert.match(r.emsg, /ZeroDivisionError: division by zero/);
  assert.match(r.emsg, /with status code: 1$/);
  assert.match(r.stderr, /ZeroDivisionError/);
  assert.equal(r.globals, '');
  await page.close();
});

test('Run: jail_code shows stdout; seed and capa prolog make runs reproducible', { skip: SKIP }, async () => {
  const { page } = await open(base);
  const j = await run(page, 'import sys\nprint("hi", 6 * 7)\nprint("warn", file=sys.stderr)\n', { api: 'jail_code' });
  assert.equal(j.status, 'ok (status 0)');
  assert.equal(j.stdout, 'hi 42\n');
  assert.equal(j.stderr, 'warn\n');

  const script = 'r = random.randint(1, 10 ** 9)\n';
  const a = await run(page, script, { capa: true, seed: 12345 });
  const b = await run(page, script, { capa: true, seed: 12345 });
  const c = await run(page, script, { capa: true, seed: 54321 });
  assert.equal(a.status, 'ok (status 0)', a.emsg);
  const val = (g: string) => /"r": (\d+)/.exec(g)?.[1];
  assert.ok(val(a.globals));
  assert.equal(val(a.globals), val(b.globals), 'same seed, same random stream');
  assert.notEqual(val(a.globals), val(c.globals));
  // The capa prolog shifts tracebacks by its 81 lines, as in the LMS.
  const e = await run(page, 'x = 1\nraise ValueError("boom")\n', { capa: true, seed: 1 });
  assert.match(e.emsg, /line 83/);
  assert.match(e.emsg, /ValueError: boom/);
  await page.close();
});

test('Run: bad input globals and HTTP errors are reported, not thrown', { skip: SKIP }, async () => {
  const { page, consoleErrors } = await open(base);
  const bad = await run(page, 'x = 1\n', { globals: '[1, 2]' });
  assert.match(bad.status, /input globals: must be a JSON object/);
  const api = await run(page, 'x = 1\n', { globals: '{}', seed: 2 ** 53 + 10 });
  assert.match(api.status, /seed/);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('Compare with the legacy runner: both sides, side by side', { skip: SKIP }, async () => {
  const { page } = await open(baseLegacy);
  assert.equal(await page.isVisible('#compare'), true);
  await page.fill('#code', 'x = 6 * 7\n');
  await page.click('#compare');
  await page.waitForSelector('body[data-state="idle"]');
  await page.waitForFunction(() => document.getElementById('cmp-verdict')!.textContent !== '');
  const wasm = await page.$eval('#cmp-wasm', (e) => e.textContent ?? '');
  const legacy = await page.$eval('#cmp-legacy', (e) => e.textContent ?? '');
  const verdict = await page.$eval('#cmp-verdict', (e) => e.textContent ?? '');
  assert.match(wasm, /^ok\nglobals: \{"x": 42\}/);
  assert.match(wasm, /fuel: [\d,]+/);
  if (NATIVE_OK) {
    assert.match(legacy, /^ok\nglobals: \{"x": 42\}/);
    assert.equal(verdict, 'same result');
  } else {
    assert.ok(legacy.length > 0, 'the legacy column shows its (failed) result');
  }

  // The endpoint itself: an exception on both sides, with the same status.
  const res = await fetch(baseLegacy + '/playground/compare', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: '1/0', seed: 3 }),
  });
  assert.equal(res.status, 200);
  const body = await res.json() as { same: boolean; wasm: { ok: boolean; emsg: string }; legacy: { ok: boolean; emsg: string } };
  assert.equal(body.wasm.ok, false);
  assert.match(body.wasm.emsg, /ZeroDivisionError/);
  if (NATIVE_OK) {
    assert.match(body.legacy.emsg, /ZeroDivisionError/);
    assert.equal(body.same, true);
  }
  const bad = await fetch(baseLegacy + '/playground/compare', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code": 1}' });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /^code: must be a string/);
  const malformed = await fetch(baseLegacy + '/playground/compare', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
  assert.equal(malformed.status, 400);
  await page.close();
});

test("compare is behind the service's own authentication (no browser needed)", async () => {
  const jail = new FakeJail();
  const config = defaultConfig();
  config.playground = true;
  config.playgroundLegacy = true;
  config.auth.tokens = ['let-me-in-0123456789'];
  const app = appFor(jail, config);
  const denied = await request(app).post('/playground/compare').set('Content-Type', 'application/json').send('{"code": "x = 1"}');
  assert.equal(denied.status, 401);
  assert.match(denied.headers['www-authenticate'] ?? '', /^Bearer/);
  assert.match(denied.body.error, /authentication required/);
  const wrong = await request(app).post('/playground/compare').set('Authorization', 'Bearer not-the-token-0123456789')
    .set('Content-Type', 'application/json').send('{"code": "x = 1"}');
  assert.equal(wrong.status, 401);
  assert.deepEqual(jail.safeExecCalls, [], 'nothing runs before authentication');
  // Past authentication, the body's own check answers.
  const admitted = await request(app).post('/playground/compare').set('Authorization', 'Bearer let-me-in-0123456789')
    .set('Content-Type', 'application/json').send('{"code": 1}');
  assert.equal(admitted.status, 400);
  assert.match(admitted.body.error, /^code: must be a string/);
  // The seed is the jail's to check (jail/request.ts), before either side runs.
  const badSeed = await request(app).post('/playground/compare').set('Authorization', 'Bearer let-me-in-0123456789')
    .set('Content-Type', 'application/json').send('{"code": "x = 1", "seed": -1}');
  assert.equal(badSeed.status, 400);
  assert.match(badSeed.body.error, /^seed: must be an integer from 0 to 9007199254740991$/);
  assert.deepEqual(jail.safeExecCalls, []);
  const page = await request(app).get('/playground/');
  assert.match(page.text, /Compare with legacy runner/);
});
