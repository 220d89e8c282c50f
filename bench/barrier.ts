// What the store barrier (python-wasm/scripts/dirty-chunks.mjs) costs and what it saves, in one run.
//
//   npm run bench:barrier [-- --reactor PATH --rounds N] [-- --images-only]
//
// Builds, from the linked reactor of a full runtime build (default
// /var/tmp/codejail-wasm-build/out/reactor.stripped.wasm), the shipped pipeline's two modules
// with and without the barrier (fuel: instrument-fuel.mjs and branch hints, as postlink.mjs), then
// times CPU-bound workloads on all four in paired, interleaved rounds. Times are the process's
// CPU time around each run (user + system), not wall time: on a shared machine a run that waits
// for a core would otherwise be charged for it. Ratios are medians of the per-round ratios.
// Then: bytes a restore copies after a trivial run and after a safe_exec, with and without
// the barrier, and how long that restore takes; and the same for each of the service's
// images as shipped, against a full copy of its snapshot.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot } from '../src/runtime/artifacts.js';
import { loadBaseImage } from '../src/runtime/baseImage.js';
import { imageFiles } from '../src/runtime/image.js';
import { imageTree } from '../src/sandbox/imageTree.js';
import { buildSnapshot } from '../src/sandbox/Sandbox.js';
import { PythonInstance, type Snapshot } from '../src/sandbox/PythonInstance.js';
import { buildJailRun, DEFAULT_RUN_SETTINGS } from '../src/jail/jailRun.js';
import { checkJailCodeRequest } from '../src/jail/request.js';
import { defaultPolicy, effectiveLimits } from '../src/jail/limits.js';
import { warmupRuns } from '../src/jail/jail.js';
import { buildSafeExecStdin, buildSafeExecWrapper } from '../src/jail/wrapper.js';
import { FUEL_PER_CPU_SECOND } from '../src/sandbox/fuel.js';
import { loadImageCatalog } from '../src/runtime/imageCatalog.js';
import { median as med, quantile } from './stats.js';

const { values } = parseArgs({ options: { reactor: { type: 'string' }, rounds: { type: 'string' }, 'images-only': { type: 'boolean' } } });
const reactor = values.reactor ?? '/var/tmp/codejail-wasm-build/out/reactor.stripped.wasm';
const ROUNDS = Number(values.rounds ?? 31);

const WORKLOADS: Record<string, string> = {
  'fib(25)': 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(25)',
  'loop (1M additions)': 's = 0\nfor i in range(1_000_000):\n    s += i',
  'dict and str work': 'd = {}\nfor i in range(100000):\n    d[str(i)] = i * 2\ns = sum(len(k) for k in d)',
};

