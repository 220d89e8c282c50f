// Benchmarks: the legacy native runner (codejail's way: a fresh `python -E -B` per request)
// against the wasm jail in-process and over HTTP, on the scenarios in bench/scenarios.ts.
// Prints a Markdown table and writes bench/results.json. No assertions: ratios only, and the
// machine may be shared, so read them with the load average printed alongside.
//
// usage: npm run bench            (node dist/bench/run.js [--quick] [--workers N] [--no-http])
import { cpus, loadavg, availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createJail, type Jail } from '../src/jail/jail.js';
import { defaultPolicy } from '../src/jail/limits.js';
import type { CodejailLimits, JailService } from '../src/jail/types.js';
import { legacyJailCode, legacySafeExec } from '../src/legacy/LegacyRunner.js';
import { buildSafeExecStdin, buildSafeExecWrapper } from '../src/jail/wrapper.js';
import { scenarios, type Scenario } from './scenarios.js';

type RunnerName = 'legacy' | 'wasm' | 'http';
interface ExecOutcome { ok: boolean; fuel?: number; error?: string }
interface Runner { name: RunnerName; exec(code: string, globalsJson: string, seed: number): Promise<ExecOutcome> }

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
  throughputPerSec: number;
  fuelMedian: number | null;
  ratioP50VsLegacy: number | null;
  ratioThroughputVsLegacy: number | null;
}

/** Generous limits: the benchmark measures speed, it must not be cut short on a loaded machine. */
const LIMITS: Partial<CodejailLimits> = { CPU: 10, REALTIME: 30 };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

