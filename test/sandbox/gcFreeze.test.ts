// The warm-up's objects are in gc's permanent generation in the snapshot (compat/_cj_driver.py,
// _freeze_warm_objects; ADR 0004): natively a codejail run starts in a fresh `python3 -E -B`
// where none of the preloaded libraries' objects exist, so a full collection (gc.collect(), or an
// automatic one while a program allocates) must not cost more fuel (the CPU limit) or dirty more
// memory (the restore) because the default image preloads ~100 MiB of them. And the collector
// still frees what a run makes: a cycle is collected, with its __del__ and weakref callback, as
// natively. References: the same runs on py311-base (nothing preloaded) and Debian's python3.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadImageCatalog } from '../../src/runtime/imageCatalog.js';
import type { PythonInstance, Snapshot } from '../../src/sandbox/PythonInstance.js';
import { nativePython } from '../support/jail.js';
import { pythonRun, warmInstance } from '../support/warmInstance.js';

const DEFAULT_IMAGE = 'openedx-2026.1';
const NOTHING_PRELOADED = 'py311-base';
const LIMITS = { CPU: 60, REALTIME: 120 };

interface Booted { instance: PythonInstance; snapshot: Snapshot }
const booted = new Map<string, Booted>();

before(async () => {
  const catalog = loadImageCatalog({ only: [DEFAULT_IMAGE, NOTHING_PRELOADED] });
  assert.equal(catalog.defaultImage, DEFAULT_IMAGE);
  for (const name of [DEFAULT_IMAGE, NOTHING_PRELOADED]) {
    booted.set(name, await warmInstance(catalog.images.get(name)!));
  }
});

interface Ran { status: number; out: string; err: string; fuel: number; restoredBytes: number }

function run(image: string, code: string): Ran {
  const { instance, snapshot } = booted.get(image)!;
  const r = instance.run(pythonRun(code, LIMITS), { deterministicClock: true });
  const restoredBytes = instance.restore(snapshot);
  return { status: r.status, out: Buffer.from(r.stdout).toString('utf8'), err: Buffer.from(r.stderr).toString('utf8'), fuel: r.fuelUsed, restoredBytes };
}

/** Runs `code` twice: the same output and fuel both times (determinism), then returns the run. */
function runTwice(image: string, code: string): Ran {
  const a = run(image, code);
  assert.equal(a.status, 0, a.err);
  const b = run(image, code);
  assert.deepEqual([b.status, b.out, b.fuel], [a.status, a.out, a.fuel], `${image}: a second run of the same code differs`);
  return a;
}

const TRIVIAL = 'import gc\nx = 1\n';
const COLLECT = 'import gc\nx = 1\ngc.collect()\n';

test('support_gc_a_full_collection_costs_the_same_whatever_the_image_preloads', () => {
  // What gc.collect() adds to a run: natively it walks the objects of a fresh process, the same
  // few thousand whichever libraries are installed; here neither image's warm-up objects.
  const added = (image: string) => runTwice(image, COLLECT).fuel - runTwice(image, TRIVIAL).fuel;
  const preloaded = added(DEFAULT_IMAGE);
  const nothing = added(NOTHING_PRELOADED);
  assert.ok(preloaded > 0 && nothing > 0);
  assert.ok(preloaded <= 2 * nothing, `gc.collect() adds ${preloaded} fuel in ${DEFAULT_IMAGE}, ${nothing} in ${NOTHING_PRELOADED}`);
});

test('support_gc_a_full_collection_dirties_little_of_the_snapshot', () => {
  // A collection of the run's own few objects writes few chunks: the restore after it copies
  // about what it copies after the same run without the collection.
  const trivial = run(DEFAULT_IMAGE, TRIVIAL);
  const collected = run(DEFAULT_IMAGE, COLLECT);
  assert.equal(collected.status, 0, collected.err);
  assert.ok(collected.restoredBytes <= 2 * trivial.restoredBytes,
    `restore after gc.collect() copies ${collected.restoredBytes} bytes, after the same run without it ${trivial.restoredBytes}`);
});

test('support_gc_automatic_full_collections_come_as_natively_while_a_program_allocates', () => {
  // A program that builds 900,000 containers triggers automatic collections of every generation;
  // when the oldest is collected depends on how many objects the last full collection kept
  // (long_lived_total), which natively is none at a program's start.
  const code = [
    'import gc',
    'before = [g["collections"] for g in gc.get_stats()]',
    'data = [(i, [i], {"k": i}) for i in range(300000)]',
    'print([b - a for a, b in zip(before, [g["collections"] for g in gc.get_stats()])][2])',
  ].join('\n');
  const native = nativePython(code);
  assert.equal(native.status, 0, native.stderr);
  const preloaded = runTwice(DEFAULT_IMAGE, code);
  const nothing = runTwice(NOTHING_PRELOADED, code);
  assert.equal(preloaded.out, native.stdout, 'full collections during the program');
  assert.equal(nothing.out, native.stdout, 'full collections during the program');
  // Hence the same work in either image: the preloaded objects are walked by none of them.
  assert.ok(preloaded.fuel <= 1.05 * nothing.fuel, `fuel ${preloaded.fuel} in ${DEFAULT_IMAGE}, ${nothing.fuel} in ${NOTHING_PRELOADED}`);
});

test('support_gc_objects_at_a_program_start_are_no_more_than_natively', () => {
  // Natively gc.get_objects() lists the fresh interpreter's objects; none of a library the
  // program did not import. The warm-up's are frozen, so not listed (ADR 0004: the interpreter's
  // own start-up objects are frozen with them, so fewer are listed than natively).
  const code = 'import gc\nprint(len(gc.get_objects()), gc.get_threshold(), gc.isenabled())\n';
  const native = nativePython(code);
  assert.equal(native.status, 0, native.stderr);
  const [nativeCount, ...nativeRest] = native.stdout.trim().split(' ');
  for (const image of [DEFAULT_IMAGE, NOTHING_PRELOADED]) {
    const r = runTwice(image, code);
    const [count, ...rest] = r.out.trim().split(' ');
    assert.deepEqual(rest, nativeRest, `${image}: thresholds and enabled`);
    assert.ok(Number(count) <= Number(nativeCount), `${image}: ${count} objects listed at start, natively ${nativeCount}`);
  }
});

test('support_gc_a_cycle_the_program_makes_is_collected_as_natively', () => {
  // Objects of a handed-over module's classes (json's decoder holds itself through its scanner)
  // and the program's own, in cycles: freed by gc.collect(), with __del__ and weakref callbacks.
  const code = [
    'import gc, json, weakref',
    'events = []',
    'class Node:',
    '    def __del__(self):',
    '        events.append("del " + self.name)',
    'a, b = Node(), Node()',
    'a.name, b.name = "a", "b"',
    'a.peer, b.peer = b, a',
    'decoder = json.JSONDecoder()',
    'decoder.node = a',
    'refs = [weakref.ref(decoder, lambda r: events.append("decoder gone")), weakref.ref(a, lambda r: events.append("a gone"))]',
    'del a, b, decoder',
    'print("alive before", [r() is not None for r in refs])',
    'found = gc.collect()',
    'print("alive after", [r() is not None for r in refs], sorted(events), found > 0, gc.garbage)',
    'events.clear()',
    'print("again", gc.collect(), events)',
  ].join('\n');
  const native = nativePython(code);
  assert.equal(native.status, 0, native.stderr);
  assert.match(native.stdout, /alive after \[False, False\]/);
  for (const image of [DEFAULT_IMAGE, NOTHING_PRELOADED]) assert.equal(runTwice(image, code).out, native.stdout, image);
});
