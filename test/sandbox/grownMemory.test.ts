// A run that grew its memory leaves an instance the restore replaces (memory cannot shrink). The
// replaced memory, at least the snapshot's size and every page resident, must be given back by
// that restore, not when V8 next collects on its own: with 4 workers replacing after every run,
// replaced memories held +791 MiB over idle (issue #19, bench/replacedMemory.ts).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBaseImage } from '../../src/runtime/baseImage.js';
import type { PythonInstance } from '../../src/sandbox/PythonInstance.js';
import { pythonRun, warmImage, type WarmImage } from '../support/warmInstance.js';

let warm: WarmImage;
before(async () => {
  warm = await warmImage(loadBaseImage());
});

/** A weak reference to the instance's current memory (no strong one is kept here). */
function weakMemory(inst: PythonInstance): WeakRef<WebAssembly.Memory> {
  return new WeakRef((inst as unknown as { exports: { memory: WebAssembly.Memory } }).exports.memory);
}

test('a replaced instance\'s memory is collected by the restore that replaces it', async () => {
  const inst = warm.instance();
  const { snapshot } = warm;
  // Past the snapshot's free heap (the driver's HEAP_HEADROOM_BYTES, 16 MiB).
  const grow = pythonRun('b = bytearray(48 << 20)', {});
  for (let i = 0; i < 3; i++) {
    assert.equal(inst.run(grow).status, 0);
    const old = weakMemory(inst);
    assert.ok(old.deref()!.buffer.byteLength > snapshot.memory.length, 'the run did not grow memory: nothing is replaced');
    // A weak reference's target is kept alive until the job that made or read it ends.
    await new Promise((resolve) => setImmediate(resolve));
    inst.restore(snapshot);
    assert.equal(old.deref(), undefined, `restore ${i + 1}: the replaced memory is still alive`);
    assert.notEqual(weakMemory(inst).deref(), undefined);
  }
});

test('workers starting at the same moment each get a working collection', async () => {
  // V8's flags are the process's: a worker that unset --expose-gc after taking its `gc` made
  // another, starting at the same moment, fail with ReferenceError (6-8 of 24 threads).
  const { Worker } = await import('node:worker_threads');
  const url = new URL('../../src/sandbox/collectGarbage.js', import.meta.url).href;
  const src = `import(${JSON.stringify(url)}).then((m) => { m.collectGarbage(); process.exit(0); }, () => process.exit(1));`;
  const codes = await Promise.all(Array.from({ length: 24 }, () => new Promise<number>((resolve) => {
    const w = new Worker(src, { eval: true });
    w.on('error', () => {});
    w.on('exit', resolve);
  })));
  assert.deepEqual(codes.filter((c) => c !== 0), []);
});
