// Runtime speed against native CPython, and the cost of fuel metering — one process, one run.
//
//   npm run build && node dist/bench/runtime.js
//
// For each workload: native `/usr/bin/python3 -E -B` (time of the workload inside the process,
// best of 5), the fuel-instrumented runtime and the same module without fuel (in-process
// PythonInstance restored from a snapshot, best of 5). Prints the ratios and, for the sandbox
// host, the in-process cost of a trivial run and of a snapshot restore.
import { spawnSync } from 'node:child_process';
import { imageTree, loadDefaultImage } from '../src/runtime/RuntimeImage.js';
import { buildSnapshot } from '../src/sandbox/Sandbox.js';
import { PythonInstance } from '../src/sandbox/PythonInstance.js';
import { buildJailRun, DEFAULT_RUN_SETTINGS } from '../src/jail/jailCode.js';
import { defaultPolicy, effectiveLimits } from '../src/jail/limits.js';
import { createJail, warmupRuns } from '../src/jail/jail.js';

const WORKLOADS: Record<string, string> = {
  'pure-Python loop (3M additions)': 's = 0\nfor i in range(3_000_000):\n    s += i',
  'fib(25)': 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(25)',
  'import json, re, random, math (fresh)': 'import json, re, random, math',
};
const REPEAT = 5;

function timedHarness(code: string, fresh: boolean): string {
  // For imports, drop the modules first so each repetition really imports them.
  const reset = fresh ? 'import sys\nfor m in [k for k in sys.modules if k.split(".")[0] in ("json", "re", "random", "math", "bisect", "hashlib", "_sha512", "sre_compile", "sre_parse", "sre_constants", "copyreg", "enum")]: del sys.modules[m]\n' : '';
  return `import time\nsrc = ${JSON.stringify(code)}\nbest = None\nfor _ in range(${REPEAT}):\n${reset.split('\n').map((l) => '    ' + l).join('\n')}\n    g = {}\n    t = time.perf_counter()\n    exec(compile(src, "<w>", "exec"), g)\n    d = time.perf_counter() - t\n    best = d if best is None else min(best, d)\nprint(best * 1000)\n`;
}

function native(code: string, fresh: boolean): number {
  const r = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', timedHarness(code, fresh)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

async function main(): Promise<void> {
  const settings = { ...DEFAULT_RUN_SETTINGS, fuelPerSecond: 900e6 };
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
  console.log('| workload | native ms | wasm ms (fuel) | wasm ms (no fuel) | wasm/native | fuel overhead |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, code] of Object.entries(WORKLOADS)) {
    const fresh = name.startsWith('import');
    const n = native(code, fresh);
    const f = wasm('fuel', code, fresh);
    const p = wasm('nofuel', code, fresh);
    console.log(`| ${name} | ${n.toFixed(2)} | ${f.toFixed(2)} | ${p.toFixed(2)} | ${(f / n).toFixed(2)}x | ${((f / p - 1) * 100).toFixed(1)} % |`);
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
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
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
