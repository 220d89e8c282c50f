// Fuel calibration: how much fuel one second of native CPython CPU time is worth.
//
// For each workload: native CPU seconds (time.process_time around the workload in
// `/usr/bin/python3 -E -B`, best of 3) and the fuel the same workload consumes in the sandbox
// (deterministic). fuel / native seconds is the rate at which that kind of code burns fuel.
// The constant in src/sandbox/fuel.ts must be at least the largest rate, so that a
// script that finishes within CPU=N seconds under codejail also finishes here.
//
// usage: npm run bench:calibrate [-- --base-wasm PATH] [-- --image-wasm PATH]
// (--base-wasm / --image-wasm: measure a candidate fuel module, e.g. a post-link output with other
// weights, in place of the committed base runtime / the default image's runtime.)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createJail } from '../src/jail/jail.js';
import { defaultPolicy } from '../src/jail/limits.js';
import { FUEL_PER_CPU_SECOND } from '../src/sandbox/fuel.js';
import { loadImage } from '../src/runtime/layeredImages.js';
import { loadBaseImage } from '../src/runtime/baseImage.js';

const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

export const WORKLOADS: Record<string, string> = {
  'for loop': 's = 0\nfor i in range(3_000_000):\n    s += i',
  'fib(25)': 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(25)',
  'str ops': 'x = "hello world " * 20000\nfor _ in range(30):\n    y = "-".join(x.split()).upper().replace("O", "0")',
  'dict': 'd = {}\nfor i in range(200_000):\n    d[str(i)] = i\nt = sum(d[str(i)] for i in range(200_000))',
  'regex': 'import re\ntext = "abc 123 def 4567 " * 40000\nn = len(re.findall(r"[a-z]+ (\\d+)", text))',
  'sort floats': 'import random\nr = random.Random(1)\nxs = [r.random() for _ in range(200_000)]\nxs.sort()',
  'sha256': 'import hashlib\nh = hashlib.sha256(b"x" * (4 << 20)).hexdigest()',
  'bigint': 'x = (3 ** 200000) * (7 ** 200000)',
  'json': 'import json\nd = [{"a": i, "b": str(i), "c": [i, i * 1.5]} for i in range(50_000)]\ns = json.dumps(d)\nback = json.loads(s)',
  'list comp': 'xs = [i * i for i in range(1_000_000) if i % 3]',
  'formatting': 'out = ["%d: %.3f %s" % (i, i / 7, str(i)) for i in range(150_000)]',
  'memset bytes': 'b = bytearray(100 << 20)',
};

/** Workloads on a library (issue #21 names sympy): run in the service's default image, whose
 * snapshot has it imported; natively the best of 3 runs has it imported too. sympy's cache is
 * cleared first, so that the native runs after the first do not find their results there. */
export const LIBRARY_WORKLOADS: Record<string, string> = {
  'sympy simplify': 'import sympy\nsympy.core.cache.clear_cache()\nx = sympy.symbols("x")\nfor k in range(1, 4):\n    sympy.simplify(sum((x ** j + 1) / (x + j) for j in range(1, 6 + k)))',
};

function nativeCpuSeconds(code: string, python: string): number {
  const harness = `import time\nsrc = ${JSON.stringify(code)}\nbest = None\nfor _ in range(3):\n    g = {}\n    t = time.process_time()\n    exec(compile(src, "<w>", "exec"), g)\n    d = time.process_time() - t\n    best = d if best is None else min(best, d)\nprint(best)\n`;
  const r = spawnSync(python, ['-E', '-B', '-c', harness], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

async function main(): Promise<void> {
  const python = process.env.CODEJAIL_WASM_NATIVE_PYTHON ?? '/usr/bin/python3';
  const rows: { name: string; native: number; fuel: number; wasmMs: number; rate: number }[] = [];
  const baseWasm = option('--base-wasm');
  const imageWasm = option('--image-wasm');
  const base = baseWasm ? { ...loadBaseImage({ wasm: readFileSync(baseWasm) }), name: 'py311-base' } : undefined;
  const library = { ...loadImage(), ...(imageWasm ? { wasmBytes: readFileSync(imageWasm) } : {}) };
  for (const [workloads, image] of [[WORKLOADS, base], [LIBRARY_WORKLOADS, library]] as const) {
    const jail = await createJail({ policy: defaultPolicy(), image, workers: 1, queueLimit: 4, outputLimitBytes: 1 << 20 });
    for (const [name, code] of Object.entries(workloads)) {
      const native = nativeCpuSeconds(code, python);
      const r = await jail.jailCode({ command: 'python', code, limits: { CPU: 0, REALTIME: 0 } });
      if (r.status !== 0) throw new Error(`${name}: ${Buffer.from(r.stderr).toString()}`);
      rows.push({ name: image === library ? `${name} (${image.name})` : name, native, fuel: r.run.fuelUsed, wasmMs: r.run.wallMs, rate: r.run.fuelUsed / native });
    }
    await jail.close();
  }
  console.log('| workload | native CPU s | fuel | fuel per native CPU s | wasm wall ms | wasm/native time |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.native.toFixed(4)} | ${r.fuel} | ${(r.rate / 1e6).toFixed(1)} M | ${r.wasmMs.toFixed(1)} | ${(r.wasmMs / 1000 / r.native).toFixed(2)} |`);
  }
  const rates = rows.map((r) => r.rate).sort((a, b) => a - b);
  console.log(`\nrate min ${(rates[0]! / 1e6).toFixed(1)} M/s, median ${(rates[Math.floor(rates.length / 2)]! / 1e6).toFixed(1)} M/s, max ${(rates[rates.length - 1]! / 1e6).toFixed(1)} M/s; configured FUEL_PER_CPU_SECOND = ${(FUEL_PER_CPU_SECOND / 1e6).toFixed(0)} M`);
}

await main();
