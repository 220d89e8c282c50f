// Reliability at the HTTP level, against the REAL service process (dist/src/server/main.js, 2
// workers, the py311-base image): autocannon load at the pool's capacity and at overload with a
// small queue (every request carries a unique nonce that must come back in its own answer;
// overflow is a JSON 503), a watchdog kill in the middle of a burst, SIGTERM with requests in
// flight, and /health/ telling the truth. Counts, never timings, are asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { describeLoad, poolStats, runLoad, summaryLine, waitIdle } from '../../bench/soak.js';
import { startService, type RunningService } from '../support/service.js';
import { STUCK_HOST_ENV } from '../support/jail.js';

const PHASE_S = Number(process.env.HTTP_LOAD_SECONDS ?? '') || 6;
// Two workers, both kept warm: the counts below (workers, replacements) are those of a fixed pool.
const BASE_ENV = { CODEJAIL_WASM_WORKERS: '2', CODEJAIL_WASM_WARM_WORKERS: '2', CODEJAIL_WASM_IMAGES: 'py311-base', CODEJAIL_WASM_DEFAULT_IMAGE: 'py311-base' };

async function postJson(url: string, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  return { status: r.status, body: await r.text() };
}

async function nonceRun(url: string, nonce: string, n: number, extraCode = ''): Promise<{ status: number; body: string }> {
  return postJson(url, '/api/v1/safe_exec', { code: `${extraCode}out = n * n\ntag = nonce[::-1]`, globals_dict: { nonce, n } });
}
function assertNonce(r: { status: number; body: string }, nonce: string, n: number): void {
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body).globals_dict, { nonce, n, out: n * n, tag: [...nonce].reverse().join('') });
}

async function withService(env: Record<string, string>, fn: (svc: RunningService) => Promise<void>): Promise<void> {
  const svc = await startService({ ...BASE_ENV, ...env });
  try {
    await fn(svc);
  } finally {
    if (svc.child.exitCode === null && svc.child.signalCode === null) {
      const code = await Promise.race([svc.stop(), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000).unref())]);
      if (code === 'hung') svc.child.kill('SIGKILL');
    }
  }
}

test('load: correct answers at capacity; at 3x+ overload the small queue sheds with JSON 503s and every accepted answer is still right', { timeout: 180_000 }, async () => {
  await withService({ CODEJAIL_WASM_QUEUE_LIMIT: '2' }, async (svc) => {
    // 2 workers + queue 2: two connections never overflow; 24 connections are 6x what the pool holds.
    const capacity = await runLoad({ url: svc.url, connections: 2, durationS: PHASE_S });
    console.log(describeLoad('capacity', capacity));
    await waitIdle(svc.url);
    const overload = await runLoad({ url: svc.url, connections: 24, durationS: PHASE_S });
    console.log(describeLoad('overload', overload));
    const after = await waitIdle(svc.url);
    console.log(summaryLine(capacity, overload));

    for (const [name, r] of [['capacity', capacity], ['overload', overload]] as const) {
      assert.equal(r.wrong, 0, `${name}: wrong answers: ${r.wrongSamples.join(' | ')}`);
      assert.equal(r.duplicates, 0, `${name}: a nonce was answered twice`);
      assert.deepEqual(r.other, {}, `${name}: statuses other than 200/503: ${r.wrongSamples.join(' | ')}`);
      assert.equal(r.unavailableMalformed, 0, `${name}: a 503 without a JSON error`);
      assert.equal(r.errors, 0, `${name}: connection errors`);
      assert.equal(r.timeouts, 0, `${name}: request timeouts`);
      assert.ok(r.ok > 0, `${name}: no correct answer at all`);
    }
    assert.equal(capacity.unavailable, 0, 'capacity: 503 although the pool holds every request');
    assert.ok(overload.unavailable > 0, 'overload: no 503 although 24 connections exceed workers + queue');
    assert.equal(after.workers, 2);
    assert.equal(after.replacements, 0);
    // Still serving normally after the overload.
    assertNonce(await nonceRun(svc.url, 'after-load', 12), 'after-load', 12);
  });
});

