// Workers of an image other than the default start when a request waits for them and stop
// after an idle period; the default image's stay warm. Outcomes only (answers, worker counts,
// admission), never how long anything took: the waits below are bounded polls.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import type { Jail } from '../../src/jail/jail.js';
import { UnavailableError, type PoolStats } from '../../src/jail/types.js';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import { warmupRuns } from '../../src/jail/jail.js';
import { DEFAULT_RUN_SETTINGS } from '../../src/jail/jailRun.js';
import { buildSnapshot } from '../../src/sandbox/Sandbox.js';
import { WorkerPool } from '../../src/sandbox/WorkerPool.js';
import { imageFiles } from '../../src/runtime/image.js';
import type { RunRequest } from '../../src/sandbox/types.js';
import { startJail, text } from '../support/jail.js';

const COURSE = 'course-v1:Org+Pinned+2026';
const IDLE_MS = 500;
let jail: Jail;

before(async () => {
  const main = loadBaseImage();
  const pinned = { ...loadBaseImage(), name: 'pinned' };
  jail = await startJail({
    workers: 2,
    idleWorkerMs: IDLE_MS,
    images: new Map([[main.name, main], ['pinned', pinned]]),
    defaultImage: main.name,
    courseImages: { [COURSE]: 'pinned' },
  });
});
after(async () => {
  await jail.close();
});

const perImage = (name: string): Omit<PoolStats, 'images'> => jail.stats().images![name]!;

/** Bounded poll for a pool state (liveness only: the bound keeps a broken pool from hanging the suite). */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), `${what}: ${JSON.stringify(jail.stats())}`);
}

function square(i: number, context?: string) {
  return jail.jailCode({ command: 'python', code: 'import sys\nn = int(sys.argv[1])\nprint(n * n)', argv: [String(i)], limitOverridesContext: context });
}

test('the default image keeps its workers warm; a pinned image has none until a request for it', async () => {
  const name = jail.images[0]!;
  assert.equal(perImage(name).workers, 2);
  assert.equal(perImage(name).idle, 2);
  assert.equal(perImage('pinned').workers, 0);
  const r = await square(7, COURSE);
  assert.equal(r.image, 'pinned');
  assert.equal(r.status, 0, text(r.stderr));
  assert.equal(text(r.stdout), '49\n');
  assert.ok(perImage('pinned').workers >= 1, 'the request started a worker of its image');
});

test('a burst for the pinned image starts at most `workers` workers and every request gets its answer', async () => {
  let most = 0;
  const watch = setInterval(() => (most = Math.max(most, perImage('pinned').workers)), 5);
  try {
    const runs = Array.from({ length: 12 }, (_, i) => square(i + 1, COURSE));
    (await Promise.all(runs)).forEach((r, i) => {
      assert.equal(r.image, 'pinned');
      assert.equal(text(r.stdout), `${(i + 1) ** 2}\n`, text(r.stderr));
    });
  } finally {
    clearInterval(watch);
  }
  assert.ok(most <= 2, `at most 2 workers (saw ${most})`);
});

test('idle workers of the pinned image stop after the idle period, the default image keeps its own; the next request starts one again', async () => {
  await until('pinned workers retired', () => perImage('pinned').workers === 0);
  const name = jail.images[0]!;
  assert.equal(perImage(name).workers, 2, 'the default image keeps its warm workers');
  assert.equal(perImage(name).replacements, 0);
  const r = await square(12, COURSE);
  assert.equal(text(r.stdout), '144\n', text(r.stderr));
  const d = await square(5);
  assert.equal(d.image, name);
  assert.equal(text(d.stdout), '25\n', text(d.stderr));
});

test('an on-demand worker that dies while idle is not needed until a request: the next request starts another and is served', async () => {
  await until('pinned workers retired', () => perImage('pinned').workers === 0);
  const seen: Worker[] = [];
  const onWorker = (w: Worker) => seen.push(w);
  process.on('worker', onWorker);
  try {
    assert.equal(text((await square(3, COURSE)).stdout), '9\n');
  } finally {
    process.off('worker', onWorker);
  }
  assert.equal(seen.length, 1, 'one worker started for the request');
  await seen[0]!.terminate();
  await until('the dead worker left the pool', () => perImage('pinned').workers === 0);
  const r = await square(4, COURSE);
  assert.equal(text(r.stdout), '16\n', text(r.stderr));
});

// The pool itself, for what the jail's defaults do not show: admission with a queue limit of 0
// counts the workers that can still start, and a pool with some warm workers never retires those.
let pool: WorkerPool;
let request: RunRequest;
before(async () => {
  const image = loadBaseImage();
  const warmups = warmupRuns(DEFAULT_RUN_SETTINGS);
  const { module, snapshot } = await buildSnapshot(image, warmups);
  pool = await WorkerPool.start({ workers: 2, warmWorkers: 1, idleRetireMs: IDLE_MS, queueLimit: 0, module, files: imageFiles(image), snapshot });
  request = { ...warmups[2]! }; // codejail's argv: the code's file, then the arguments
});
after(async () => {
  await pool?.close();
});

test('admission: with no queue, a request is taken while a worker can still start for it, and refused beyond', async () => {
  assert.equal(pool.stats().workers, 1);
  const runs = [pool.run(request), pool.run(request)];
  await assert.rejects(pool.run(request), UnavailableError);
  for (const r of await Promise.all(runs)) {
    assert.equal(r.outcome, 'complete');
    assert.equal(Buffer.from(r.stdout).toString(), "['jailed_code', 'a']\n");
  }
  assert.equal(pool.stats().workers, 2);
  for (let i = 0; i < 1200 && pool.stats().workers > 1; i++) await new Promise((r) => setTimeout(r, 50));
  const s = pool.stats();
  assert.deepEqual([s.workers, s.idle], [1, 1], 'back to its one warm worker, never below');
  assert.equal((await pool.run(request)).outcome, 'complete');
});

test('a few requests one after another keep the one warm worker; a sustained run of them, finding it restoring, starts the second', async () => {
  for (let i = 0; i < 1200 && pool.stats().workers > 1; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(pool.stats().workers, 1);
  const back = async () => {
    // Asked for as soon as the previous answer arrives, while that worker restores.
    const r = await pool.run(request);
    assert.equal(Buffer.from(r.stdout).toString(), "['jailed_code', 'a']\n");
  };
  for (let i = 0; i < 3; i++) await back();
  assert.equal(pool.stats().workers, 1, 'no second worker for three requests in a row (the self-test makes two)');
  // Bounded (liveness only): a request that happens to find the worker already restored resets the count.
  for (let i = 0; i < 200 && pool.stats().workers < 2; i++) await back();
  assert.equal(pool.stats().workers, 2, 'back-to-back traffic gets the second worker');
});
