// Runaway code under codejail's default limits (CPU=1, REALTIME=1): how long until the service
// stops each kind, with which status, and whether a worker was lost, side by side with the
// codejail-style native runner (src/legacy: python -E -B under prlimit, killed at REALTIME)
// and, when the bench runs as root with sudo, the real codejail 4.1.1 (bench/realCodejail.ts:
// jail_code as the sandbox user, codejail's own rlimits and REALTIME killer), in the same run.
// Runs are interleaved kind by kind, so all sides see the same machine load.
// Prints a Markdown table and the load average; no assertions.
//
// usage: npm run bench:limits      (node dist/bench/limits.js [--rounds N] [--no-real])
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createJail } from '../src/jail/jail.js';
import { defaultPolicy } from '../src/jail/limits.js';
import { legacyJailCode } from '../src/legacy/nativeCodejail.js';
import { loadImage } from '../src/runtime/layeredImages.js';
import { startRealCodejail, type RealCodejail } from './realCodejail.js';
import { median } from './stats.js';

interface Kind { name: string; code: string }

/** Eight kinds of code that never finish on their own. */
export const RUNAWAYS: Kind[] = [
  { name: 'pure loop', code: 'while True:\n    pass\n' },
  { name: 'dict growth', code: 'd = {}\ni = 0\nwhile True:\n    d[i] = str(i)\n    i += 1\n' },
  { name: 'string building', code: "s = ''\ni = 0\nwhile True:\n    s += str(i) + ','\n    i += 1\n" },
  { name: 'bigint', code: 'x = 7\nwhile True:\n    x = x * x % (10 ** 20000) + 3\n' },
  { name: 'catastrophic regex', code: 'import re\nre.match(r"(a+)+$", "a" * 64 + "b")\n' },
  { name: 'sympy simplify', code: 'import sympy\nx = sympy.symbols("x")\nwhile True:\n    sympy.simplify(sum((x ** k + 1) / (x + k) for k in range(1, 40)))\n' },
  { name: 'deep recursion', code: 'import sys\nsys.setrecursionlimit(100000)\ndef f(n):\n    return 0 if n == 0 else f(n - 1) + 1\nwhile True:\n    f(20000)\n' },
  { name: 'sleep loop', code: 'import time\nwhile True:\n    time.sleep(0.1)\n' },
];

interface Sample { ms: number; status: number }

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'no-real': { type: 'boolean' } } });
  const rounds = Math.max(1, Number(values.rounds));
  // The service's default image (with sympy), as a course without an image setting gets.
  const image = loadImage();
  const jail = await createJail({ policy: defaultPolicy(), image, workers: 2, queueLimit: 8, outputLimitBytes: 1 << 20 });
  const rows: string[] = [];
  // codejail's defaults, set explicitly: the service's default policy is CPU=1, REALTIME=1 too.
  let real: RealCodejail | null = null;
  let realNote = 'real codejail: not measured (--no-real)';
  if (!values['no-real']) {
    const r = await startRealCodejail({ CPU: 1, REALTIME: 1 }, 1);
    if ('unavailable' in r) realNote = `real codejail: not measured — ${r.unavailable}`;
    else {
      real = r;
      realNote = `real codejail: ${r.description}`;
    }
  }
  try {
    // Warm every side once (first sympy import natively fills the page cache).
    await jail.jailCode({ command: 'python', code: 'import sympy\n' });
    await legacyJailCode({ command: 'python', code: 'import sympy\n' });
    await real?.jailCode('import sympy\n');
    for (const kind of RUNAWAYS) {
      const wasm: Sample[] = [];
      const native: Sample[] = [];
      const codejail: Sample[] = [];
      const before = jail.stats();
      for (let i = 0; i < rounds; i++) {
        let t = performance.now();
        const r = await jail.jailCode({ command: 'python', code: kind.code });
        wasm.push({ ms: performance.now() - t, status: r.status });
        t = performance.now();
        const n = await legacyJailCode({ command: 'python', code: kind.code });
        native.push({ ms: performance.now() - t, status: n.status });
        if (real) {
          t = performance.now();
          const c = await real.jailCode(kind.code);
          codejail.push({ ms: performance.now() - t, status: c.status });
        }
      }
      const after = jail.stats();
      const statuses = (s: Sample[]) => [...new Set(s.map((x) => x.status))].join('/');
      const seconds = (s: Sample[]) => (s.length ? (median(s.map((x) => x.ms)) / 1000).toFixed(2) : '–');
      rows.push(`| ${kind.name} | ${seconds(wasm)} | ${statuses(wasm)} | `
        + `${after.replacements - before.replacements} | ${after.watchdogTerminations - before.watchdogTerminations} | `
        + `${seconds(native)} | ${statuses(native)} | ${seconds(codejail)} | ${statuses(codejail) || '–'} |`);
      console.error(rows.at(-1));
    }
  } finally {
    real?.close();
    await jail.close();
  }
  console.log(`Runaway code under the default limits (CPU=1, REALTIME=1) on image ${image.name}, median of ${rounds} runs per kind, `
    + `seconds from request to answer; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${realNote}.\n`);
  console.log('| kind | service (s) | status | worker replacements | watchdog kills | native codejail-style (s) | status | real codejail (s) | status |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