test('faults: watchdog kill amid a burst, /health/ truth, SIGTERM with requests in flight', { timeout: 180_000 }, async () => {
  // A stuck host (fault injection): only the watchdog can stop the spinner below.
  const svc = await startService({ ...BASE_ENV, CODEJAIL_WASM_QUEUE_LIMIT: '64', [STUCK_HOST_ENV]: '1' });
  try {
    // /health/ before: 200 OK.
    const h0 = await fetch(`${svc.url}/health/`);
    assert.equal(h0.status, 200);
    assert.deepEqual(await h0.json(), { status: 'OK' });

    // --- A watchdog firing during a burst: one spinner (CPU large, REALTIME small) amid 50 normal requests.
    const burst: Promise<void>[] = [];
    let spin: Promise<{ status: number; body: string }> | undefined;
    for (let i = 0; i < 50; i++) {
      if (i === 10) spin = postJson(svc.url, '/api/v1/jail_code', { code: 'while True:\n    pass\n', limits: { CPU: 60, REALTIME: 0.1 } });
      const nonce = `burst-${i}`;
      burst.push(nonceRun(svc.url, nonce, i).then((r) => assertNonce(r, nonce, i)));
    }
    const spun = await spin!;
    assert.equal(spun.status, 200, spun.body);
    const sb = JSON.parse(spun.body);
    assert.deepEqual([sb.status, sb.outcome, sb.limit_hit], [-9, 'timed_out', 'REALTIME']);
    await Promise.all(burst);
    const afterBurst = await waitIdle(svc.url);
    assert.deepEqual([afterBurst.workers, afterBurst.replacements], [2, 1]);
    console.log(`# faults: watchdog burst: 50/50 normal requests correct, spinner status ${sb.status} (${sb.outcome}), replacements ${afterBurst.replacements}`);

    // --- SIGTERM with ~20 requests in flight (each sleeps 0.2 s: 2 workers need ~2 s for all).
    const inflight = Array.from({ length: 20 }, (_, i) => {
      const nonce = `term-${i}`;
      return nonceRun(svc.url, nonce, i, 'import time\ntime.sleep(0.2)\n').then(
        (r) => ({ i, nonce, r }),
        (e: Error) => ({ i, nonce, error: `${e.name}: ${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` }),
      );
    });
    // A health check whose headers are not finished yet: its connection is not idle, so it
    // survives server.close() and is answered once completed, after the signal.
    const sock = connect(Number(new URL(svc.url).port), '127.0.0.1');
    await once(sock, 'connect');
    sock.write('GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n');
    let healthRaw = '';
    sock.on('data', (b: Buffer) => (healthRaw += b.toString('latin1')));
    sock.on('error', () => undefined);
    const healthDone = once(sock, 'close');
    await waitFor(async () => (await poolStats(svc.url)).busy === 2, 'both workers busy before SIGTERM');

    const exited = once(svc.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    svc.child.kill('SIGTERM');
    await waitFor(async () => svc.output().includes('"msg":"shutting down"'), 'the service logs "shutting down"');
    sock.write('\r\n');
    await healthDone;
    // New connections after close() are refused (or, at worst, told the service is unavailable).
    const late = await fetch(`${svc.url}/api/v1/safe_exec`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }).then(
      (r) => `status ${r.status}`,
      (e: Error) => String((e as { cause?: { code?: string } }).cause?.code ?? e.message),
    );

    const results = await Promise.all(inflight);
    const [code, signal] = await exited;
    let correct = 0;
    const failed: string[] = [];
    for (const x of results) {
      if ('r' in x) {
        assertNonce(x.r, x.nonce, x.i); // an answer must be the right one
        correct++;
      } else failed.push(x.error);
    }
    const healthStatus = /^HTTP\/1\.1 (\d+)/.exec(healthRaw)?.[1] ?? 'closed without an answer';
    console.log(`# faults: SIGTERM with ${results.length} in flight: ${correct} correct, ${failed.length} clear errors; /health/ while stopping: ${healthStatus}; new request after close: ${late}; exit code ${code}`);
    // Graceful: the grace period (30 s) covers them all, so every in-flight request is answered.
    assert.deepEqual(failed, []);
    assert.equal(correct, 20);
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.equal(healthStatus, '503', `health while stopping: ${healthRaw}`);
    assert.match(healthRaw, /\{"status":"UNAVAILABLE"\}$/);
    assert.ok(late === 'ECONNREFUSED' || late === 'status 503', `late request: ${late}`);
  } finally {
    if (svc.child.exitCode === null && svc.child.signalCode === null) svc.child.kill('SIGKILL');
  }
});

/** Poll until `cond` holds; bounded so that a broken service fails instead of hanging. */
async function waitFor(cond: () => Promise<boolean> | boolean, what: string, maxMs = 30_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
