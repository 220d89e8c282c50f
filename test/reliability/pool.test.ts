// Faults at the pool level: a worker killed in the middle of a burst (by the watchdog, or
// terminated from outside), an exhausted queue, close() while a run is being killed. Every
// accepted request gets its right answer or a clear error, and the pool recovers to N workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import type { Jail } from '../../src/jail/jail.js';
import { UnavailableError, type JailCodeResult } from '../../src/jail/types.js';
import { recovered, startJail, startStuckHostJail, text } from '../support/jail.js';

const SPIN = { command: 'python', code: 'while True:\n    pass\n', limits: { CPU: 0, REALTIME: 0.1 } } as const;
// A spinning run normally ends itself at REALTIME without losing its worker; the watchdog's
// cases below use a stuck host (startStuckHostJail), which only the watchdog can stop.

function square(jail: Jail, i: number): Promise<JailCodeResult> {
  // REALTIME is generous so that only the cases about it decide it, however loaded the machine.
  return jail.jailCode({ command: 'python', code: 'import sys\nn = int(sys.argv[1])\nprint(n * n, sum(range(n)))', argv: [String(i)], limits: { REALTIME: 20 } });
}
function assertSquare(r: JailCodeResult, i: number): void {
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), `${i * i} ${(i * (i - 1)) / 2}\n`);
}


/** Resolve with the value, or 'hung' if it takes longer than `ms` (liveness, not speed). */
function orHung<T>(p: Promise<T>, ms: number): Promise<T | 'hung'> {
  return Promise.race([p, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms).unref())]);
}

test('the watchdog kills a spinning worker in the middle of a burst: every other request gets its answer, the pool recovers', async () => {
  const jail = await startStuckHostJail({ workers: 2, queueLimit: 64 });
  try {
    const before = jail.stats().replacements;
    const burst: Promise<void>[] = [];
    let spin: Promise<JailCodeResult> | null = null;
    for (let i = 1; i <= 40; i++) {
      if (i === 10) spin = jail.jailCode(SPIN);
      burst.push(square(jail, i).then((r) => assertSquare(r, i)));
    }
    const spun = await spin!;
    assert.equal(spun.status, -9);
    assert.equal(spun.run.outcome, 'timed_out');
    assert.equal(spun.run.limitHit, 'REALTIME');
    assert.equal(spun.run.detail, 'watchdog terminated the worker');
    await Promise.all(burst);
    await recovered(jail, 2);
    assert.equal(jail.stats().replacements, before + 1);
    for (let i = 0; i < 4; i++) assertSquare(await square(jail, 100 + i), 100 + i);
  } finally {
    await jail.close();
  }
});

test('both workers stuck at once: queued requests wait for the replacements and are all served', async () => {
  const jail = await startStuckHostJail({ workers: 2, queueLimit: 64 });
  try {
    const spins = [jail.jailCode(SPIN), jail.jailCode(SPIN)];
    const queued = Array.from({ length: 12 }, (_, i) => square(jail, i + 1));
    for (const r of await Promise.all(spins)) assert.equal(r.status, -9);
    (await Promise.all(queued)).forEach((r, i) => assertSquare(r, i + 1));
    await recovered(jail, 2);
    assert.equal(jail.stats().replacements, 2);
  } finally {
    await jail.close();
  }
});

test('a worker terminated from outside mid-request: its run fails with a clear crash, the rest are served, the pool recovers', async () => {
  // Workers are found through public behaviour: Node announces every new Worker on `process`.
  const workers: Worker[] = [];
  const onWorker = (w: Worker) => workers.push(w);
  process.on('worker', onWorker);
  let jail: Jail | null = null;
  try {
    jail = await startJail({ workers: 2, queueLimit: 64 });
    process.off('worker', onWorker);
    assert.equal(workers.length, 2);
    const slow = [0, 1].map(() => jail!.jailCode({ command: 'python', code: 'import time\ntime.sleep(0.5)\nprint("slept")', limits: { REALTIME: 5 } }));
    const queued = Array.from({ length: 6 }, (_, i) => square(jail!, i + 1));
    await new Promise((r) => setTimeout(r, 150)); // both workers are inside their sleep now
    await workers[0]!.terminate();
    const results = await Promise.all(slow);
    const crashed = results.filter((r) => r.status === -11);
    const slept = results.filter((r) => r.status === 0);
    assert.equal(crashed.length + slept.length, 2, JSON.stringify(results.map((r) => [r.status, r.run.detail])));
    assert.equal(crashed.length, 1);
    assert.equal(crashed[0]!.run.outcome, 'crashed');
    assert.match(crashed[0]!.run.detail ?? '', /^worker exited with code \d+$/);
    assert.equal(text(slept[0]!.stdout), 'slept\n');
    (await Promise.all(queued)).forEach((r, i) => assertSquare(r, i + 1));
    await recovered(jail, 2);
    assert.equal(jail.stats().replacements, 1);
  } finally {
    process.off('worker', onWorker);
    await jail?.close();
  }
});

