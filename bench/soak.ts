// HTTP load and soak against the real service: autocannon on loopback, every request carrying a
// unique nonce that must come back in its own answer. Exports runLoad() (used by
// test/reliability/http.test.ts); run directly (`npm run soak`) it starts the service and drives
// a longer mixed load: capacity, then overload, then capacity again, and prints
//   # load: capacity N req/s p99 X ms, overload M req/s, 503 share Y %, wrong answers 0
//
// Environment: SOAK_SECONDS (total, default 60), SOAK_WORKERS (2), SOAK_QUEUE_LIMIT (2),
// SOAK_CAPACITY_CONNECTIONS (workers), SOAK_OVERLOAD_CONNECTIONS (24), SOAK_URL (use a running
// service instead of starting one), SOAK_IMAGES / SOAK_DEFAULT_IMAGE (py311-base).
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

// ---- autocannon (no bundled types: the part of its API used here) ----

interface AcRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: AcRequest, context: Record<string, unknown>) => AcRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}
interface AcHistogram {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  total?: number;
}
interface AcResult {
  requests: AcHistogram;
  latency: AcHistogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
}
interface AcOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  requests: AcRequest[];
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: AcOptions) => Promise<AcResult>;

// ---- request kinds, each self-describing and checkable ----

export type Kind = 'safe_exec' | 'jail_code' | 'code_exec_v0' | 'emsg' | 'fuel';

interface Expect {
  kind: Kind;
  nonce: string;
  n: number;
}

const BOUNDARY = 'soakBoundary7f3a';

function build(kind: Kind, nonce: string, n: number): { path: string; headers: Record<string, string>; body: string } {
  const json = { 'content-type': 'application/json' };
  switch (kind) {
    case 'safe_exec':
      return { path: '/api/v1/safe_exec', headers: json, body: JSON.stringify({ code: 'out = n * n\ntag = nonce[::-1]', globals_dict: { nonce, n } }) };
    case 'jail_code':
      return { path: '/api/v1/jail_code', headers: json, body: JSON.stringify({ code: 'import sys\nprint(sys.argv[1][::-1], int(sys.argv[2]) ** 2)', argv: [nonce, String(n)] }) };
    case 'code_exec_v0': {
      const payload = JSON.stringify({ code: 'out = n * n\ntag = nonce[::-1]', globals_dict: { nonce, n } });
      const body = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="payload"\r\n\r\n${payload}\r\n--${BOUNDARY}--\r\n`;
      return { path: '/api/v0/code-exec', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body };
    }
    case 'emsg':
      return { path: '/api/v1/safe_exec', headers: json, body: JSON.stringify({ code: 'raise ValueError(nonce)', globals_dict: { nonce, n } }) };
    case 'fuel':
      return { path: '/api/v1/jail_code', headers: json, body: JSON.stringify({ code: `# ${nonce}\nwhile True: pass`, limits: { CPU: 0.02, REALTIME: 30 } }) };
  }
}

const reverse = (s: string) => [...s].reverse().join('');

/** null when the 200 answer is exactly right for this request, else what is wrong. */
function verify(e: Expect, body: string): string | null {
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return 'not JSON';
  }
  const g = b.globals_dict as Record<string, unknown> | undefined;
  switch (e.kind) {
    case 'safe_exec':
    case 'code_exec_v0':
      if (b.emsg !== undefined) return `emsg ${String(b.emsg).slice(0, 200)}`;
      if (!g || g.nonce !== e.nonce || g.n !== e.n || g.out !== e.n * e.n || g.tag !== reverse(e.nonce)) return `globals ${JSON.stringify(g)}`;
      return null;
    case 'jail_code': {
      const out = Buffer.from(String(b.stdout_b64), 'base64').toString('utf8');
      if (b.status !== 0 || out !== `${reverse(e.nonce)} ${e.n * e.n}\n`) return `status ${String(b.status)} stdout ${JSON.stringify(out)}`;
      return null;
    }
    case 'emsg':
      if (typeof b.emsg !== 'string' || !b.emsg.includes(`ValueError: ${e.nonce}`)) return `emsg ${JSON.stringify(b.emsg)}`;
      return null;
    case 'fuel':
      if (b.status !== -24 || b.limit_hit !== 'CPU') return `status ${String(b.status)} limit_hit ${String(b.limit_hit)}`;
      return null;
  }
}

