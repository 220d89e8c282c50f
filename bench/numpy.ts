// numpy benchmarks: the numpy runtime image (python-wasm/numpy/dist) against Debian's native
// numpy 1.24.2 (OpenBLAS via libblas.so.3) in the same run.
//
// * import numpy: in a sandbox whose snapshot was taken without numpy (cold import from the
//   zip, every request pays it) vs the shipped image, which imports numpy before the snapshot
//   (the request's `import numpy` hands over the snapshot's module: its code does not run again). Times are per request, end to end
//   (restore + run), plus the in-interpreter time.perf_counter() around the import.
// * compute kernels: best of N, timed with time.perf_counter() inside the interpreter, same code
//   natively; ratio = sandbox / native.
//
// usage: npm run build && node dist/bench/numpy.js [--fuel=false] [--reps=N]
import { spawnSync } from 'node:child_process';
import { createJail, type Jail } from '../src/jail/jail.js';
import { defaultPolicy } from '../src/jail/limits.js';
import { loadNumpyImage } from '../src/runtime/numpyImage.js';
import { median } from './stats.js';

const NATIVE = process.env.CODEJAIL_WASM_NATIVE_PYTHON ?? '/usr/bin/python3';
const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const FUEL = arg('fuel') !== 'false';
const REPS = Number(arg('reps') ?? 7);
const LIMITS = { CPU: 120, REALTIME: 240 };

const SETUP = `import numpy as np, time
rng = np.random.RandomState(0)
A = rng.standard_normal((200, 200)); B = rng.standard_normal((200, 200)); b = rng.standard_normal(200)
x = np.linspace(0, 100, 1_000_000)
`;
const KERNELS: Record<string, string> = {
  'A @ B (200x200)': 'A @ B',
  'solve (200x200)': 'np.linalg.solve(A, b)',
  'sin over 1e6': 'np.sin(x)',
  'x * 2 + 1 (1e6)': 'x * 2 + 1',
  'sum (1e6)': 'x.sum()',
  'inv (200x200)': 'np.linalg.inv(A)',
};

function kernelProgram(reps: number): string {
  const body = Object.entries(KERNELS).map(([name, expr]) =>
    `best = None\nfor _ in range(${reps}):\n    t = time.perf_counter(); ${expr}; d = time.perf_counter() - t\n    best = d if best is None else min(best, d)\nres[${JSON.stringify(name)}] = best * 1000\n`).join('');
  return `${SETUP}import json\nres = {}\n${body}print(json.dumps(res))\n`;
}

function runNative(code: string): string {
  const r = spawnSync(NATIVE, ['-E', '-B', '-c', code], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', OPENBLAS_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

async function runJail(jail: Jail, code: string): Promise<{ out: string; ms: number }> {
  const t = performance.now();
  const r = await jail.jailCode({ command: 'python', code, limits: LIMITS });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(Buffer.from(r.stderr).toString());
  return { out: Buffer.from(r.stdout).toString(), ms };
}

const f = (x: number, d = 1): string => x.toFixed(d);

async function importBench(preload: boolean): Promise<{ startMs: number; requestMs: number; inPyMs: number }> {
  const t0 = performance.now();
  const jail = await createJail({ policy: defaultPolicy(), workers: 1, queueLimit: 4, outputLimitBytes: 1 << 20,
    image: loadNumpyImage({ fuel: FUEL, preloadNumpy: preload }) });
  const startMs = performance.now() - t0;
  const req: number[] = []; const inPy: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const { out, ms } = await runJail(jail, 'import time\nt = time.perf_counter()\nimport numpy\nprint((time.perf_counter() - t) * 1000)');
    req.push(ms); inPy.push(Number(out.trim()));
  }
  await jail.close();
  return { startMs, requestMs: median(req), inPyMs: median(inPy) };
}

async function main(): Promise<void> {
  console.log(`numpy bench: image py311-numpy (${FUEL ? 'fuel' : 'no fuel'}), native ${NATIVE}, ${REPS} reps, medians`);
  const nativeImport = [] as number[];
  for (let i = 0; i < REPS; i++) {
    nativeImport.push(Number(runNative('import time\nt = time.perf_counter()\nimport numpy\nprint((time.perf_counter() - t) * 1000)').trim()));
  }
  const cold = await importBench(false);
  const warm = await importBench(true);
  console.log('\n| import numpy | per request (restore + run) | inside the interpreter | pool start (compile + boot + snapshot) |');
  console.log('| --- | --- | --- | --- |');
  console.log(`| sandbox, cold (snapshot without numpy) | ${f(cold.requestMs)} ms | ${f(cold.inPyMs)} ms | ${f(cold.startMs, 0)} ms |`);
  console.log(`| sandbox, from the snapshot (shipped) | ${f(warm.requestMs)} ms | ${f(warm.inPyMs, 3)} ms | ${f(warm.startMs, 0)} ms |`);
  console.log(`| native Debian python3 (fresh process) | - | ${f(median(nativeImport))} ms | - |`);

  const jail = await createJail({ policy: defaultPolicy(), workers: 1, queueLimit: 4, outputLimitBytes: 1 << 20,
    image: loadNumpyImage({ fuel: FUEL }) });
  const prog = kernelProgram(REPS);
  const wasm = JSON.parse((await runJail(jail, prog)).out) as Record<string, number>;
  await jail.close();
  const native = JSON.parse(runNative(prog)) as Record<string, number>;
  console.log('\n| kernel (best of ' + REPS + ') | native ms | sandbox ms | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const name of Object.keys(KERNELS)) {
    console.log(`| ${name} | ${f(native[name]!, 2)} | ${f(wasm[name]!, 2)} | ${f(wasm[name]! / native[name]!, 1)}x |`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
