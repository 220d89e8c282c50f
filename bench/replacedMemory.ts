// What the hostile classes that grow a worker's memory cost in resident memory, without HTTP: 4
// attackers each keep one such request in flight against an in-process jail of 4 workers, and
// the process's RSS is sampled every 50 ms. Every run ends with its instance replaced (memory
// cannot shrink); the replaced memories must not pile up (issue #19, src/sandbox/collectGarbage.ts).
//
//   npm run build && node dist/bench/replacedMemory.js [seconds=20] [image=openedx-2026.1] [class,...]
// (one class per process gives each its own idle figure: a class leaves no garbage to the next.)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createJail } from '../src/jail/jail.js';
import { defaultPolicy } from '../src/jail/limits.js';
import { loadImages } from '../src/runtime/layeredImages.js';
import { MEMORY_GROWING_ATTACKS } from './hostile.js';

const rssMiB = (): number => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const seconds = Number(process.argv[2] ?? 20);
const imageName = process.argv[3] ?? 'openedx-2026.1';
const classes = process.argv[4] ? process.argv[4].split(',') : Object.keys(MEMORY_GROWING_ATTACKS);
const image = loadImages(undefined, { only: [imageName] }).get(imageName);
if (!image) throw new Error(`unknown image ${imageName}`);
const jail = await createJail({ policy: defaultPolicy(), workers: 4, queueLimit: 16, outputLimitBytes: 1 << 22, image });
try {
  console.log(`# replaced memory: ${imageName} (snapshot ${(jail.snapshotBytes() / 2 ** 20).toFixed(1)} MiB), 4 workers, 4 attackers, ${seconds} s per class; load average ${loadavg()[0]!.toFixed(1)}`);
  for (const name of classes) {
    const body = MEMORY_GROWING_ATTACKS[name as keyof typeof MEMORY_GROWING_ATTACKS];
    if (!body) throw new Error(`unknown class ${name} (known: ${Object.keys(MEMORY_GROWING_ATTACKS).join(', ')})`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = rssMiB();
    let peak = idle;
    const sampler = setInterval(() => { peak = Math.max(peak, rssMiB()); }, 50);
    const outcomes: Record<string, number> = {};
    const end = Date.now() + seconds * 1000;
    await Promise.all([0, 1, 2, 3].map(async () => {
      while (Date.now() < end) {
        const r = await jail.jailCode({ command: 'python', ...body });
        const k = `${r.run.outcome}/${r.status}`;
        outcomes[k] = (outcomes[k] ?? 0) + 1;
      }
    }));
    clearInterval(sampler);
    console.log(`# ${name}: ${JSON.stringify(outcomes)}; idle RSS ${idle.toFixed(0)} MiB, peak +${(peak - idle).toFixed(0)} MiB; load average ${loadavg()[0]!.toFixed(1)}`);
  }
} finally {
  await jail.close();
}
