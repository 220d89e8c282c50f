// An image no course is mapped to is dormant: between uses it keeps no module and no files, and
// its snapshot only compressed; the request that names it reloads the image on a thread of its
// own (artifacts read and compiled, snapshot expanded, no boot), and the image is dropped again
// once its last worker retired idle (DormantPool, ADR 0012). A reload must give the runtime, the
// files and the snapshot the service started with byte for byte, so the answers and their fuel
// are those of a pool built once and kept warm; changed artifacts are refused; a broken image
// still fails at start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { buildLayer } from '../images/helpers.js';
import { startJail } from '../support/jail.js';

const IDLE_MS = 300;
const dir = mkdtempSync(join(tmpdir(), 'cjw-dormant-'));
const configPath = join(dir, 'images.json');
/** The artifact a test changes: layer demo@1, a one-module package whose GREETING is `greeting`. */
function writeLayer(greeting: string): void {
  const src = join(dir, 'demo-src');
  mkdirSync(join(src, 'demo_pkg'), { recursive: true });
  writeFileSync(join(src, 'demo_pkg', '__init__.py'), `GREETING = ${JSON.stringify(greeting)}\n`);
  buildLayer(['--name', 'demo', '--version', '1', '--out', join(dir, 'layers'), `dir:${src}`]);
}
/** An image of its own (the base runtime, layer demo@1, json and demo_pkg preloaded), in a
 * configuration that includes the default one. */
function writeConfig(addPreloads: string[], extra: object[] = []): void {
  writeFileSync(configPath, JSON.stringify({
    format: 1, include: 'default', defaultImage: 'py311-base', layerDirs: ['layers'],
    images: [{ name: 'tiny', extends: 'py311-base', layers: ['demo@1'], addPreloads }, ...extra],
  }));
}
const PRELOADS = ['json', 'demo_pkg'];
writeLayer('one');
writeConfig(PRELOADS);

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

const code = 'import random, sys, json, demo_pkg\nprint(random.random(), "json" in sys.modules, sorted(sys.modules)[:5], json.dumps({"a": [1, 2.5]}), demo_pkg.GREETING)\n';

test('support_a_dormant_image_holds_nothing_until_a_request_and_answers_as_a_warm_pool', async () => {
  assert.equal(dormant.snapshotDigest, warmDigest, 'its build on another thread made the same snapshot as this thread');
  assert.equal(dormant.loaded, false, 'nothing loaded after start-up');
  assert.equal(dormant.stats().workers, 0);
  assert.ok(dormant.restingBytes < dormant.snapshotBytes / 2, `snapshot kept compressed: ${dormant.restingBytes} of ${dormant.snapshotBytes} bytes`);
  const fromWarm = await warm.run(withCode(code));
  assert.equal(fromWarm.outcome, 'complete', out(fromWarm));
  assert.match(out(fromWarm), / True .* one\n$/, 'the image preloads json and has the layer');

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

test('support_a_dormant_image_whose_artifacts_changed_since_start_is_refused_not_run', async () => {
  await untilDropped();
  const fromWarm = await warm.run(withCode(code));
  writeLayer('two'); // zip and manifest agree: the image loads, but is not the one started with
  try {
    await assert.rejects(dormant.run(withCode(code)), /image tiny changed since the service started \(its files sha256 is [0-9a-f]{64}, started with [0-9a-f]{64}\)/);
    assert.equal(dormant.loaded, false);
  } finally {
    writeLayer('one');
  }
  const back = await dormant.run(withCode(code)); // the next request loads it again
  assert.equal(out(back), out(fromWarm));
  assert.equal(back.fuelUsed, fromWarm.fuelUsed);
  await untilDropped();
});

test('support_a_dormant_image_reloads_without_booting_and_keeps_no_state_across_a_drop', async () => {
  await untilDropped();
  // A run that changes its interpreter's state (a module attribute, sys.modules, a file).
  const stateful = 'import os, sys, tempfile, demo_pkg\n' +
    'path = os.path.join(tempfile.gettempdir(), "left-behind")\n' +
    'demo_pkg.RUNS = getattr(demo_pkg, "RUNS", 0) + 1\n' +
    'print(demo_pkg.RUNS, "left_behind" in sys.modules, os.path.exists(path))\n' +
    'sys.modules["left_behind"] = sys\nopen(path, "w").write("x")\n';
  const writes = (code: string): RunRequest => {
    const r = withCode(code);
    return { ...r, limits: { ...r.limits, fileSizeBytes: 1 << 16 } }; // codejail's FSIZE (0 by default)
  };
  const fromWarm = await warm.run(writes(stateful));
  assert.equal(out(fromWarm), '1 False False\n');
  const before = await dormant.run(writes(stateful));
  assert.equal(out(before), out(fromWarm));
  await untilDropped();
  // A reload boots nothing: a preload the configuration now names, which does not exist, would
  // fail a boot; the reload serves the state the service started with.
  writeConfig([...PRELOADS, 'no_such_module_anywhere']);
  try {
    const after = await dormant.run(writes(stateful));
    assert.equal(out(after), out(fromWarm), 'nothing of the run before the drop');
    assert.equal(after.fuelUsed, fromWarm.fuelUsed);
  } finally {
    writeConfig(PRELOADS);
  }
  await untilDropped();
});

test('support_a_broken_image_fails_the_start_although_it_would_be_dormant', async () => {
  writeConfig(PRELOADS, [{ name: 'broken', extends: 'py311-base', addPreloads: ['no_such_module_anywhere'] }]);
  try {
    await assert.rejects(
      DormantPool.start({ image: { name: 'broken', configPath }, workers: 1, idleRetireMs: IDLE_MS, queueLimit: 1, warmups }),
      /warm-up run failed.*no_such_module_anywhere/s);
    const images = loadImages(configPath, { only: ['py311-base', 'broken'] });
    await assert.rejects(
      startJail({ workers: 1, images: new Map(images), defaultImage: 'py311-base', imageSource: { configPath } }),
      /no_such_module_anywhere/);
  } finally {
    writeConfig(PRELOADS);
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
    writeLayer('two');
    const m = await mapped.safeExec({ code: 'import demo_pkg\nx = demo_pkg.GREETING', globalsJson: '{}', limitOverridesContext: course });
    assert.equal(m.image, 'tiny');
    assert.ok(m.ok, m.ok ? '' : m.emsg);
    assert.match(m.globalsJson, /"x": "one"/);
  } finally {
    writeLayer('one');
    await jail.close();
    await mapped.close();
  }
});
