// Runtime speed against native CPython, and the cost of fuel metering — one process, one run.
//
//   npm run bench:runtime [-- --rounds N]
//
// For each workload, ROUNDS interleaved rounds of: native `/usr/bin/python3 -E -B` (a fresh
// process; the workload timed inside it), the fuel-instrumented runtime and the same module
// without fuel (in-process PythonInstance restored from a snapshot; the workload timed inside
// Python). Medians over the rounds. Interleaving matters on a shared machine: a native
// process's speed here is bimodal (e.g. a 3M loop in 195 ms or 310 ms, independent of the hash
// seed), and load changes during a run, so each ratio compares runs made side by side.
// The wasm side is warmed first (two untimed runs per workload), as a serving worker is.
// Then, for the sandbox host: the in-process cost of a trivial run and of a snapshot restore,
// and the sustained throughput of a 2-worker pool.
import { spawnSync } from 'node:child_process';
import { loadavg as osLoadavg } from 'node:os';
import { imageTree, loadDefaultImage } from '../src/runtime/RuntimeImage.js';
import { buildSnapshot } from '../src/sandbox/Sandbox.js';
import { PythonInstance } from '../src/sandbox/PythonInstance.js';
import { buildJailRun, DEFAULT_RUN_SETTINGS } from '../src/jail/jailCode.js';
import { defaultPolicy, effectiveLimits } from '../src/jail/limits.js';
import { createJail, warmupRuns } from '../src/jail/jail.js';
import { FUEL_PER_CPU_SECOND } from '../src/sandbox/FuelBudget.js';

const WORKLOADS: Record<string, string> = {
  'pure-Python loop (3M additions)': 's = 0\nfor i in range(3_000_000):\n    s += i',
  'fib(25)': 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(25)',
  'import json, re, random, math (fresh)': 'import json, re, random, math',
};
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 9;

function timedHarness(code: string, fresh: boolean): string {
  // For imports, drop the modules first so the run really imports them.
  const reset = fresh ? 'import sys\nfor m in [k for k in sys.modules if k.split(".")[0] in ("json", "re", "random", "math", "bisect", "hashlib", "_sha512", "sre_compile", "sre_parse", "sre_constants", "copyreg", "enum")]: del sys.modules[m]\n' : '';
  return `import time\nsrc = ${JSON.stringify(code)}\n${reset}g = {}\nt = time.perf_counter()\nexec(compile(src, "<w>", "exec"), g)\nprint((time.perf_counter() - t) * 1000)\n`;
}

function native(code: string, fresh: boolean): number {
  const r = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', timedHarness(code, fresh)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

const loadavg = (): string => osLoadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const settings = { ...DEFAULT_RUN_SETTINGS, fuelPerSecond: FUEL_PER_CPU_SECOND };
  const limits = effectiveLimits(defaultPolicy(), null, { CPU: 0, REALTIME: 0 });
  const variants: Record<string, { inst: PythonInstance; snap: Awaited<ReturnType<typeof buildSnapshot>>['snapshot'] }> = {};
  for (const [name, fuel] of [['fuel', true], ['nofuel', false]] as const) {
    const image = { ...loadDefaultImage({ fuel }), preloads: [] };
    const { module, snapshot } = await buildSnapshot(image, warmupRuns(settings));
    variants[name] = { inst: PythonInstance.fromSnapshot(module, imageTree(image), snapshot), snap: snapshot };
  }
  const wasm = (variant: string, code: string, fresh: boolean): number => {
    const { inst, snap } = variants[variant]!;
    const req = buildJailRun({ command: 'python', code: timedHarness(code, fresh) }, limits, settings, 1);
    const r = inst.run(req);
    inst.restore(snap);
    if (r.status !== 0) throw new Error(Buffer.from(r.stderr).toString());
    return Number(Buffer.from(r.stdout).toString().trim());
  };
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`${ROUNDS} interleaved rounds, medians; Node ${process.version} (V8 ${process.versions.v8}); load average at start ${loadavg()}`);
  console.log('| workload | native ms | wasm ms (fuel) | wasm ms (no fuel) | wasm/native | fuel overhead |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, code] of Object.entries(WORKLOADS)) {
    const fresh = name.startsWith('import');
    for (let i = 0; i < 2; i++) { wasm('fuel', code, fresh); wasm('nofuel', code, fresh); }
    const n: number[] = [];
    const f: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      n.push(native(code, fresh));
      f.push(wasm('fuel', code, fresh));
      p.push(wasm('nofuel', code, fresh));
    }
    const [mn, mf, mp] = [med(n), med(f), med(p)];
    console.log(`| ${name} | ${mn.toFixed(2)} | ${mf.toFixed(2)} | ${mp.toFixed(2)} | ${(mf / mn).toFixed(2)}x | ${((mf / mp - 1) * 100).toFixed(1)} % |`);
  }
  // Host costs: a trivial run and a restore, in-process.
  const { inst, snap } = variants.fuel!;
  const trivial = buildJailRun({ command: 'python', code: 'x = 1' }, limits, settings, 1);
  const runs: number[] = [];
  const restores: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    inst.run(trivial);
    const t1 = performance.now();
    inst.restore(snap);
    runs.push(t1 - t0);
    restores.push(performance.now() - t1);
  }
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', 'x = 1'], { cwd: '/tmp' });
  const nativeProc = performance.now() - t0;
  if (r.status !== 0) throw new Error('native python failed');
  // Sustained throughput of the pool (2 workers, base image) and memory per warm worker.
  const rss0 = process.memoryUsage().rss;
  const jail = await createJail({ policy: defaultPolicy(), workers: 2, queueLimit: 10_000, outputLimitBytes: 1 << 20 });
  const rss1 = process.memoryUsage().rss;
  const N = 1000;
  for (let i = 0; i < 50; i++) await jail.jailCode({ command: 'python', code: 'x = 1' });
  const tp = performance.now();
  await Promise.all(Array.from({ length: N }, () => jail.jailCode({ command: 'python', code: 'x = 1' })));
  const perSecond = N / ((performance.now() - tp) / 1000);
  await jail.close();
  console.log(`\npool of 2 workers: ${perSecond.toFixed(0)} trivial jail_code runs/s sustained (${N} requests); process RSS +${((rss1 - rss0) / 1048576).toFixed(0)} MiB for the jail (shared module + snapshot + 2 warm workers)`);
  console.log(`trivial run in-process: median ${med(runs).toFixed(3)} ms; snapshot restore (${(snap.memory.length / 1048576).toFixed(1)} MiB): median ${med(restores).toFixed(3)} ms; native \`python3 -E -B -c 'x = 1'\` process: ${nativeProc.toFixed(1)} ms (${(nativeProc / (med(runs) + med(restores))).toFixed(0)}x the run + restore)`);
}

await main();