// ---- one load phase ----

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  /** Request kinds, cycled per request (weights by repetition). */
  kinds?: Kind[];
}

export interface LoadResult {
  connections: number;
  durationS: number;
  /** Responses received. */
  responses: number;
  ok: number;
  wrong: number;
  wrongSamples: string[];
  /** 503 answers, and those of them that were not JSON {"error": "..."}. */
  unavailable: number;
  unavailableMalformed: number;
  /** Statuses other than 200 and 503. */
  other: Record<number, number>;
  /** Nonces answered more than once (cross-talk). */
  duplicates: number;
  errors: number;
  timeouts: number;
  /** Correct answers per second. */
  okPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** 503 share of all responses, percent. */
  unavailableShare: number;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const kinds = opts.kinds ?? ['safe_exec'];
  const runTag = randomBytes(4).toString('hex');
  let seq = 0;
  const answered = new Set<string>();
  const r: LoadResult = {
    connections: opts.connections, durationS: opts.durationS, responses: 0, ok: 0, wrong: 0, wrongSamples: [], unavailable: 0,
    unavailableMalformed: 0, other: {}, duplicates: 0, errors: 0, timeouts: 0, okPerS: 0, p50Ms: 0, p99Ms: 0, unavailableShare: 0,
  };
  const wrong = (why: string) => {
    r.wrong++;
    if (r.wrongSamples.length < 5) r.wrongSamples.push(why);
  };
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    pipelining: 1,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        setupRequest: (req, context) => {
          const i = seq++;
          const kind = kinds[i % kinds.length]!;
          const e: Expect = { kind, nonce: `${runTag}-${i}-${randomBytes(3).toString('hex')}`, n: (i % 1000) + 1 };
          context.expect = e;
          const b = build(kind, e.nonce, e.n);
          return { ...req, path: b.path, headers: { ...req.headers, ...b.headers }, body: b.body };
        },
        onResponse: (status, body, context) => {
          r.responses++;
          const e = context.expect as Expect | undefined;
          if (!e) return wrong(`status ${status}: response without a request context`);
          if (status === 200) {
            if (answered.has(e.nonce)) r.duplicates++;
            answered.add(e.nonce);
            const why = verify(e, body);
            if (why) wrong(`${e.kind} ${e.nonce}: ${why}`);
            else r.ok++;
          } else if (status === 503) {
            r.unavailable++;
            try {
              const b = JSON.parse(body) as { error?: unknown };
              if (typeof b.error !== 'string' || b.error.length === 0) r.unavailableMalformed++;
            } catch {
              r.unavailableMalformed++;
            }
          } else {
            r.other[status] = (r.other[status] ?? 0) + 1;
            if (r.wrongSamples.length < 5) r.wrongSamples.push(`${e.kind}: status ${status} ${body.slice(0, 200)}`);
          }
        },
      },
    ],
  });
  r.errors = result.errors;
  r.timeouts = result.timeouts;
  r.okPerS = r.ok / (result.duration || opts.durationS);
  r.p50Ms = result.latency.p50;
  r.p99Ms = result.latency.p99;
  r.unavailableShare = r.responses > 0 ? (100 * r.unavailable) / r.responses : 0;
  return r;
}

