// `import sympy` cold (an image with the sympy layer but no preload) vs from the sci image's
// snapshot (sympy imported before the snapshot), against native CPython with Debian's sympy.
//
//   npm run build && node dist/bench/images.js
import { spawnSync } from 'node:child_process';
import { createJail } from '../src/jail/jail.js';
import { defaultPolicy } from '../src/jail/limits.js';
import { loadBaseImage } from '../src/runtime/baseImage.js';
import { loadImages } from '../src/runtime/layeredImages.js';
import { median } from './stats.js';

const CODE = 'import sympy\nx = sympy.Symbol("x")\nprint(sympy.solve(x**2 - 2, x))';
const REPEAT = 5;

async function main(): Promise<void> {
  const sci = loadImages().get('py311-sci-2026.1')!;
  const cold = { ...sci, name: 'sci-no-preload', preloads: loadBaseImage().preloads };
  const rows: string[] = [];
  for (const image of [cold, sci]) {
    const t0 = performance.now();
    const jail = await createJail({ policy: defaultPolicy(), workers: 1, queueLimit: 8, outputLimitBytes: 1 << 20, image });
    const startMs = performance.now() - t0;
    const walls: number[] = [];
    let fuel = 0;
    let out = '';
    for (let i = 0; i < REPEAT; i++) {
      const r = await jail.jailCode({ command: 'python', code: CODE, limits: { CPU: 0, REALTIME: 0 } });
      if (r.status !== 0) throw new Error(Buffer.from(r.stderr).toString());
      walls.push(r.run.wallMs);
      fuel = r.run.fuelUsed;
      out = Buffer.from(r.stdout).toString().trim();
    }
    await jail.close();
    rows.push(`| ${image.name} | ${(fuel / 1e6).toFixed(1)} M | ${median(walls).toFixed(1)} | ${(startMs / 1000).toFixed(1)} s | ${out} |`);
  }
  const t = performance.now();
  const n = spawnSync('/usr/bin/python3', ['-E', '-B', '-c', CODE], { encoding: 'utf8', cwd: '/tmp' });
  const nativeMs = performance.now() - t;
  console.log('| image | fuel | median wall ms | jail start-up | output |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`| native python3 process (import + solve) | – | ${nativeMs.toFixed(1)} | – | ${n.stdout.trim()} |`);
}

await main();