test('pool exhausted: exactly workers + queueLimit requests are accepted, the overflow gets UnavailableError, all accepted are right', async () => {
  const jail = await startJail({ workers: 1, queueLimit: 2 });
  try {
    await recovered(jail, 1);
    const sleeper = jail.jailCode({ command: 'python', code: 'import time\ntime.sleep(0.3)\nprint("first")', limits: { REALTIME: 5 } });
    const rest = Array.from({ length: 6 }, (_, i) => square(jail, i + 1));
    const settled = await Promise.allSettled(rest);
    assert.equal(text((await sleeper).stdout), 'first\n');
    settled.forEach((s, i) => {
      if (i < 2) {
        assert.equal(s.status, 'fulfilled', String((s as PromiseRejectedResult).reason));
        assertSquare((s as PromiseFulfilledResult<JailCodeResult>).value, i + 1);
      } else {
        assert.equal(s.status, 'rejected');
        const err = (s as PromiseRejectedResult).reason as Error;
        assert.ok(err instanceof UnavailableError, String(err));
        assert.equal(err.message, 'all 1 workers are busy and the queue (2) is full');
      }
    });
    await recovered(jail, 1);
    assertSquare(await square(jail, 7), 7); // accepting again once drained
  } finally {
    await jail.close();
  }
});

test('a mixed burst past the queue limit: each request gets its right answer or a clear error, never silence', async () => {
  const jail = await startJail({ workers: 2, queueLimit: 8 });
  try {
    type Kind = 'square' | 'fuel' | 'spin' | 'crash' | 'memory' | 'exception';
    const kinds: Kind[] = ['square', 'fuel', 'square', 'crash', 'square', 'memory', 'spin', 'exception', 'square', 'square'];
    const calls = Array.from({ length: 30 }, (_, i) => {
      const kind = kinds[i % kinds.length]!;
      const p = kind === 'square' ? square(jail, i)
        : kind === 'fuel' ? jail.jailCode({ command: 'python', code: 'while True: pass', limits: { CPU: 0.02, REALTIME: 20 } })
        : kind === 'spin' ? jail.jailCode(SPIN)
        : kind === 'crash' ? jail.jailCode({ command: 'python', code: 'def f(): pass\nexec(f.__code__.replace(co_code=b"\\xff\\xff" * 20))', limits: { REALTIME: 20 } })
        : kind === 'memory' ? jail.jailCode({ command: 'python', code: 'x = bytearray(1 << 30)', limits: { VMEM: 64 << 20, REALTIME: 20 } })
        : jail.jailCode({ command: 'python', code: 'raise KeyError("k")', limits: { REALTIME: 20 } });
      return { kind, i, p };
    });
    const settled = await Promise.allSettled(calls.map((c) => c.p));
    let accepted = 0;
    let rejected = 0;
    settled.forEach((s, idx) => {
      const { kind, i } = calls[idx]!;
      if (s.status === 'rejected') {
        rejected++;
        assert.ok(s.reason instanceof UnavailableError, `${kind}: ${String(s.reason)}`);
        return;
      }
      accepted++;
      const r = s.value;
      if (kind === 'square') assertSquare(r, i);
      else if (kind === 'fuel') assert.deepEqual([r.status, r.run.limitHit], [-24, 'CPU']);
      else if (kind === 'spin') assert.deepEqual([r.status, r.run.outcome], [-9, 'timed_out']);
      else if (kind === 'crash') assert.deepEqual([r.run.outcome, [-6, -11].includes(r.status)], ['crashed', true]);
      else if (kind === 'memory') assert.deepEqual([r.status, /MemoryError\n$/.test(text(r.stderr))], [1, true]);
      else assert.deepEqual([r.status, /KeyError: 'k'\n$/.test(text(r.stderr))], [1, true]);
    });
    // Submitted synchronously: 2 running + 8 queued are accepted, the rest overflow.
    assert.equal(accepted, 10);
    assert.equal(rejected, 20);
    await recovered(jail, 2);
    for (let i = 0; i < 4; i++) assertSquare(await square(jail, 200 + i), 200 + i);
  } finally {
    await jail.close();
  }
});

test('close() while the only worker is being killed by the watchdog: queued work finishes, close resolves, later requests are refused', async () => {
  const jail = await startStuckHostJail({ workers: 1, queueLimit: 8 });
  const spin = jail.jailCode(SPIN);
  const queued = square(jail, 5);
  await new Promise((r) => setTimeout(r, 50));
  const closed = await orHung(jail.close().then(() => 'closed' as const), 30_000);
  assert.equal(closed, 'closed', 'close() never resolved (the watchdog kill during close left it waiting)');
  assert.equal((await spin).status, -9);
  assertSquare(await queued, 5);
  await assert.rejects(square(jail, 6), (e: Error) => e instanceof UnavailableError && /shutting down/.test(e.message));
});
