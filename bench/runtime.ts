// Runtime speed against native CPython, and the cost of fuel metering — one process, one run.
//
//   npm run bench:runtime [-- --rounds N] [-- --fuel-wasm PATH] [-- --compare-wasm PATH] [-- --nofuel-wasm PATH]
//
// --nofuel-wasm PATH: the baseline without fuel (default the committed python-nofuel.wasm), e.g.
// the no-fuel module of another reactor whose fuel modules --fuel-wasm/--compare-wasm time.
// --compare-wasm PATH: a second fuel module (e.g. another fuel pass on the same reactor) timed in
// the same rounds, its overhead against the same no-fuel module printed after the table.
//
// Native CPython is a persistent `/usr/bin/python3 -E -B` process that times each workload
// inside itself, as the wasm side does (an in-process PythonInstance restored from a snapshot
// after every run), so both are interpreters that have been running for a while; imports are
// timed in a fresh native process, the state each wasm run starts from.
// Why paired ratios: this machine's speed changes by ~1.5x from second to second (a native
// fib(25) takes 12-13 ms in one stretch and 18-19 ms in the next, in one process), so medians of
// separately sampled sets mostly measure which stretch each side happened to land in. Each round
// runs native, fuel and no-fuel back to back (the order reversed every other round), and each
// ratio is the median of the per-round ratios, with the middle half of them (p25-p75) to show
// the spread.
// Why a mixed warm-up: V8 optimises CPython's eval function from the call targets it has seen;
// a serving worker has seen many kinds of code, and a module warmed on one workload alone runs
// that workload up to ~1.5x faster than a worker that has seen several. So every module first
// runs rounds of all workloads plus string/dict/class code before anything is timed.
// Then, for the sandbox host: the in-process cost of a trivial run and of a snapshot restore,
// and the sustained throughput of a 2-worker pool.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadavg as osLoadavg } from 'node:os';
import { loadBaseImage } from '../src/runtime/baseImage.js';
import { imageFiles } from '../src/runtime/image.js';
import { imageTree } from '../src/sandbox/imageTree.js';
import { buildSnapshot } from '../src/sandbox/Sandbox.js';
import { PythonInstance } from '../src/sandbox/PythonInstance.js';
import { buildJailRun, DEFAULT_RUN_SETTINGS } from '../src/jail/jailRun.js';
import { checkJailCodeRequest } from '../src/jail/request.js';
import { defaultPolicy, effectiveLimits } from '../src/jail/limits.js';
import { createJail, warmupRuns } from '../src/jail/jail.js';
import { FUEL_PER_CPU_SECOND } from '../src/sandbox/fuel.js';
import { median as med, quantile } from './stats.js';

const WORKLOADS: Record<string, string> = {
  'pure-Python loop (3M additions)': 's = 0\nfor i in range(3_000_000):\n    s += i',
  'the same loop in a function': 'def f():\n    s = 0\n    for i in range(3_000_000):\n        s += i\nf()',
  'fib(25)': 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(25)',
  'import json, re, random, math (fresh)': 'import json, re, random, math',
};
// Untimed, only to give V8 the call-target feedback of varied code (see above).
const WARMUP_EXTRA = [
  'import json, re\nd = {str(i): [i, i * 2.5, "x" * (i % 7)] for i in range(3000)}\ns = json.dumps(d)\nassert json.loads(s) == d\nre.findall(r"\\d+", s)',
  'x = sorted([(i * 7919) % 1000 for i in range(50000)])\ny = "".join(str(v) for v in x[:5000]).upper().split("1")\nclass P:\n    def __init__(s, a): s.a = a\n    def m(s): return s.a * 2\nz = sum(P(i).m() for i in range(50000))',
];
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 15);
// --fuel-wasm PATH: time another fuel module (e.g. one without branch hints) in place of the
// committed python.wasm, against the same no-fuel module.
const FUEL_WASM = process.argv.includes('--fuel-wasm') ? process.argv[process.argv.indexOf('--fuel-wasm') + 1] : undefined;
const WARMUP_ROUNDS = arg('--warmup', 4);
const COMPARE_WASM = process.argv.includes('--compare-wasm') ? process.argv[process.argv.indexOf('--compare-wasm') + 1] : undefined;
const NOFUEL_WASM = process.argv.includes('--nofuel-wasm') ? process.argv[process.argv.indexOf('--nofuel-wasm') + 1] : undefined;

function timedHarness(code: string, fresh: boolean): string {
  // For imports, drop the modules first so the run really imports them (in the sandbox, also the
  // driver's finder that hands over the snapshot's modules: compat/_cj_driver.py, _WarmModules).
  const reset = fresh ? 'import sys\nsys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__name__", "") != "_WarmModules"]\nfor m in [k for k in sys.modules if k.split(".")[0] in ("json", "re", "random", "math", "bisect", "hashlib", "_sha512", "sre_compile", "sre_parse", "sre_constants", "copyreg", "enum")]: del sys.modules[m]\n' : '';
  return `import time\nsrc = ${JSON.stringify(code)}\n${reset}g = {}\nt = time.perf_counter()\nexec(compile(src, "<w>", "exec"), g)\nprint((time.perf_counter() - t) * 1000)\n`;
}

/** A persistent native CPython that runs one harness per input line and prints its timing. */
class NativePython {
  private readonly proc = spawn('/usr/bin/python3', ['-E', '-B', '-u', '-c',
    'import json, sys\nfor line in sys.stdin:\n    exec(json.loads(line), {})\n'], { stdio: ['pipe', 'pipe', 'inherit'] });
  private readonly lines = createInterface({ input: this.proc.stdout! })[Symbol.asyncIterator]();

