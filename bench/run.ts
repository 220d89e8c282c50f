// Benchmarks: the sandbox (in-process and over HTTP, on the service's default images) against
// the real codejail 4.1.1 and a codejail-style native subprocess, interleaved request by request,
// on the scenarios in bench/scenarios.ts; then sustained HTTP throughput with autocannon.
// Prints a Markdown table, writes bench/results.json; `node dist/bench/readmeTable.js` puts the
// table into README.md. No assertions: ratios from one run only, and the machine may be shared,
// so read them with the load average printed alongside.
//
// usage: npm run bench   (node dist/bench/run.js [--quick] [--workers N] [--no-http] [--no-real]
//                         [--duration S] [--python PATH] [--out FILE])
import { availableParallelism, cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import { createJail, type Jail } from '../src/jail/jail.js';
import { defaultPolicy } from '../src/jail/limits.js';
import type { CodejailLimits } from '../src/jail/types.js';
import { legacySafeExec } from '../src/legacy/nativeCodejail.js';
import { loadImageCatalog } from '../src/runtime/imageCatalog.js';
import { postForm } from './formPost.js';
import { startHttp } from './benchServer.js';
import { startRealCodejail, type RealCodejail } from './realCodejail.js';
import { runLoadInProcess } from './loadProcess.js';
import { scenarios, type Scenario } from './scenarios.js';
import { percentile } from './stats.js';

type RunnerName = 'codejail' | 'native' | 'wasm' | 'http';
interface ExecOutcome { ok: boolean; fuel?: number; error?: string }
interface Runner { name: RunnerName; exec(code: string, globalsJson: string, seed: number, image?: string): Promise<ExecOutcome> }

interface Row {
  scenario: string;
  runner: RunnerName;
  requests: number;
  failures: number;
  firstFailure?: string;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Requests per second of this runner's own time (sequential: 1000 / mean latency). */
  throughputPerSec: number;
  fuelMedian: number | null;
  /** How many times faster than the native subprocess / the real codejail at p50 (>1: faster). */
  speedupVsNative: number | null;
  speedupVsCodejail: number | null;
}

/** Generous limits: the benchmark measures speed, it must not be cut short on a loaded machine. */
const LIMITS: Partial<CodejailLimits> = { CPU: 10, REALTIME: 30 };

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

function nativeRunner(python: string): Runner {
  return {
    name: 'native',
    async exec(code, globalsJson) {
      const r = await legacySafeExec({ code, globalsJson }, { python, limits: LIMITS });
      return r.ok ? { ok: true } : { ok: false, error: r.emsg };
    },
  };
}

function codejailRunner(real: RealCodejail): Runner {
  return { name: 'codejail', exec: (code, globalsJson) => real.exec(code, globalsJson) };
}

function wasmRunner(jail: Jail): Runner {
  return {
    name: 'wasm',
    async exec(code, globalsJson, seed, image) {
      const r = await jail.safeExec({ code, globalsJson, seed, limits: LIMITS, image });
      return r.ok ? { ok: true, fuel: r.run.fuelUsed } : { ok: false, fuel: r.run.fuelUsed, error: r.emsg };
    },
  };
}

/** codejail-service's endpoint, as edx-platform calls it (form field `payload`). */
function codeExecBody(code: string, globalsJson: string, image?: string): string {
  const payload = `{"code": ${JSON.stringify(code)}, "globals_dict": ${globalsJson}${image ? `, "image": ${JSON.stringify(image)}` : ''}}`;
  return `payload=${encodeURIComponent(payload)}`;
}

type HttpClient = 'node:http' | 'fetch';

/** codejail-service's endpoint over HTTP. The client is node:http by default: undici's fetch,
 * which shares this process's thread with the server, added 0.1-0.3 ms of its own to every
 * round trip (bench/README.md); `fetch` is kept for comparison with earlier runs. */
function httpRunner(base: string, client: HttpClient = 'node:http'): Runner & { close(): void } {
  const url = new URL('/api/v0/code-exec', base);
  const agent = new Agent({ keepAlive: true });
  const post = async (body: string): Promise<{ status: number; text: string }> => {
    if (client === 'node:http') return postForm(agent, url, body);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    return { status: res.status, text: await res.text() };
  };
  return {
    name: 'http',
    async exec(code, globalsJson, _seed, image) {
      const { status, text } = await post(codeExecBody(code, globalsJson, image));
      if (status !== 200) return { ok: false, error: `HTTP ${status}: ${text.slice(0, 200)}` };
      const j = JSON.parse(text) as { emsg?: string };
      return j.emsg === undefined ? { ok: true } : { ok: false, error: j.emsg };
    },
    close: () => agent.destroy(),
  };
}

interface Samples { lat: number[]; fuel: number[]; failures: number; firstFailure?: string; busyMs: number }

/** All runners on one scenario, interleaved: request k goes to every runner (order rotated) before k+1. */
async function measure(s: Scenario, runners: Runner[], seq: { i: number }): Promise<Map<RunnerName, Samples>> {
  const out = new Map<RunnerName, Samples>(runners.map((r) => [r.name, { lat: [], fuel: [], failures: 0, busyMs: 0 }]));
  const one = async (runner: Runner, i: number): Promise<void> => {
    const t = performance.now();
    const r = await runner.exec(s.code(i), s.globalsJson(i), i, s.image);
    const ms = performance.now() - t;
    const m = out.get(runner.name)!;
    m.lat.push(ms);
    if (r.fuel !== undefined) m.fuel.push(r.fuel);
    if (!r.ok) {
      m.failures++;
      m.firstFailure ??= r.error?.slice(0, 300);
    }
  };
  for (let w = 0; w < s.warmup; w++) for (const runner of runners) await runner.exec(s.code(w), s.globalsJson(w), w, s.image);
  const rounds = s.concurrency ? (s.rounds ?? 1) : s.iterations;
  for (let k = 0; k < rounds; k++) {
    const order = runners.map((_, j) => runners[(j + k) % runners.length]!);
    for (const runner of order) {
      const t = performance.now();
      if (s.concurrency) {
        const base = seq.i;
        seq.i += s.concurrency;
        await Promise.all(Array.from({ length: s.concurrency }, (_, c) => one(runner, base + c)));
      } else {
        await one(runner, seq.i++);
      }
      out.get(runner.name)!.busyMs += performance.now() - t;
    }
  }
  return out;
}

function rowsFor(s: Scenario, samples: Map<RunnerName, Samples>): Row[] {
  const p50 = (n: RunnerName) => {
    const m = samples.get(n);
    return m && m.lat.length ? percentile(m.lat, 50) : null;
  };
  const native = p50('native');
  const codejail = p50('codejail');
  return [...samples].map(([runner, m]) => {
    const mid = percentile(m.lat, 50);
    return {
      scenario: s.name, runner, requests: m.lat.length, failures: m.failures, firstFailure: m.firstFailure,
      p50Ms: mid, p95Ms: percentile(m.lat, 95), p99Ms: percentile(m.lat, 99),
      meanMs: m.lat.reduce((a, b) => a + b, 0) / Math.max(1, m.lat.length),
      throughputPerSec: m.lat.length / (m.busyMs / 1000),
      fuelMedian: m.fuel.length ? percentile(m.fuel, 50) : null,
      speedupVsNative: native !== null && runner !== 'native' ? native / mid : null,
      speedupVsCodejail: codejail !== null && runner !== 'codejail' ? codejail / mid : null,
    };
  });
}

interface Throughput { url: string; connections: number; seconds: number; requestsPerSec: number; responses: number; wrong: number; errors: number; non200: number; p50Ms: number; p99Ms: number }

/** Sustained throughput (autocannon through bench/soak.ts's runLoad, in a process of its own): a
 * trivial safe_exec through code-exec, each answer checked against its own request. */
async function throughput(base: string, connections: number, seconds: number): Promise<Throughput> {
  const r = await runLoadInProcess({ url: base, connections, durationS: seconds, kinds: ['code_exec_v0'] });
  return {
    url: '/api/v0/code-exec (`out = n * n` on the default image, every answer checked)', connections, seconds,
    requestsPerSec: r.okPerS, responses: r.responses, wrong: r.wrong, errors: r.errors + r.timeouts,
    non200: r.unavailable + Object.values(r.other).reduce((a, b) => a + b, 0), p50Ms: r.p50Ms, p99Ms: r.p99Ms,
  };
}

interface BackToBack { image: string; client: HttpClient; requests: number; p50Ms: number; p99Ms: number }

/** Issue #22's latency goal: trivial safe_exec over code-exec, one request after another on
 * one keep-alive connection (no other runner in between), after unmeasured warm-ups. The images
 * take turns in blocks of BACK_TO_BACK_BLOCK requests (back to back within a block): measured
 * one after the other, each image's 200 requests saw the machine's load of a different moment,
 * and the load of the moment decided their ratio (bench/README.md). */
const BACK_TO_BACK_BLOCK = 20;
/** `series`: an image and the client to reach it with; each series has its own connection. */
async function backToBack(base: string, series: { image: string; client: HttpClient }[], requests: number): Promise<BackToBack[]> {
  const lat = series.map(() => [] as number[]);
  const runners = series.map((s) => httpRunner(base, s.client));
  const one = async (k: number, measured: boolean): Promise<void> => {
    const t = performance.now();
    const r = await runners[k]!.exec('x = 1', '{}', 0, series[k]!.image);
    if (!r.ok) throw new Error(`back-to-back ${series[k]!.image}: ${r.error}`);
    if (measured) lat[k]!.push(performance.now() - t);
  };
  for (let k = 0; k < series.length; k++) for (let i = 0; i < 20; i++) await one(k, false);
  for (let done = 0; done < requests; done += BACK_TO_BACK_BLOCK) {
    for (let k = 0; k < series.length; k++) {
      for (let i = done; i < Math.min(requests, done + BACK_TO_BACK_BLOCK); i++) await one(k, true);
    }
  }
  for (const r of runners) r.close();
  return series.map((s, k) => {
    return { ...s, requests, p50Ms: percentile(lat[k]!, 50), p99Ms: percentile(lat[k]!, 99) };
  });
}

const fmt = (x: number | null, d = 1): string => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(d));
const times = (x: number | null): string => (x === null || !Number.isFinite(x) ? '–' : `${x.toFixed(x >= 10 ? 0 : 1)}×`);