class RssSampler {
  peak = process.memoryUsage.rss();
  private timer = setInterval(() => this.sample(), 25);
  sample(): number {
    const r = process.memoryUsage.rss();
    if (r > this.peak) this.peak = r;
    return r;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

function legacyRunner(python: string): Runner {
  return {
    name: 'legacy',
    async exec(code, globalsJson) {
      const r = await legacySafeExec({ code, globalsJson }, { python, limits: LIMITS });
      return r.ok ? { ok: true } : { ok: false, error: r.emsg };
    },
  };
}

function wasmRunner(jail: JailService): Runner {
  return {
    name: 'wasm',
    async exec(code, globalsJson, seed) {
      const r = await jail.safeExec({ code, globalsJson, seed, limits: LIMITS });
      return r.ok ? { ok: true, fuel: r.run.fuelUsed } : { ok: false, fuel: r.run.fuelUsed, error: r.emsg };
    },
  };
}

function httpRunner(base: string): Runner {
  return {
    name: 'http',
    async exec(code, globalsJson, seed) {
      const body = `{"code": ${JSON.stringify(code)}, "globals_dict": ${globalsJson}, "seed": ${seed}, "limits": ${JSON.stringify(LIMITS)}}`;
      const res = await fetch(`${base}/api/v1/safe_exec`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      if (res.status !== 200) return { ok: false, error: `HTTP ${res.status}: ${text.slice(0, 200)}` };
      const j = JSON.parse(text) as { emsg?: string; fuel_used?: number };
      return j.emsg === undefined ? { ok: true, fuel: j.fuel_used } : { ok: false, fuel: j.fuel_used, error: j.emsg };
    },
  };
}

/** The HTTP server from src/server/ (another engineer's module), if it is there and loads. */
async function startHttp(jail: Jail): Promise<{ base: string; server: Server } | { unavailable: string }> {
  // Variable specifiers: the bench must still build if the server module is renamed or absent.
  const appModule = '../src/server/app.js';
  const configModule = '../src/config/config.js';
  const healthModule = '../src/server/health.js';
  try {
    const { createApp } = (await import(appModule)) as { createApp: (o: Record<string, unknown>) => (req: unknown, res: unknown) => void };
    const { defaultConfig } = (await import(configModule)) as { defaultConfig: () => Record<string, unknown> };
    const { HealthState } = (await import(healthModule)) as { HealthState: new () => { set(s: string): void } };
    const health = new HealthState();
    health.set('ok');
    const config = { ...defaultConfig(), logCode: false };
    const app = createApp({ jail, config, health, log: () => undefined, logError: () => undefined });
    const server = createServer(app as Parameters<typeof createServer>[1]);
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return { base: `http://127.0.0.1:${port}`, server };
  } catch (e) {
    return { unavailable: `src/server/app.js could not be used: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function measure(s: Scenario, runner: Runner, seq: { i: number }): Promise<Omit<Row, 'ratioP50VsLegacy' | 'ratioThroughputVsLegacy'>> {
  const lat: number[] = [];
  const fuel: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const one = async (): Promise<void> => {
    const i = seq.i++;
    const t = performance.now();
    const r = await runner.exec(s.code(i), s.globalsJson(i), i);
    lat.push(performance.now() - t);
    if (r.fuel !== undefined) fuel.push(r.fuel);
    if (!r.ok) {
      failures++;
      firstFailure ??= r.error?.slice(0, 300);
    }
  };
  for (let w = 0; w < s.warmup; w++) await runner.exec(s.code(w), s.globalsJson(w), w);
  lat.length = 0;
  fuel.length = 0;
  const started = performance.now();
  if (s.concurrency) {
    for (let r = 0; r < (s.rounds ?? 1); r++) await Promise.all(Array.from({ length: s.concurrency }, one));
  } else {
    for (let k = 0; k < s.iterations; k++) await one();
  }
  const elapsed = (performance.now() - started) / 1000;
  const sorted = [...lat].sort((a, b) => a - b);
  const fs = [...fuel].sort((a, b) => a - b);
  return {
    scenario: s.name, runner: runner.name, requests: lat.length, failures, firstFailure,
    p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), p99Ms: percentile(sorted, 99),
    meanMs: lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length),
    throughputPerSec: lat.length / elapsed,
    fuelMedian: fs.length ? percentile(fs, 50) : null,
  };
}

/** Peak RSS of the native python process for a scenario (VmHWM, KiB). */
async function legacyMaxRssKb(s: Scenario, python: string): Promise<number | null> {
  // VmHWM, not ru_maxrss: ru_maxrss survives exec and so reports the forking node process.
  const code = s.code(0) + "\n_bench_maxrss_kb = int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])\n";
  const r = await legacyJailCode({
    command: 'python', code: buildSafeExecWrapper([]), stdin: buildSafeExecStdin(code, s.globalsJson(0)), limits: LIMITS,
  }, { python });
  const m = /"_bench_maxrss_kb": (\d+)/.exec(Buffer.from(r.stdout).toString('utf8'));
  return m ? Number(m[1]) : null;
}

const fmt = (x: number | null, d = 1): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

function markdown(rows: Row[], memory: Record<string, unknown>, httpNote: string | null): string {
  const out: string[] = [];
  out.push('| scenario | runner | requests | p50 ms | p95 ms | p99 ms | req/s | fuel (median) | p50 vs legacy | req/s vs legacy |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    out.push(`| ${r.scenario} | ${r.runner}${r.failures ? ` (${r.failures} failed)` : ''} | ${r.requests} | ${fmt(r.p50Ms)} | ${fmt(r.p95Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.throughputPerSec)} | ` +
      `${r.fuelMedian === null ? '–' : (r.fuelMedian / 1e6).toFixed(2) + ' M'} | ${r.ratioP50VsLegacy === null ? '–' : r.ratioP50VsLegacy.toFixed(2) + '×'} | ` +
      `${r.ratioThroughputVsLegacy === null ? '–' : r.ratioThroughputVsLegacy.toFixed(2) + '×'} |`);
  }
  if (httpNote) out.push('', `HTTP: n/a — ${httpNote}`);
  out.push('', '| memory | value |', '|---|---:|');
  for (const [k, v] of Object.entries(memory)) out.push(`| ${k} | ${typeof v === 'number' ? v : String(v)} |`);
  return out.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { quick: { type: 'boolean' }, workers: { type: 'string' }, 'no-http': { type: 'boolean' }, python: { type: 'string' }, out: { type: 'string' } },
  });
  const python = values.python ?? process.env.CODEJAIL_WASM_NATIVE_PYTHON ?? '/usr/bin/python3';
  const workers = values.workers ? Number(values.workers) : Math.min(2, availableParallelism());
  const scale = values.quick ? 0.25 : 1;
  const list = scenarios(scale);
  const t0 = performance.now();
  const env = {
    node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(),
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100), workers, python, limits: LIMITS, quick: !!values.quick,
  };
  process.stderr.write(`bench: ${env.cores} cores (${env.cpu}), load ${env.loadavgAtStart.join(' ')}, ${workers} wasm workers\n`);

  const rssBefore = process.memoryUsage.rss();
  const sampler = new RssSampler();
  const startT = performance.now();
  const jail = await createJail({ policy: defaultPolicy(), workers, queueLimit: 256, outputLimitBytes: 1 << 20 });
  const jailStartMs = performance.now() - startT;
  const rssAfterStart = sampler.sample();

  let httpNote: string | null = null;
  let http: Awaited<ReturnType<typeof startHttp>> | null = null;
  if (values['no-http']) httpNote = 'disabled with --no-http';
  else {
    http = await startHttp(jail);
    if ('unavailable' in http) httpNote = http.unavailable;
  }
  const runners: Runner[] = [legacyRunner(python), wasmRunner(jail)];
  if (http && 'base' in http) runners.push(httpRunner(http.base));

  const rows: Row[] = [];
  for (const s of list) {
    const seq = { i: 0 };
    let legacy: Row | null = null;
    for (const runner of runners) {
      process.stderr.write(`bench: ${s.name} / ${runner.name}...\n`);
      const m = await measure(s, runner, seq);
      const row: Row = {
        ...m,
        ratioP50VsLegacy: legacy ? m.p50Ms / legacy.p50Ms : null,
        ratioThroughputVsLegacy: legacy ? m.throughputPerSec / legacy.throughputPerSec : null,
      };
      if (runner.name === 'legacy') legacy = row;
      rows.push(row);
    }
  }
  const legacyRss: Record<string, number | null> = {};
  for (const s of list) legacyRss[s.name] = await legacyMaxRssKb(s, python);
  sampler.stop();
  const rssEnd = process.memoryUsage.rss();
  const memory = {
    'node process RSS before the jail (MiB)': mb(rssBefore),
    'node process RSS after jail start, idle (MiB)': mb(rssAfterStart),
    'node process RSS peak during the bench (MiB)': mb(sampler.peak),
    'node process RSS at the end (MiB)': mb(rssEnd),
    [`per-worker estimate: (RSS after start − before) / ${workers} (MiB, includes the shared module and snapshot)`]: mb((rssAfterStart - rssBefore) / workers),
    'jail start-up incl. snapshot (ms)': Math.round(jailStartMs),
    ...Object.fromEntries(Object.entries(legacyRss).map(([k, v]) => [`legacy python peak RSS, ${k} (MiB)`, v === null ? 'n/a' : mb(v * 1024)])),
  };
  if (http && 'server' in http) await new Promise<void>((resolve) => http.server.close(() => resolve()));
  await jail.close();
  const totalSeconds = (performance.now() - t0) / 1000;
  const md = markdown(rows, memory, httpNote);
  const results = {
    generatedAt: new Date().toISOString(), environment: { ...env, loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100), totalSeconds },
    scenarios: list.map((s) => ({ name: s.name, description: s.description, iterations: s.iterations, warmup: s.warmup, concurrency: s.concurrency ?? 1, rounds: s.rounds ?? 1 })),
    http: httpNote ? { available: false, note: httpNote } : { available: true },
    rows, memory, markdown: md,
  };
  const outPath = values.out ?? new URL('../../bench/results.json', import.meta.url);
  writeFileSync(outPath, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(md + '\n');
  process.stderr.write(`bench: done in ${totalSeconds.toFixed(1)} s; wrote ${String(outPath)}\n`);
  const failed = rows.filter((r) => r.failures > 0);
  for (const r of failed) process.stderr.write(`bench: ${r.scenario}/${r.runner}: ${r.failures} failed, first: ${r.firstFailure}\n`);
}

await main();
