// An image no course is mapped to is dormant: it keeps no module, files or snapshot between
// uses, builds them on a thread of its own for the request that names it, and drops them once
// its last worker retired idle (DormantPool, ADR 0012). A build must give the snapshot the
// service started with byte for byte (snapshots are deterministic), so the answers and their
// fuel are those of a pool built once and kept warm; a broken image still fails at start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { warmupRuns } from '../../src/jail/jail.js';
import { DEFAULT_RUN_SETTINGS } from '../../src/jail/jailRun.js';
import { imageFiles } from '../../src/runtime/image.js';
import { loadImages } from '../../src/runtime/layeredImages.js';
import { DormantPool } from '../../src/sandbox/DormantPool.js';
import { buildSnapshot } from '../../src/sandbox/Sandbox.js';
import type { RunRequest, RunResult } from '../../src/sandbox/types.js';
import { WorkerPool } from '../../src/sandbox/WorkerPool.js';
import { startJail } from '../support/jail.js';

const IDLE_MS = 300;
const dir = mkdtempSync(join(tmpdir(), 'cjw-dormant-'));
const configPath = join(dir, 'images.json');
/** An image of its own (the base runtime, json preloaded), in a configuration that includes the default one. */
function writeConfig(addPreloads: string[], extra: object[] = []): void {
  writeFileSync(configPath, JSON.stringify({
    format: 1, include: 'default', defaultImage: 'py311-base',
    images: [{ name: 'tiny', extends: 'py311-base', addPreloads }, ...extra],
  }));
}
writeConfig(['json']);

const warmups = warmupRuns(DEFAULT_RUN_SETTINGS);
let warm: WorkerPool;
let warmDigest: string;
let dormant: DormantPool;

before(async () => {
  const image = loadImages(configPath, { only: ['tiny'] }).get('tiny')!;
  const built = await buildSnapshot(image, warmups);
  warmDigest = createHash('sha256').update(built.snapshot.memory).digest('hex');
  warm = await WorkerPool.start({
    workers: 1, queueLimit: 16, module: built.module, snapshot: built.snapshot,
    files: imageFiles(image).filter((f) => !f.bootOnly),
  });
  dormant = await DormantPool.start({ image: { name: 'tiny', configPath }, workers: 2, idleRetireMs: IDLE_MS, queueLimit: 16, warmups });
});
after(async () => {
  await warm?.close();
  await dormant?.close();
  rmSync(dir, { recursive: true, force: true });
});

const script = warmups[2]!; // jail_code's shape: the code's file, then argv
function withCode(code: string): RunRequest {
  const file = script.files.find((f) => f.path.endsWith('jailed_code'))!;
  return { ...script, seed: 4321, files: script.files.map((f) => (f === file ? { ...f, data: new TextEncoder().encode(code) } : f)) };
}
const out = (r: RunResult): string => Buffer.from(r.stdout).toString('utf8') + Buffer.from(r.stderr).toString('utf8');

/** Bounded poll (liveness only): the pool's last worker retires after IDLE_MS, then the pool goes. */
async function untilDropped(): Promise<void> {
  for (let i = 0; i < 1200 && dormant.loaded; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(dormant.loaded, false, 'the dormant image dropped its pool');
}

const code = 'import random, sys, json\nprint(random.random(), "json" in sys.modules, sorted(sys.modules)[:5], json.dumps({"a": [1, 2.5]}))\n';

test('support_a_dormant_image_holds_nothing_until_a_request_and_answers_as_a_warm_pool', async () => {
  assert.equal(dormant.snapshotDigest, warmDigest, 'its build on another thread made the same snapshot as this thread');
  assert.equal(dormant.loaded, false, 'nothing loaded after start-up');
  assert.equal(dormant.stats().workers, 0);
  const fromWarm = await warm.run(withCode(code));
  assert.equal(fromWarm.outcome, 'complete', out(fromWarm));
  assert.match(out(fromWarm), / True /, 'the image preloads json');

  const [first, second] = await Promise.all([dormant.run(withCode(code)), dormant.run(withCode(code))]);
  assert.equal(dormant.timesLoaded, 1, 'two requests at once load the image once');
  for (const r of [first!, second!]) {
    assert.equal(out(r), out(fromWarm));
    assert.equal(r.fuelUsed, fromWarm.fuelUsed, 'same fuel: the same state');
  }
  assert.equal(dormant.loaded, true);
  await untilDropped();
  assert.equal(dormant.stats().workers, 0);

  const again = await dormant.run(withCode(code));
  assert.equal(dormant.timesLoaded, 2, 'loaded again after it was dropped');
  assert.equal(out(again), out(fromWarm));
  assert.equal(again.fuelUsed, fromWarm.fuelUsed);
  await untilDropped();
});

test('support_a_dormant_image_that_changed_since_start_is_refused_not_run', async () => {
  await untilDropped();
  writeConfig(['json', 'csv']);
  try {
    await assert.rejects(dormant.run(withCode(code)), /image tiny changed since the service started/);
    assert.equal(dormant.loaded, false);
  } finally {
    writeConfig(['json']);
  }
  const back = await dormant.run(withCode(code)); // the next request loads it again
  assert.equal(back.outcome, 'complete', out(back));
});

test('support_a_broken_image_fails_the_start_although_it_would_be_dormant', async () => {
  writeConfig(['json'], [{ name: 'broken', extends: 'py311-base', addPreloads: ['no_such_module_anywhere'] }]);
  try {
    await assert.rejects(
      DormantPool.start({ image: { name: 'broken', configPath }, workers: 1, idleRetireMs: IDLE_MS, queueLimit: 1, warmups }),
      /warm-up run failed.*no_such_module_anywhere/s);
    const images = loadImages(configPath, { only: ['py311-base', 'broken'] });
    await assert.rejects(
      startJail({ workers: 1, images: new Map(images), defaultImage: 'py311-base', imageSource: { configPath } }),
      /no_such_module_anywhere/);
  } finally {
    writeConfig(['json']);
  }
});

test('support_a_jail_makes_unmapped_images_dormant_and_keeps_mapped_ones_loaded', async () => {
  const images = () => new Map(loadImages(configPath, { only: ['py311-base', 'tiny'] }));
  const jail = await startJail({ workers: 1, images: images(), defaultImage: 'py311-base', imageSource: { configPath } });
  const course = 'course-v1:Org+Tiny+2026';
  const mapped = await startJail({ workers: 1, images: images(), defaultImage: 'py311-base', imageSource: { configPath }, courseImages: { [course]: 'tiny' } });
  try {
    const r = await jail.safeExec({ code: 'import sys\nx = "json" in sys.modules', globalsJson: '{}', image: 'tiny' });
    assert.equal(r.image, 'tiny');
    assert.ok(r.ok, r.ok ? '' : r.emsg);
    assert.match(r.globalsJson, /"x": true/);
    assert.equal(jail.stats().images!['tiny']!.workers, 1);
    // A mapped image is never dormant: its first request, after its artifacts changed, runs on
    // what the service started with (a dormant image would read them again and refuse).
    writeConfig(['json', 'csv']);
    const m = await mapped.safeExec({ code: 'import sys\nx = "json" in sys.modules and "csv" not in sys.modules', globalsJson: '{}', limitOverridesContext: course });
    assert.equal(m.image, 'tiny');
    assert.ok(m.ok, m.ok ? '' : m.emsg);
    assert.match(m.globalsJson, /"x": true/);
  } finally {
    writeConfig(['json']);
    await jail.close();
    await mapped.close();
  }
});