function markdown(rows: Row[], tp: Throughput | null, b2b: BackToBack[], notes: string[]): string {
  const out = ['| scenario | runner | p50 ms | p95 ms | p99 ms | req/s | fuel | faster than native | faster than codejail |', '|---|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    out.push(`| ${r.scenario} | ${r.runner}${r.failures ? ` (${r.failures} failed)` : ''} | ${fmt(r.p50Ms)} | ${fmt(r.p95Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.throughputPerSec)} | ` +
      `${r.fuelMedian === null ? '–' : (r.fuelMedian / 1e6).toFixed(2) + ' M'} | ${times(r.speedupVsNative)} | ${times(r.speedupVsCodejail)} |`);
  }
  if (tp) {
    out.push('', `Sustained: ${tp.url}, ${tp.connections} connections for ${tp.seconds} s: **${tp.requestsPerSec.toFixed(0)} correct answers/s**, ` +
      `${tp.wrong} wrong, ${tp.errors} errors, ${tp.non200} not 200, latency p50 ${tp.p50Ms} ms, p99 ${tp.p99Ms} ms.`);
  }
  if (b2b.length > 0) {
    out.push('', `Back to back (trivial safe_exec over /api/v0/code-exec, one connection each, ${b2b[0]!.requests} requests per series after 20 unmeasured, the series taking turns in blocks of ${BACK_TO_BACK_BLOCK}; client node:http unless named): `
      + b2b.map((b) => `\`${b.image}\`${b.client === 'node:http' ? '' : ` (${b.client})`} p50 ${fmt(b.p50Ms, 2)} ms, p99 ${fmt(b.p99Ms, 2)} ms`).join('; ') + '.');
  }
  for (const n of notes) out.push('', n);
  return out.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean' }, workers: { type: 'string' }, 'no-http': { type: 'boolean' }, 'no-real': { type: 'boolean' },
      duration: { type: 'string' }, python: { type: 'string' }, out: { type: 'string' },
    },
  });
  const python = values.python ?? process.env.CODEJAIL_WASM_NATIVE_PYTHON ?? '/usr/bin/python3';
  const workers = values.workers ? Number(values.workers) : Math.min(2, availableParallelism());
  const scale = values.quick ? 0.25 : 1;
  const duration = Number(values.duration ?? (values.quick ? 3 : 10));
  const list = scenarios(scale);
  const t0 = performance.now();
  const env = {
    node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(),
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100), workers, python, limits: LIMITS, quick: !!values.quick,
  };
  process.stderr.write(`bench: ${env.cores} cores (${env.cpu}), load ${env.loadavgAtStart.join(' ')}, ${workers} wasm workers per image\n`);

  const notes: string[] = [];
  const images = loadImageCatalog();
  const jail = await createJail({
    policy: defaultPolicy(), workers, queueLimit: 256, outputLimitBytes: 1 << 20,
    images: images.images, defaultImage: images.defaultImage,
  });
  const imagesNote = `Images: default \`${images.defaultImage}\` (snapshot ${mb(jail.snapshotBytes())} MiB)` +
    (images.images.has('py311-base') ? `, \`py311-base\` (${mb(jail.snapshotBytes('py311-base'))} MiB)` : '') + `; ${workers} workers per image (the default image's warm, another image's started by its first, unmeasured, request).`;
  notes.push(imagesNote);

  const runners: Runner[] = [];
  let real: RealCodejail | null = null;
  if (values['no-real']) notes.push('codejail: not measured (--no-real).');
  else {
    const r = await startRealCodejail(LIMITS, 4);
    if ('unavailable' in r) {
      notes.push(`codejail: not measured — ${r.unavailable}.`);
      process.stderr.write(`bench: real codejail skipped: ${r.unavailable}\n`);
    } else {
      real = r;
      runners.push(codejailRunner(r));
      notes.push(`codejail: ${r.description}.`);
    }
  }
  runners.push(nativeRunner(python), wasmRunner(jail));
  let http: Awaited<ReturnType<typeof startHttp>> | null = null;
  let httpScenarios: ReturnType<typeof httpRunner> | null = null;
  if (values['no-http']) notes.push('http: not measured (--no-http).');
  else {
    http = await startHttp(jail);
    if ('unavailable' in http) notes.push(`http: not measured — ${http.unavailable}.`);
    else {
      httpScenarios = httpRunner(http.base);
      runners.push(httpScenarios);
    }
  }

  const rows: Row[] = [];
  for (const s of list) {
    process.stderr.write(`bench: ${s.name} (${runners.map((r) => r.name).join(', ')}, interleaved)...\n`);
    const scenarioRows = rowsFor(s, await measure(s, runners, { i: 0 }));
    rows.push(...scenarioRows);
    for (const r of scenarioRows) if (r.failures) process.stderr.write(`bench: ${r.scenario}/${r.runner}: ${r.failures} failed, first: ${r.firstFailure}\n`);
  }
  let tp: Throughput | null = null;
  const b2b: BackToBack[] = [];
  if (http && 'base' in http) {
    process.stderr.write('bench: back to back over HTTP...\n');
    b2b.push(...await backToBack(http.base, [
      { image: images.defaultImage, client: 'node:http' },
      ...(images.images.has('py311-base') ? [{ image: 'py311-base', client: 'node:http' as const }] : []),
      { image: images.defaultImage, client: 'fetch' },
    ], Math.round(200 * scale)));
    process.stderr.write(`bench: throughput (autocannon, ${duration} s)...\n`);
    tp = await throughput(http.base, workers * 4, duration);
    httpScenarios?.close();
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
  }
  real?.close();
  await jail.close();
  const totalSeconds = (performance.now() - t0) / 1000;
  const md = markdown(rows, tp, b2b, notes);
  const results = {
    generatedAt: new Date().toISOString(),
    environment: { ...env, loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100), totalSeconds },
    scenarios: list.map((s) => ({ name: s.name, description: s.description, image: s.image ?? images.defaultImage, iterations: s.iterations, warmup: s.warmup, concurrency: s.concurrency ?? 1, rounds: s.rounds ?? 1 })),
    notes, rows, throughput: tp, backToBack: b2b, markdown: md,
  };
  const outPath = values.out ?? new URL('../../bench/results.json', import.meta.url);
  writeFileSync(outPath, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(md + '\n');
  process.stderr.write(`bench: done in ${totalSeconds.toFixed(1)} s; wrote ${String(outPath)}\n`);
}

await main();