/** Pool gauges from /metrics. */
export async function poolStats(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^codejail_wasm_pool_(\w+) (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Wait (bounded, polling) until the pool has no busy or queued work: requests abandoned by
 * the load generator at the end of a phase still run to completion in the service. */
export async function waitIdle(url: string, maxMs = 60_000): Promise<Record<string, number>> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const s = await poolStats(url);
    if (s.busy === 0 && s.queued === 0 && s.idle === s.workers) return s;
    if (Date.now() > deadline) throw new Error(`pool not idle after ${maxMs} ms: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function describeLoad(name: string, r: LoadResult): string {
  const other = Object.entries(r.other).map(([s, n]) => `${s}x${n}`).join(' ') || 'none';
  return `# ${name}: ${r.connections} connections ${r.durationS} s: ${r.responses} responses, ${r.ok} correct (${r.okPerS.toFixed(1)} req/s), ` +
    `p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms, 503 ${r.unavailable} (${r.unavailableShare.toFixed(1)} %, malformed ${r.unavailableMalformed}), ` +
    `other statuses ${other}, wrong ${r.wrong}, duplicates ${r.duplicates}, errors ${r.errors}, timeouts ${r.timeouts}`;
}

export function summaryLine(capacity: LoadResult, overload: LoadResult): string {
  const wrong = capacity.wrong + overload.wrong + capacity.duplicates + overload.duplicates;
  return `# load: capacity ${capacity.okPerS.toFixed(1)} req/s p99 ${capacity.p99Ms} ms, overload ${overload.okPerS.toFixed(1)} req/s, ` +
    `503 share ${overload.unavailableShare.toFixed(1)} %, wrong answers ${wrong}`;
}

// ---- `npm run soak` ----

function envInt(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
}

async function main(): Promise<void> {
  const total = envInt('SOAK_SECONDS', 60);
  const workers = envInt('SOAK_WORKERS', 2);
  const queueLimit = envInt('SOAK_QUEUE_LIMIT', 2);
  const capConns = envInt('SOAK_CAPACITY_CONNECTIONS', workers);
  const overConns = envInt('SOAK_OVERLOAD_CONNECTIONS', 24);
  let url = process.env.SOAK_URL;
  let stop: (() => Promise<number | null>) | undefined;
  if (!url) {
    // test/support/service.ts spawns dist/src/server/main.js on a free loopback port.
    const { startService } = await import('../test/support/service.js');
    const svc = await startService({
      CODEJAIL_WASM_WORKERS: String(workers),
      CODEJAIL_WASM_QUEUE_LIMIT: String(queueLimit),
      CODEJAIL_WASM_IMAGES: process.env.SOAK_IMAGES ?? 'py311-base',
      CODEJAIL_WASM_DEFAULT_IMAGE: process.env.SOAK_DEFAULT_IMAGE ?? 'py311-base',
    });
    url = svc.url;
    stop = () => svc.stop();
  }
  const mixed: Kind[] = ['safe_exec', 'safe_exec', 'jail_code', 'safe_exec', 'code_exec_v0', 'safe_exec', 'emsg', 'jail_code', 'safe_exec', 'fuel'];
  // 40 % at capacity, 40 % overloaded, 20 % back at capacity (recovery).
  const capS = Math.max(1, Math.round(total * 0.4));
  const overS = Math.max(1, Math.round(total * 0.4));
  const recS = Math.max(1, total - capS - overS);
  console.log(`# soak: ${url}, workers ${workers}, queue limit ${queueLimit}, ${total} s (capacity ${capS} s / overload ${overS} s / recovery ${recS} s)`);
  try {
    const capacity = await runLoad({ url, connections: capConns, durationS: capS, kinds: mixed });
    console.log(describeLoad('capacity', capacity));
    await waitIdle(url);
    const overload = await runLoad({ url, connections: overConns, durationS: overS, kinds: mixed });
    console.log(describeLoad('overload', overload));
    await waitIdle(url);
    const recovery = await runLoad({ url, connections: capConns, durationS: recS, kinds: mixed });
    console.log(describeLoad('recovery', recovery));
    console.log(summaryLine(capacity, overload));
    const stats = await waitIdle(url);
    console.log(`# soak: pool after: workers ${stats.workers}, replacements ${stats.replacements}`);
    const bad = [capacity, overload, recovery].some((r) => r.wrong > 0 || r.duplicates > 0 || r.unavailableMalformed > 0 || Object.keys(r.other).length > 0 || r.errors > 0)
      || capacity.unavailable > 0 || recovery.unavailable > 0;
    if (bad) {
      for (const r of [capacity, overload, recovery]) for (const s of r.wrongSamples) console.log(`#   ${s}`);
      process.exitCode = 1;
    }
  } finally {
    if (stop) {
      const code = await stop();
      console.log(`# soak: service exited with ${code}`);
      if (code !== 0) process.exitCode = 1;
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
