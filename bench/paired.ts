// Paired A/B of two built trees: each tree's dist/ (jail and HTTP server) is loaded into this one
// process and the trees take turns in blocks of requests, so both see the same moments of this
// machine's load (its speed changes by ~1.5× from one second to the next: two separate runs
// mostly measure which stretch each landed in). Prints each tree's p50 per kind of request, the
// ratio of the p50s, and the median of the per-block ratios.
//
//   node dist/bench/paired.js --roots /work/wt/old,/work/wt/new [--workers 2] [--blocks 8]
//     [--block-size 20] [--image openedx-2026.1] [--kinds http,inproc,...]
// Kinds: http, fetch, inproc (trivial safe_exec), http-after-native, inproc-after-native, capa,
// numeric (bench/scenarios.ts's NUMERIC_CHECK).
import { spawnSync } from 'node:child_process';
import { Agent, createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { postForm } from './formPost.js';
import { NUMERIC_CHECK } from './scenarios.js';
import { median } from './stats.js';

/** What this script uses of a tree's dist/: typed here, as the trees may differ from this one. */
interface TreeJail {
  safeExec(req: { code: string; globalsJson: string; limits: Record<string, number>; seed?: number }): Promise<{ ok: boolean; emsg?: string }>;
  close(): Promise<void>;
  images: string[];
}

interface Tree {
  name: string;
  http(body: string): Promise<void>;
  fetch(body: string): Promise<void>;
  inproc(code: string, globalsJson: string, seed: number): Promise<void>;
  close(): Promise<void>;
}

const LIMITS = { CPU: 10, REALTIME: 30 };

async function load<T>(root: string, module: string): Promise<T> {
  return (await import(pathToFileURL(resolve(root, 'dist', module)).href)) as T;
}

async function setUp(root: string, image: string, workers: number): Promise<Tree> {
  const { createJail } = await load<{ createJail(o: Record<string, unknown>): Promise<TreeJail> }>(root, 'src/jail/jail.js');
  const { defaultPolicy } = await load<{ defaultPolicy(): unknown }>(root, 'src/jail/limits.js');
  const { loadImageCatalog } = await load<{ loadImageCatalog(o: Record<string, unknown>): { images: unknown; defaultImage: string } }>(root, 'src/runtime/imageCatalog.js');
  const { createApp } = await load<{ createApp(o: Record<string, unknown>): RequestListener }>(root, 'src/server/app.js');
  const { defaultConfig } = await load<{ defaultConfig(): Record<string, unknown> }>(root, 'src/config/config.js');
  const { HealthState } = await load<{ HealthState: new () => { set(s: string): void } }>(root, 'src/server/health.js');
  const { createLogger } = await load<{ createLogger(d: { write(line: string): void }): unknown }>(root, 'src/server/logger.js');

  const catalog = loadImageCatalog({ only: [image], defaultImage: image });
  const jail = await createJail({
    policy: defaultPolicy(), workers, queueLimit: 256, outputLimitBytes: 1 << 20, images: catalog.images, defaultImage: catalog.defaultImage,
  });
  const health = new HealthState();
  health.set('ok');
  // The service's default configuration; request lines are made and dropped (as bench/run.ts).
  const app = createApp({ jail, config: { ...defaultConfig(), logCode: false }, health, images: jail.images, logger: createLogger({ write: () => undefined }) });
  const server: Server = createServer(app);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const url = new URL('/api/v0/code-exec', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const check = (status: number, text: string): void => {
    if (status !== 200 || text.includes('"emsg"')) throw new Error(`${root}: HTTP ${status}: ${text.slice(0, 300)}`);
  };
  return {
    name: basename(root),
    http: async (body) => {
      const res = await postForm(agent, url, body);
      check(res.status, res.text);
    },
    fetch: async (body) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      check(res.status, await res.text());
    },
    inproc: async (code, globalsJson, seed) => {
      const r = await jail.safeExec({ code, globalsJson, limits: LIMITS, seed });
      if (!r.ok) throw new Error(`${root}: ${r.emsg}`);
    },
    close: async () => {
      agent.destroy();
      server.close();
      await jail.close();
    },
  };
}

/** codejail-service's form body, as edx-platform sends it. */
const formBody = (code: string, globalsJson: string): string =>
  `payload=${encodeURIComponent(`{"code": ${JSON.stringify(code)}, "globals_dict": ${globalsJson}}`)}`;

interface Kind {
  /** Runs before each measured request, untimed (e.g. a native process, as between real requests). */
  before?: () => void;
  run(t: Tree, i: number): Promise<void>;
}

async function capaKind(root: string): Promise<Kind> {
  const { buildCapaCode } = await load<{ buildCapaCode(script: string, seed: number): string }>(root, 'src/jail/capaProlog.js');
  const { CAPA_SCRIPT } = await load<{ CAPA_SCRIPT: string }>(root, 'bench/scenarios.js');
  return {
    run: (t, i) => t.inproc(buildCapaCode(CAPA_SCRIPT, 1000 + i), JSON.stringify({ seed: 1000 + i, anonymous_student_id: 'bench' }), i),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      roots: { type: 'string' },
      image: { type: 'string', default: 'openedx-2026.1' },
      workers: { type: 'string', default: '2' },
      blocks: { type: 'string', default: '8' },
      'block-size': { type: 'string', default: '20' },
      warmup: { type: 'string', default: '30' },
      kinds: { type: 'string', default: 'http,inproc' },
    },
  });
  const roots = (values.roots ?? '').split(',').filter(Boolean);
  if (roots.length !== 2) throw new Error('--roots A,B: two built trees (each with dist/)');
  const [blocks, blockSize, warmup, workers] = [values.blocks, values['block-size'], values.warmup, values.workers].map(Number) as [number, number, number, number];

  const trivial = formBody('x = 1', '{}');
  const native = (): void => {
    spawnSync('/usr/bin/python3', ['-E', '-B', '-c', 'x = 1']);
  };
  const kinds: Record<string, Kind> = {
    http: { run: (t) => t.http(trivial) },
    fetch: { run: (t) => t.fetch(trivial) },
    inproc: { run: (t, i) => t.inproc('x = 1', '{}', i) },
    'http-after-native': { before: native, run: (t) => t.http(trivial) },
    'inproc-after-native': { before: native, run: (t, i) => t.inproc('x = 1', '{}', i) },
    capa: await capaKind(roots[1]!),
    numeric: { run: (t, i) => t.inproc(NUMERIC_CHECK, '{}', i) },
  };
  const wanted = values.kinds!.split(',');
  for (const k of wanted) if (!kinds[k]) throw new Error(`unknown kind ${k}; known: ${Object.keys(kinds).join(', ')}`);

  const trees: Tree[] = [];
  for (const r of roots) trees.push(await setUp(r, values.image!, workers));
  if (trees[0]!.name === trees[1]!.name) trees[1]!.name += "'";
  for (const t of trees) for (let i = 0; i < warmup; i++) for (const k of wanted) await kinds[k]!.run(t, i);

  const load0 = loadavg()[0]!;
  // lat[kind][tree][block] = that block's latencies (ms)
  const lat = wanted.map(() => trees.map(() => [] as number[][]));
  for (let b = 0; b < blocks; b++) {
    for (const [ki, k] of wanted.entries()) {
      const kind = kinds[k]!;
      // The order within a pair alternates, so neither tree always follows the other's block.
      for (const ti of b % 2 ? [1, 0] : [0, 1]) {
        const block: number[] = [];
        for (let i = 0; i < blockSize; i++) {
          kind.before?.();
          const t0 = performance.now();
          await kind.run(trees[ti]!, b * blockSize + i);
          block.push(performance.now() - t0);
        }
        lat[ki]![ti]!.push(block);
      }
    }
  }
  const load1 = loadavg()[0]!;

  const [a, b] = trees as [Tree, Tree];
  console.log(`paired: ${roots.join(' vs ')}; image ${values.image}, ${workers} workers, ${blocks} blocks of ${blockSize}; load ${load0.toFixed(2)} → ${load1.toFixed(2)}`);
  console.log(`| kind | ${a.name} p50 ms | ${b.name} p50 ms | ratio (B/A) | median of block ratios |`);
  console.log('|---|---:|---:|---:|---:|');
  for (const [ki, k] of wanted.entries()) {
    const [la, lb] = lat[ki]! as [number[][], number[][]];
    const pa = median(la.flat());
    const pb = median(lb.flat());
    const blockRatios = la.map((blk, i) => median(lb[i]!) / median(blk));
    console.log(`| ${k} | ${pa.toFixed(3)} | ${pb.toFixed(3)} | ${(pb / pa).toFixed(3)} | ${median(blockRatios).toFixed(3)} |`);
  }
  for (const t of trees) await t.close();
}

await main();
