// What a run leaves its worker to do afterwards, with and without the free heap the warm-up leaves
// the allocator (compat/_cj_driver.py, _reserve_heap_headroom; ADR 0004): whether the run grew the
// instance's memory (then the restore replaces the instance and copies the whole snapshot), the
// bytes the restore copied, and its time. Both snapshots of the same image in one process, the
// two alternating every round.
//
//   npm run bench:growth [-- --image openedx-2026.1 --rounds 5]
//
// Restore times are wall-clock medians over the rounds; bytes and growth are the same every round.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { imageFiles } from '../src/runtime/image.js';
import { loadImageCatalog } from '../src/runtime/imageCatalog.js';
import { imageTree } from '../src/sandbox/imageTree.js';
import { buildSnapshot } from '../src/sandbox/Sandbox.js';
import { PythonInstance, type Snapshot } from '../src/sandbox/PythonInstance.js';
import { buildJailRun, DEFAULT_RUN_SETTINGS } from '../src/jail/jailRun.js';
import { checkJailCodeRequest } from '../src/jail/request.js';
import { defaultPolicy, effectiveLimits } from '../src/jail/limits.js';
import { warmupRuns } from '../src/jail/jail.js';
import { FUEL_PER_CPU_SECOND } from '../src/sandbox/fuel.js';
import type { RunRequest } from '../src/sandbox/types.js';
import { median } from './stats.js';

const { values } = parseArgs({ options: { image: { type: 'string' }, rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 5);
const settings = { ...DEFAULT_RUN_SETTINGS, fuelPerSecond: FUEL_PER_CPU_SECOND, outputLimitBytes: 1 << 20 };
const limits = effectiveLimits(defaultPolicy(), null, { CPU: 10, REALTIME: 20 });

const PROGRAMS: [string, string][] = [
  ['x = 1', 'x = 1'],
  ['sympy integrate', 'import sympy\nx = sympy.Symbol("x")\nprint(sympy.integrate(x**2, x))'],
  ['dict of 1,000 lists', 'd = {str(i): [i] * 10 for i in range(1000)}'],
  ['dict of 10,000 lists', 'd = {str(i): [i] * 10 for i in range(10000)}'],
  ['join of 100k numbers', 's = "".join(str(i) for i in range(100000))'],
  ['np.arange(100000)', 'import numpy as np\nprint(np.arange(100000).sum())'],
  ['numpy 100k-point check', 'import numpy as np\nx = np.linspace(0.1, 10.0, 100000)\nok = bool(np.allclose(np.sin(x) ** 2 + np.cos(x) ** 2, 1))'],
  ['scipy quad', 'from scipy import integrate\nprint(integrate.quad(lambda t: t * t, 0, 1)[0])'],
  ['bytearray(32 MiB)', 'b = bytearray(32 << 20)'],
];

interface Variant { name: string; instance: PythonInstance; snapshot: Snapshot }
interface Sample { grew: boolean; bytes: number; ms: number }

function sample(v: Variant, req: RunRequest): Sample {
  const r = v.instance.run(req);
  if (r.status !== 0) throw new Error(`${v.name}: ${Buffer.from(r.stderr).toString()}`);
  const grew = v.instance.memoryBytes() !== v.snapshot.memory.length;
  const t0 = performance.now();
  const bytes = v.instance.restore(v.snapshot);
  return { grew, bytes, ms: performance.now() - t0 };
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);

async function main(): Promise<void> {
  const catalog = loadImageCatalog();
  const imageName = values.image ?? catalog.defaultImage;
  const image = catalog.images.get(imageName);
  if (!image) throw new Error(`no image ${imageName}`);
  const layers = imageTree(imageFiles(image));
  // One compiled module for both snapshots: V8's code for it is the same.
  let shared: WebAssembly.Module | undefined;
  const variant = async (name: string, heapHeadroom: boolean): Promise<Variant> => {
    const { module, snapshot } = await buildSnapshot(image, warmupRuns(settings), shared, { heapHeadroom });
    shared ??= module;
    return { name, instance: PythonInstance.fromSnapshot(module, layers, snapshot), snapshot };
  };
  const withHeap = await variant('with free heap', true);
  const without = await variant('without', false);
  console.log(`${imageName}: snapshot ${mib(without.snapshot.memory.length)} MiB without the free heap, ${mib(withHeap.snapshot.memory.length)} MiB with it ` +
    `(free top ${mib(withHeap.snapshot.freeTop.zeroTo - withHeap.snapshot.freeTop.zeroFrom)} MiB); ${ROUNDS} rounds; Node ${process.version}; ` +
    `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('| program | without: grew | restored MiB | restore ms | with free heap: grew | restored MiB | restore ms |');
  console.log('|---|---|---:|---:|---|---:|---:|');
  for (const [label, code] of PROGRAMS) {
    const req = buildJailRun(checkJailCodeRequest({ command: 'python', code }), limits, settings, 1);
    const a: Sample[] = [];
    const b: Sample[] = [];
    try {
      sample(without, req);
      sample(withHeap, req);
    } catch (err) {
      console.log(`| ${label} | not run: ${String((err as Error).message).trim().split('\n').pop()} |||||`);
      continue;
    }
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2) { b.push(sample(withHeap, req)); a.push(sample(without, req)); } else { a.push(sample(without, req)); b.push(sample(withHeap, req)); }
    }
    const row = (s: Sample[]) => `${s[0]!.grew ? 'yes' : 'no'} | ${mib(s[0]!.bytes)} | ${median(s.map((x) => x.ms)).toFixed(2)}`;
    console.log(`| ${label} | ${row(a)} | ${row(b)} |`);
  }
}

await main();
