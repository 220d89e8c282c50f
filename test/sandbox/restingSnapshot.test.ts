// A pool without warm workers keeps its snapshot compressed while it has no worker, and expands it
// again when a request starts one (RestingSnapshot, ADR 0012). The expansion must be the
// snapshot byte for byte: a worker started from it answers exactly as a warm pool's worker
// (output and fuel), before and after the pool rested, and nothing a run leaves behind reaches
// a later run, on the same worker, on another, or after the pool rested and expanded again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { warmupRuns } from '../../src/jail/jail.js';
import { DEFAULT_RUN_SETTINGS } from '../../src/jail/jailRun.js';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import { imageFiles } from '../../src/runtime/image.js';
import type { Snapshot } from '../../src/sandbox/PythonInstance.js';
import { compressSnapshot, expandSnapshot, RestingSnapshot, type CompressedSnapshot } from '../../src/sandbox/RestingSnapshot.js';
import { deflateSync } from 'node:zlib';
import { buildSnapshot } from '../../src/sandbox/Sandbox.js';
import type { RunRequest, RunResult } from '../../src/sandbox/types.js';
import { WorkerPool } from '../../src/sandbox/WorkerPool.js';

const IDLE_MS = 300;
let snapshot: Snapshot;
let warm: WorkerPool;
let resting: WorkerPool;
let script: RunRequest;

before(async () => {
  const image = loadBaseImage();
  const warmups = warmupRuns(DEFAULT_RUN_SETTINGS);
  const built = await buildSnapshot(image, warmups);
  snapshot = built.snapshot;
  const files = imageFiles(image).filter((f) => !f.bootOnly);
  const common = { workers: 2, idleRetireMs: IDLE_MS, queueLimit: 16, module: built.module, files, snapshot };
  warm = await WorkerPool.start({ ...common, warmWorkers: 2 });
  resting = await WorkerPool.start({ ...common, warmWorkers: 0 });
  script = warmups[2]!; // jail_code's shape: the code's file, then argv
});
after(async () => {
  await warm?.close();
  await resting?.close();
});

/** The same jail_code request with other code (and a seed: the output must not depend on the worker). */
function withCode(code: string): RunRequest {
  const file = script.files.find((f) => f.path.endsWith('jailed_code'))!;
  return { ...script, seed: 1234, files: script.files.map((f) => (f === file ? { ...f, data: new TextEncoder().encode(code) } : f)) };
}
const out = (r: RunResult): string => Buffer.from(r.stdout).toString('utf8') + Buffer.from(r.stderr).toString('utf8');

/** Bounded poll (liveness only). */
async function untilRested(): Promise<void> {
  for (let i = 0; i < 1200 && resting.stats().workers > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(resting.stats().workers, 0, 'the resting pool retired its workers');
}

test('support_a_resting_snapshot_expands_to_the_same_bytes_in_fresh_shared_memory', async () => {
  const r = await RestingSnapshot.of(snapshot);
  assert.ok(r.compressedBytes < snapshot.memory.length / 2, `compressed to ${r.compressedBytes} of ${snapshot.memory.length} bytes`);
  const a = await r.expand();
  const b = await r.expand();
  assert.ok(a.memory.buffer instanceof SharedArrayBuffer);
  assert.equal(Buffer.compare(a.memory, snapshot.memory), 0, 'the expansion is the snapshot byte for byte');
  assert.deepEqual(a.globals, snapshot.globals);
  assert.notEqual(a.memory.buffer, b.memory.buffer, 'each expansion is its own memory');
  a.memory[a.memory.length - 1]! ^= 0xff;
  a.globals[Object.keys(a.globals)[0]!] = 0;
  const c = await r.expand();
  assert.equal(Buffer.compare(c.memory, snapshot.memory), 0, 'a change to one expansion reaches no later one');
  assert.deepEqual(c.globals, snapshot.globals);
});

test('support_a_compressed_snapshot_that_changed_in_memory_fails_to_expand_in_either_format', async () => {
  // zstd where node has it (the format compressSnapshot makes here), zlib where it has not.
  const made = await compressSnapshot(snapshot);
  const zlibMade: CompressedSnapshot = { ...made, format: 'zlib', compressed: deflateSync(snapshot.memory, { level: 1 }) };
  for (const d of [made, zlibMade]) {
    assert.equal(Buffer.compare((await expandSnapshot(d)).memory, snapshot.memory), 0, `${d.format}: the snapshot byte for byte`);
    // One byte changed in the middle of the stream: the checksum (zstd's, or zlib's Adler-32) or
    // the stream itself refuses it; never a different snapshot.
    const changed = Uint8Array.from(d.compressed);
    changed[changed.length >> 1]! ^= 0x01;
    await assert.rejects(expandSnapshot({ ...d, compressed: changed }), `${d.format}: a changed stream expanded`);
  }
});

test('support_a_worker_started_from_a_resting_snapshot_answers_as_a_warm_one', async () => {
  assert.equal(resting.stats().workers, 0, 'no worker before the first request');
  const code = 'import random, sys, json\nprint(random.random(), sorted(sys.modules)[:5], json.dumps({"a": [1, 2.5]}))\n';
  const fromWarm = await warm.run(withCode(code));
  assert.equal(fromWarm.outcome, 'complete', out(fromWarm));
  const first = await resting.run(withCode(code));
  assert.equal(out(first), out(fromWarm));
  assert.equal(first.fuelUsed, fromWarm.fuelUsed, 'same fuel: the worker started from the same state');
  await untilRested();
  const again = await resting.run(withCode(code));
  assert.equal(out(again), out(fromWarm), 'after resting and expanding again');
  assert.equal(again.fuelUsed, fromWarm.fuelUsed);
});

test('deny_state_left_by_a_run_on_an_on_demand_worker_reaches_no_later_run', async () => {
  const plant = withCode([
    'import json, sys, builtins, os',
    'json.LEAK = "planted"',
    'builtins.LEAK = "planted"',
    'sys.modules["leaky"] = json',
    'os.environ["LEAK"] = "planted"',
    'print("planted")',
  ].join('\n'));
  const probe = withCode([
    'import json, sys, builtins, os',
    'print(hasattr(json, "LEAK"), hasattr(builtins, "LEAK"), "leaky" in sys.modules, "LEAK" in os.environ)',
  ].join('\n'));
  const clean = 'False False False False\n';
  // Both workers plant (two at once start the second), then both probe.
  for (const r of await Promise.all([resting.run(plant), resting.run(plant)])) assert.equal(out(r), 'planted\n');
  assert.equal(resting.stats().workers, 2);
  for (const r of await Promise.all([resting.run(probe), resting.run(probe), resting.run(probe)])) assert.equal(out(r), clean);
  // Rest (the expanded snapshot is given up), then expand again for the next request.
  for (const r of await Promise.all([resting.run(plant), resting.run(plant)])) assert.equal(out(r), 'planted\n');
  await untilRested();
  assert.equal(out(await resting.run(probe)), clean);
  for (const r of await Promise.all([resting.run(probe), resting.run(probe)])) assert.equal(out(r), clean);
});
