// What freezing the warm-up's objects (compat/_cj_driver.py, _freeze_warm_objects; ADR 0004)
// changes for a run on the default image: fuel (deterministic, the CPU limit's unit), the chunks
// the restore copies back, and CPU time of run + restore, against the same image's snapshot built
// without the freeze, in one process. py311-base (nothing preloaded, frozen) is the reference.
//
//   npm run bench:gc [-- --rounds N]
//
// Times are the process's CPU time (user + system) around run and restore; the ratio is the
// median (p25-p75) of per-round ratios, the two snapshots alternating in order every round.
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
import { buildSafeExecStdin, buildSafeExecWrapper } from '../src/jail/wrapper.js';
import { FUEL_PER_CPU_SECOND } from '../src/sandbox/fuel.js';
import type { RunRequest } from '../src/sandbox/types.js';
import { median as med, quantile } from './stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 9);
const settings = { ...DEFAULT_RUN_SETTINGS, fuelPerSecond: FUEL_PER_CPU_SECOND };
const limits = effectiveLimits(defaultPolicy(), null, { CPU: 0, REALTIME: 0 });
const wrapper = buildSafeExecWrapper([]);

const script = (code: string): RunRequest => buildJailRun(checkJailCodeRequest({ command: 'python', code }), limits, settings, 1);
const safeExec = (code: string): RunRequest =>
  buildJailRun(checkJailCodeRequest({ command: 'python', code: wrapper, stdin: buildSafeExecStdin(code, '{}') }), limits, settings, 1);

const WORKLOADS: [string, RunRequest, boolean][] = [
  ['script: gc.collect()', script('import gc\ngc.collect()\n'), true],
  ['script: 300k tuples+lists+dicts kept', script('data = [(i, [i], {"k": i}) for i in range(300000)]\n'), true],
  ['script: 1M cyclic lists dropped', script('for i in range(1000000):\n    x = [i]\n    x.append(x)\n'), true],
  ['safe_exec: x = 1', safeExec('x = 1'), true],
  ['safe_exec: random/math (capa)', safeExec('import random\nfrom math import sqrt\na = random.randint(2, 9)\nb = random.randint(2, 9)\n' +
    'answer = "%.2f" % sqrt(a * a + b * b)\nexpect = [str(a), str(b), answer]\n'), true],
  ['safe_exec: sympy integrate (capa)', safeExec('import sympy\nx = sympy.Symbol("x")\nanswer = str(sympy.integrate(x**2 * sympy.sin(x), x))\n'), false],
];

interface Variant { instance: PythonInstance; snapshot: Snapshot }
interface Sample { fuel: number; chunks: number; ms: number }

function sample(v: Variant, req: RunRequest): Sample {
  const c = process.cpuUsage();
  const r = v.instance.run(req);
  const bytes = v.instance.restore(v.snapshot);
  const d = process.cpuUsage(c);
  if (r.status !== 0) throw new Error(Buffer.from(r.stderr).toString());
  return { fuel: r.fuelUsed, chunks: bytes / 4096, ms: (d.user + d.system) / 1000 };
}

const mfuel = (f: number) => `${(f / 1e6).toFixed(1)} M`;

async function main(): Promise<void> {
  const catalog = loadImageCatalog({ only: ['openedx-2026.1', 'py311-base'] });
  // One compiled module for both snapshots of the default image: V8's code for it is the same.
  let shared: WebAssembly.Module | undefined;
  const variant = async (name: string, freezeWarmObjects: boolean, reuse?: WebAssembly.Module): Promise<Variant> => {
    const image = catalog.images.get(name)!;
    const { module, snapshot } = await buildSnapshot(image, warmupRuns(settings), reuse, { freezeWarmObjects });
    shared ??= module;
    return { instance: PythonInstance.fromSnapshot(module, imageTree(imageFiles(image)), snapshot), snapshot };
  };
  const frozen = await variant(catalog.defaultImage, true);
  const unfrozen = await variant(catalog.defaultImage, false, shared);
  const base = await variant('py311-base', true);
  for (const [, req] of WORKLOADS) for (let k = 0; k < 2; k++) { sample(frozen, req); sample(unfrozen, req); }
  console.log(`${catalog.defaultImage}: snapshot built with the warm-up's objects frozen (as shipped) against without; ${ROUNDS} paired rounds; ` +
    `Node ${process.version}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('| workload | fuel without | fuel frozen | fuel ratio | py311-base fuel | chunks restored without | frozen | CPU ms without | CPU ms frozen | CPU ratio (p25-p75) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [label, req, onBase] of WORKLOADS) {
    const a: Sample[] = [];
    const b: Sample[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2) { b.push(sample(frozen, req)); a.push(sample(unfrozen, req)); } else { a.push(sample(unfrozen, req)); b.push(sample(frozen, req)); }
    }
    const ratios = b.map((x, k) => x.ms / a[k]!.ms);
    const ref = onBase ? mfuel(sample(base, req).fuel) : 'n/a';
    console.log(`| ${label} | ${mfuel(a[0]!.fuel)} | ${mfuel(b[0]!.fuel)} | ${(b[0]!.fuel / a[0]!.fuel).toFixed(3)} | ${ref} | ` +
      `${med(a.map((x) => x.chunks))} | ${med(b.map((x) => x.chunks))} | ${med(a.map((x) => x.ms)).toFixed(1)} | ${med(b.map((x) => x.ms)).toFixed(1)} | ` +
      `${med(ratios).toFixed(2)} (${quantile(ratios, 0.25).toFixed(2)}-${quantile(ratios, 0.75).toFixed(2)}) |`);
  }
}

await main();