  async time(code: string, fresh: boolean): Promise<number> {
    // An import is timed in a fresh process: the persistent one would keep every dependency
    // the listed modules pull in, while each wasm run starts again from its snapshot.
    if (fresh) {
      const r = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', timedHarness(code, fresh)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      return Number(r.stdout.trim());
    }
    this.proc.stdin!.write(JSON.stringify(timedHarness(code, fresh)) + '\n');
    const line = await this.lines.next();
    if (line.done) throw new Error('native python exited');
    return Number(line.value);
  }

  close(): void {
    this.proc.stdin!.end();
  }
}

const loadavg = (): string => osLoadavg().map((x) => x.toFixed(2)).join(' ');
const spread = (xs: number[], fmt: (x: number) => string): string => `${fmt(med(xs))} (${fmt(quantile(xs, 0.25))}-${fmt(quantile(xs, 0.75))})`;
const times = (x: number): string => `${x.toFixed(2)}x`;
const percent = (x: number): string => `${((x - 1) * 100).toFixed(0)} %`;

async function main(): Promise<void> {
  const settings = { ...DEFAULT_RUN_SETTINGS, fuelPerSecond: FUEL_PER_CPU_SECOND };
  const limits = effectiveLimits(defaultPolicy(), null, { CPU: 0, REALTIME: 0 });
  const variants: Record<string, { inst: PythonInstance; snap: Awaited<ReturnType<typeof buildSnapshot>>['snapshot'] }> = {};
  const modules = [['fuel', true], ['nofuel', false], ...(COMPARE_WASM ? [['compare', true] as const] : [])] as const;
  for (const [name, fuel] of modules) {
    const wasm = name === 'compare' ? readFileSync(COMPARE_WASM!) : fuel && FUEL_WASM ? readFileSync(FUEL_WASM)
      : !fuel && NOFUEL_WASM ? readFileSync(NOFUEL_WASM) : undefined;
    const image = { ...loadBaseImage({ fuel, wasm }), preloads: [] };
    const { module, snapshot } = await buildSnapshot(image, warmupRuns(settings));
    variants[name] = { inst: PythonInstance.fromSnapshot(module, imageTree(imageFiles(image)), snapshot), snap: snapshot };
  }
  const wasm = (variant: string, code: string, fresh: boolean): number => {
    const { inst, snap } = variants[variant]!;
    const req = buildJailRun(checkJailCodeRequest({ command: 'python', code: timedHarness(code, fresh) }), limits, settings, 1);
    const r = inst.run(req);
    inst.restore(snap);
    if (r.status !== 0) throw new Error(Buffer.from(r.stderr).toString());
    return Number(Buffer.from(r.stdout).toString().trim());
  };
  const native = new NativePython();
  const isFresh = (name: string): boolean => name.startsWith('import');
  for (let i = 0; i < WARMUP_ROUNDS; i++) {
    for (const [name, code] of [...Object.entries(WORKLOADS), ...WARMUP_EXTRA.map((c) => ['', c] as const)]) {
      await native.time(code, isFresh(name));
      wasm('fuel', code, isFresh(name));
      wasm('nofuel', code, isFresh(name));
      if (COMPARE_WASM) wasm('compare', code, isFresh(name));
    }
  }
  const compared: string[] = [];
  console.log(`${ROUNDS} paired rounds after ${WARMUP_ROUNDS} mixed warm-up rounds; medians, (p25-p75) of the per-round ratios; Node ${process.version} (V8 ${process.versions.v8}); load average at start ${loadavg()}`);
  console.log('| workload | native ms | wasm ms (fuel) | wasm ms (no fuel) | wasm/native (fuel) | wasm/native (no fuel) | fuel overhead |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, code] of Object.entries(WORKLOADS)) {
    const fresh = isFresh(name);
    const n: number[] = [];
    const f: number[] = [];
    const p: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        n.push(await native.time(code, fresh));
        f.push(wasm('fuel', code, fresh));
        if (COMPARE_WASM) c.push(wasm('compare', code, fresh));
        p.push(wasm('nofuel', code, fresh));
      } else {
        p.push(wasm('nofuel', code, fresh));
        if (COMPARE_WASM) c.push(wasm('compare', code, fresh));
        f.push(wasm('fuel', code, fresh));
        n.push(await native.time(code, fresh));
      }
    }
    const ratio = (a: number[], b: number[]): number[] => a.map((x, i) => x / b[i]!);
    console.log(`| ${name} | ${med(n).toFixed(1)} | ${med(f).toFixed(1)} | ${med(p).toFixed(1)} | ${spread(ratio(f, n), times)} | ${spread(ratio(p, n), times)} | ${spread(ratio(f, p), percent)} |`);
    if (COMPARE_WASM) compared.push(`| ${name} | ${med(c).toFixed(1)} | ${spread(ratio(c, p), percent)} | ${spread(ratio(f, c), percent)} |`);
  }
  if (COMPARE_WASM) {
    console.log(`\n--compare-wasm ${COMPARE_WASM}, in the same rounds:\n| workload | wasm ms (compared) | its fuel overhead | fuel module against it |\n|---|---|---|---|`);
    for (const line of compared) console.log(line);
  }
  native.close();
  // Host costs: a trivial run and a restore, in-process.
  const { inst, snap } = variants.fuel!;
  const trivial = buildJailRun(checkJailCodeRequest({ command: 'python', code: 'x = 1' }), limits, settings, 1);
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