type Binaryen = { readBinary(b: Uint8Array): { setFeatures(f: number): void; validate(): number; emitBinary(): Uint8Array; dispose(): void } };
async function variants(): Promise<Record<string, Uint8Array>> {
  const scripts = join(repoRoot(), 'python-wasm', 'scripts');
  const binaryen = (await import('binaryen')).default as unknown as Binaryen;
  const pass = (await import(pathToFileURL(join(scripts, 'dirty-chunks.mjs')).href)) as {
    addDirtyChunkMarks(m: unknown): unknown; BARRIER_FEATURES: number;
  };
  // The fuel modules get the branch hints postlink.mjs gives the shipped one.
  const hints = (await import(pathToFileURL(join(scripts, 'branch-hints.mjs')).href)) as {
    hintUnlikelyCalls(b: Uint8Array, f: { module: string; base: string }): { bytes: Uint8Array };
  };
  const { EXHAUSTED } = (await import(pathToFileURL(join(scripts, 'instrument-fuel.mjs')).href)) as { EXHAUSTED: { module: string; base: string } };
  const hinted = (name: string, b: Uint8Array): Uint8Array => (name.startsWith('fuel') ? hints.hintUnlikelyCalls(b, EXHAUSTED).bytes : b);
  const work = mkdtempSync(join(tmpdir(), 'cjw-barrier-'));
  try {
    execFileSync(process.execPath, [join(scripts, 'instrument-fuel.mjs'), reactor, join(work, 'fuel.wasm'), join(work, 'nofuel.wasm')], { stdio: 'ignore' });
    const out: Record<string, Uint8Array> = {};
    for (const name of ['fuel', 'nofuel']) {
      const bytes = readFileSync(join(work, `${name}.wasm`));
      out[name] = hinted(name, bytes);
      const m = binaryen.readBinary(bytes);
      m.setFeatures(pass.BARRIER_FEATURES);
      pass.addDirtyChunkMarks(m);
      if (!m.validate()) throw new Error('barrier module does not validate');
      out[`${name}+barrier`] = hinted(name, m.emitBinary());
      m.dispose();
    }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const pct = (x: number): string => `${((x - 1) * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const settings = { ...DEFAULT_RUN_SETTINGS, fuelPerSecond: FUEL_PER_CPU_SECOND };
  const limits = effectiveLimits(defaultPolicy(), null, { CPU: 0, REALTIME: 0 });
  const wrapper = buildSafeExecWrapper([]);
  const stdin = new TextEncoder().encode(buildSafeExecStdin('x = 1', '{}'));
  if (!values['images-only']) await barrierCost(settings, limits, wrapper, stdin);
  await imageRestores(settings, limits, wrapper, stdin);
}

type Settings = typeof DEFAULT_RUN_SETTINGS & { fuelPerSecond: number };
type Limits = ReturnType<typeof effectiveLimits>;

async function barrierCost(settings: Settings, limits: Limits, wrapper: string, stdin: Uint8Array): Promise<void> {
  const modules = await variants();
  const inst: Record<string, { i: PythonInstance; snap: Snapshot }> = {};
  for (const [name, wasm] of Object.entries(modules)) {
    const image = { ...loadBaseImage({ wasm }), preloads: loadBaseImage().preloads };
    const { module, snapshot } = await buildSnapshot(image, warmupRuns(settings));
    inst[name] = { i: PythonInstance.fromSnapshot(module, imageTree(imageFiles(image)), snapshot), snap: snapshot };
  }
  const cpuRun = (name: string, code: string, stdin?: Uint8Array): { ms: number; restored: number; restoreMs: number } => {
    const { i, snap } = inst[name]!;
    const req = buildJailRun(checkJailCodeRequest({ command: 'python', code, stdin }), limits, settings, 1);
    const c = process.cpuUsage();
    const r = i.run(req);
    const d = process.cpuUsage(c);
    const t = performance.now();
    const restored = i.restore(snap);
    const restoreMs = performance.now() - t;
    if (r.status !== 0) throw new Error(Buffer.from(r.stderr).toString());
    return { ms: (d.user + d.system) / 1000, restored, restoreMs };
  };
  const names = Object.keys(modules);
  // Warm-up: V8 tiers hot functions up over the first runs of every module.
  for (let k = 0; k < 4; k++) for (const n of names) for (const code of Object.values(WORKLOADS)) cpuRun(n, code);
  console.log(`${ROUNDS} paired rounds, CPU time; medians (p25-p75) of per-round ratios; Node ${process.version}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('| workload | no fuel ms | barrier cost (no fuel) | fuel ms | barrier cost (fuel) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [label, code] of Object.entries(WORKLOADS)) {
    const t: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < ROUNDS; r++) for (const n of r % 2 ? [...names].reverse() : names) t[n]!.push(cpuRun(n, code).ms);
    const ratio = (a: string, b: string) => t[a]!.map((x, k) => x / t[b]![k]!);
    const cost = (a: string, b: string) => `${pct(med(ratio(a, b)))} (${pct(quantile(ratio(a, b), 0.25))} to ${pct(quantile(ratio(a, b), 0.75))})`;
    console.log(`| ${label} | ${med(t.nofuel!).toFixed(1)} | ${cost('nofuel+barrier', 'nofuel')} | ${med(t.fuel!).toFixed(1)} | ${cost('fuel+barrier', 'fuel')} |`);
  }
  for (const [label, code, input] of [['trivial `x = 1`', 'x = 1', undefined], ['safe_exec of `x = 1`', wrapper, stdin]] as const) {
    const row = (n: string) => {
      const r = Array.from({ length: 50 }, () => cpuRun(n, code, input));
      return `${(med(r.map((x) => x.restored)) / 1048576).toFixed(2)} MiB in ${med(r.map((x) => x.restoreMs)).toFixed(3)} ms`;
    };
    console.log(`restore after ${label}: with the barrier ${row('fuel+barrier')}, without ${row('fuel')} (snapshot ${(inst.fuel!.snap.memory.length / 1048576).toFixed(1)} MiB)`);
  }
}

/** The service's images as shipped (their committed modules): what a worker copies back after
 * a safe_exec of `x = 1`, against a full copy of the same snapshot. */
async function imageRestores(settings: Settings, limits: Limits, wrapper: string, stdin: Uint8Array): Promise<void> {
  const service = loadImageCatalog();
  for (const [name, image] of service.images) {
    const { module, snapshot } = await buildSnapshot(image, warmupRuns(settings));
    const i = PythonInstance.fromSnapshot(module, imageTree(imageFiles(image)), snapshot);
    const req = () => buildJailRun(checkJailCodeRequest({ command: 'python', code: wrapper, stdin }), limits, settings, 1);
    const dirty = Array.from({ length: 50 }, () => {
      i.run(req());
      const t = performance.now();
      const bytes = i.restore(snapshot);
      return { bytes, ms: performance.now() - t };
    });
    // Into memory already written once, as a worker's is (a fresh buffer would time page faults).
    const target = new Uint8Array(snapshot.memory.length);
    target.set(snapshot.memory);
    const full = Array.from({ length: 20 }, () => {
      const t = performance.now();
      target.set(snapshot.memory);
      return performance.now() - t;
    });
    console.log(`image ${name}${name === service.defaultImage ? ' (default)' : ''}: restore after safe_exec of \`x = 1\` copies ` +
      `${(med(dirty.map((x) => x.bytes)) / 1048576).toFixed(2)} MiB in ${med(dirty.map((x) => x.ms)).toFixed(3)} ms; ` +
      `a full copy of its ${(snapshot.memory.length / 1048576).toFixed(1)} MiB snapshot takes ${med(full).toFixed(3)} ms`);
  }
}

await main();
