// What keeping one warm worker of the default image instead of two (CODEJAIL_WASM_WARM_WORKERS,
// ADR 0012) costs a request: two jails on the default image in this process, both allowed two
// workers, one keeping both warm and one keeping the service's default; trivial safe_exec back to
// back, over HTTP (/api/v0/code-exec on createApp, one keep-alive connection each) and in-process
// (Jail.safeExec), the two jails taking turns in blocks of 20 so that both see the same load.
// Prints p50/p99 per jail and the ratio of p50s, and the workers each jail ran at the end (the
// one-warm jail starts its second once requests keep arriving while the first restores); then
// a burst of concurrent requests and the workers after it.
//
//   npm run bench:warm [-- --requests 400]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../src/config/config.js';
import { createJail, type Jail } from '../src/jail/jail.js';
import { DEFAULT_WARM_WORKERS } from '../src/jail/jailRun.js';
import { defaultPolicy } from '../src/jail/limits.js';
import { loadImageCatalog } from '../src/runtime/imageCatalog.js';
import { createApp } from '../src/server/app.js';
import { HealthState } from '../src/server/health.js';
import { createLogger } from '../src/server/logger.js';
import { percentile as pct } from './stats.js';

const { values } = parseArgs({ options: { requests: { type: 'string' } } });
const requests = Number(values.requests ?? 400);
const BLOCK = 20;
const WORKERS = 2;

const catalog = loadImageCatalog();
const image = catalog.images.get(catalog.defaultImage)!;
const images = new Map([[catalog.defaultImage, image]]);

async function serve(jail: Jail): Promise<string> {
  const health = new HealthState();
  health.set('ok');
  const app = createApp({ jail, config: { ...defaultConfig(), logCode: false }, health, images: jail.images, logger: createLogger({ write: () => undefined }) });
  const server = createServer(app);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Side { name: string; jail: Jail; base: string; http: number[]; local: number[] }
const sides: Side[] = [];
for (const warm of [WORKERS, DEFAULT_WARM_WORKERS]) {
  const jail = await createJail({
    policy: defaultPolicy(), workers: WORKERS, warmWorkers: warm, queueLimit: 64, outputLimitBytes: 1 << 20,
    images, defaultImage: catalog.defaultImage,
  });
  sides.push({ name: `${warm} warm of ${WORKERS}`, jail, base: await serve(jail), http: [], local: [] });
}

async function overHttp(s: Side): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${s.base}/api/v0/code-exec`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `payload=${encodeURIComponent('{"code": "x = 1", "globals_dict": {}}')}`,
  });
  const text = await res.text();
  if (res.status !== 200 || JSON.parse(text).emsg !== undefined) throw new Error(`${s.name}: ${res.status} ${text.slice(0, 200)}`);
  return performance.now() - t;
}

async function inProcess(s: Side): Promise<number> {
  const t = performance.now();
  const r = await s.jail.safeExec({ code: 'x = 1', globalsJson: '{}' });
  if (!r.ok) throw new Error(`${s.name}: ${r.emsg}`);
  return performance.now() - t;
}

const load0 = loadavg()[0]!;
for (const s of sides) for (let i = 0; i < 20; i++) { await overHttp(s); await inProcess(s); }
for (let done = 0; done < requests; done += BLOCK) {
  for (const s of sides) for (let i = 0; i < BLOCK; i++) s.http.push(await overHttp(s));
  for (const s of sides) for (let i = 0; i < BLOCK; i++) s.local.push(await inProcess(s));
}
console.log(`image ${catalog.defaultImage}, ${requests} requests per jail and path, blocks of ${BLOCK}; load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}; Node ${process.version}`);
for (const path of ['http', 'local'] as const) {
  for (const s of sides) {
    console.log(`  ${path === 'http' ? 'over HTTP ' : 'in-process'} ${s.name}: p50 ${pct(s[path], 50).toFixed(3)} ms, p99 ${pct(s[path], 99).toFixed(3)} ms; workers ${s.jail.stats().workers}`);
  }
  console.log(`  ${path === 'http' ? 'over HTTP ' : 'in-process'} p50 ratio (${sides[1]!.name} / ${sides[0]!.name}): ${(pct(sides[1]![path], 50) / pct(sides[0]![path], 50)).toFixed(3)}`);
}
// A burst: the jail with one warm worker starts its second on the requests that find the first busy.
for (const s of sides) {
  const t = performance.now();
  await Promise.all(Array.from({ length: 8 }, () => inProcess(s)));
  console.log(`  burst of 8 concurrent in-process requests, ${s.name}: ${(performance.now() - t).toFixed(0)} ms; workers after ${s.jail.stats().workers}`);
}
for (const s of sides) await s.jail.close();
