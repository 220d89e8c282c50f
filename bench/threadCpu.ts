// Where the CPU goes under sustained load: the service (default image, its default 2 workers, the
// bench's HTTP server) in this process, the load generator (bench/soak.ts's runLoad, trivial
// code-exec, every answer checked) in a process of its own, as bench/run.ts's throughput row
// runs them. For each thread of this process (Linux: /proc/self/task) and for the load process:
// share of a core and CPU microseconds per answered request, over the measured seconds.
//
//   npm run bench:threads [-- --seconds 10 --connections 8]
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createJail } from '../src/jail/jail.js';
import { defaultPolicy } from '../src/jail/limits.js';
import { loadImageCatalog } from '../src/runtime/imageCatalog.js';
import { startHttp } from './benchServer.js';
import { runLoadInProcess } from './loadProcess.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, connections: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 10);
const CONNECTIONS = Number(values.connections ?? 8);

/** Clock ticks of CPU (user + system) per thread of this process, by "name#tid". */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(`${name}#${tid}`, Number(fields[11]) + Number(fields[12]));
  }
  return out;
}

/** Clock ticks of CPU of this process's waited-for children (the load process, once it ended). */
function childTicks(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

async function main(): Promise<void> {
  try {
    readdirSync('/proc/self/task');
  } catch {
    console.log('bench:threads: needs /proc (Linux); not measured.');
    return;
  }
  const catalog = loadImageCatalog();
  const workers = Math.min(2, availableParallelism());
  const jail = await createJail({
    policy: defaultPolicy(), workers, queueLimit: 256, outputLimitBytes: 1 << 20,
    images: catalog.images, defaultImage: catalog.defaultImage,
  });
  const http = await startHttp(jail);
  if ('unavailable' in http) throw new Error(http.unavailable);
  // Unmeasured first: the workers' code warms up, the pool starts what it starts under load.
  await runLoadInProcess({ url: http.base, connections: CONNECTIONS, durationS: 2, kinds: ['code_exec_v0'] });
  const load0 = loadavg()[0]!;
  const before = threadTicks();
  const children0 = childTicks();
  const t0 = performance.now();
  const r = await runLoadInProcess({ url: http.base, connections: CONNECTIONS, durationS: SECONDS, kinds: ['code_exec_v0'] });
  const elapsed = (performance.now() - t0) / 1000;
  const after = threadTicks();
  const children = childTicks() - children0;
  await new Promise<void>((resolve) => http.server.close(() => resolve()));
  await jail.close();

  // Ticks are 1/100 s (USER_HZ, the kernel's unit for /proc, 100 on Linux).
  const share = (ticks: number) => `${Math.round((ticks / 100 / elapsed) * 100)}%`;
  const perRequest = (ticks: number) => `${Math.round((ticks * 10_000) / r.ok)}`;
  console.log(`${catalog.defaultImage}, ${workers} workers, ${CONNECTIONS} connections for ${SECONDS} s: ${Math.round(r.okPerS)} correct answers/s ` +
    `(${r.wrong} wrong, ${r.errors + r.timeouts} errors), p50 ${r.p50Ms} ms; load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}; Node ${process.version}`);
  console.log('| thread | share of a core | CPU µs per answer |');
  console.log('|---|---:|---:|');
  console.log(`| load generator (its own process) | ${share(children)} | ${perRequest(children)} |`);
  const rows = [...after].map(([k, t]) => [k, t - (before.get(k) ?? 0)] as const).filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1]);
  let total = children;
  for (const [name, d] of rows) {
    total += d;
    console.log(`| ${name} | ${share(d)} | ${perRequest(d)} |`);
  }
  console.log(`| all | ${share(total)} | ${perRequest(total)} |`);
}

await main();
