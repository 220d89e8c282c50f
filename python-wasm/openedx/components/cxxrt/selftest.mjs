// Runs the cxxrt self-test program (selftest.cpp + selftest_sjlj.c, linked by cxxrt.sh and
// put through the post-link pipeline as the runtime is) in the sandbox's own WASI host and
// fuel meter, and checks its output line for line.
//
//   node selftest.mjs SELFTEST.wasm DIST     (DIST: the project's compiled TypeScript, dist/)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [wasmPath, dist] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(join(dist, 'src', p)).href);
const { WasiHost, ProcExit } = await load('sandbox/wasi/WasiHost.js');
const { InMemoryFs, buildReadOnlyTree } = await load('sandbox/wasi/InMemoryFs.js');
const { OutputBuffer } = await load('sandbox/wasi/OutputBuffer.js');
const { GuestMemory } = await load('sandbox/wasi/GuestMemory.js');
const { DirtyChunks, DIRTY_IMPORTS, dirtyLayout } = await load('sandbox/DirtyChunks.js');
const { FuelMeter } = await load('sandbox/fuel.js');

const EXPECTED = [
  'runtime_error: from depth 0, 4 destructors',
  'vector::at: out_of_range',
  'stoi: invalid_argument',
  'int: 42',
  'catch (...): rethrow',
  'rethrown: inner',
  'longjmp: 71',
  'ifstream: not open',
].join('\n') + '\n';

const module = new WebAssembly.Module(readFileSync(wasmPath));
const layout = dirtyLayout(module);
if (!layout) throw new Error('the self-test module has no store barrier: not post-linked');
const stdout = new OutputBuffer(1 << 16);
const stderr = new OutputBuffer(1 << 16);
let meter = null;
const host = new WasiHost({
  fs: new InMemoryFs(buildReadOnlyTree([], ['/tmp']), '/tmp/run', { maxFileBytes: 0, totalBytes: 0, maxNodes: 0 }),
  stdin: new Uint8Array(0), stdout, stderr, seed: 1,
  chargeFuel: (units) => meter.charge(units), fuelPerSecond: 1e9,
  realtimeBudgetMs: 0, elapsedMs: () => 0, deterministicClock: true,
});
const marks = new DirtyChunks(layout.chunkShift, layout.alwaysRestoreChunks);
const memory = new WebAssembly.Memory({ initial: layout.memory.initial, maximum: layout.memory.maximum });
const instance = new WebAssembly.Instance(module, {
  wasi_snapshot_preview1: host.imports(),
  [DIRTY_IMPORTS.module]: { fuel_exhausted: () => meter.exhausted(), [DIRTY_IMPORTS.memory]: memory, [DIRTY_IMPORTS.marks]: marks.memory },
});
host.bindMemory(new GuestMemory(memory, marks));
meter = new FuelMeter(instance.exports.fuel, { budget: 100_000_000n, deadline: null, slice: 1_000_000n });
let status = 0;
try {
  instance.exports._start();
} catch (e) {
  if (!(e instanceof ProcExit)) throw e;
  status = e.code;
}
const out = Buffer.from(stdout.bytes()).toString('utf8');
const err = Buffer.from(stderr.bytes()).toString('utf8');
if (status !== 0 || out !== EXPECTED) {
  console.error(`cxxrt self-test failed (status ${status}):\n--- stdout\n${out}--- expected\n${EXPECTED}--- stderr\n${err}`);
  process.exit(1);
}
console.log(`cxxrt self-test: ${EXPECTED.split('\n').length - 1} checks passed on Node ${process.version}, fuel used ${meter.used()}`);
