// Hostile requests against the real service (issue #19's acceptance measurement). For each
// class of hostile request, 4 attackers keep one request each in flight for HOSTILE_SECONDS
// while a normal client sends safe_exec requests one after another (each answer checked), a
// prober asks /health/ every 20 ms, and the service's RSS is sampled from /proc. Per class:
//
//   # hostile <class>: 4 x N attacks (<status counts>); normal k/k correct, p99 X ms;
//     /health/ p99 Y ms max Z ms; RSS +M MiB over idle (peak); replacements D
//
// and a last line with the worst figures against the targets (health p99 <= 100 ms, RSS
// growth <= 256 MiB, no replacement, every normal answer correct). Timings are printed, never
// asserted: the machine may be shared.
//
//   npm run bench:hostile                      # the baseline (none) and all classes, 10 s each, 6 workers
//   HOSTILE_SECONDS=5 HOSTILE_WORKERS=4 HOSTILE_CLASSES=none,preadv-layer-file npm run bench:hostile
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { zipSync } from 'fflate';
import { waitIdle } from './soak.js';
import { percentile } from './stats.js';

interface Attack {
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array<ArrayBuffer>;
}

// Bodies as bytes, encoded once: a 16 MB string body is re-encoded by every fetch, which held
// this process's event loop (and so its own /health/ prober) for hundreds of milliseconds.
const json = (body: unknown): Attack => ({ path: '', headers: { 'content-type': 'application/json' }, body: new Uint8Array(Buffer.from(JSON.stringify(body))) });
const jailCode = (body: unknown): Attack => ({ ...json(body), path: '/api/v1/jail_code' });
const safeExec = (body: unknown): Attack => ({ ...json(body), path: '/api/v1/safe_exec' });
const BOUNDARY = 'hostileBoundary5c1e';
function codeExecV0(payload: unknown, zip?: Uint8Array): Attack {
  const parts = [Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="payload"\r\n\r\n${JSON.stringify(payload)}\r\n`)];
  if (zip) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="python_lib.zip"; filename="python_lib.zip"\r\nContent-Type: application/zip\r\n\r\n`),
      Buffer.from(zip), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return { path: '/api/v0/code-exec', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: new Uint8Array(Buffer.concat(parts)) };
}

/** The limits for host-work attacks: a plain loop stops on fuel in well under a second. */
const SMALL = { CPU: 0.1, REALTIME: 1 };
const ERROR_OUTPUT = 'import os\nos.write(1, b"\\xff" * (16 << 20))\nos.write(2, b"\\xff" * (16 << 20))\nraise SystemExit(3)';

/** The jail_code bodies of the classes whose runs grow the worker's memory, so that every run
 * ends with its instance replaced (bench/replacedMemory.ts runs them in-process too). */
export const MEMORY_GROWING_ATTACKS = {
  'write-past-fsize': { limits: { ...SMALL, FSIZE: 0 }, code: 'import os\nfd = os.open("tmp/f", os.O_WRONLY | os.O_CREAT)\nb = bytes(12 << 20)\nwhile True:\n    try:\n        os.write(fd, b)\n    except OSError:\n        pass' },
  // Ten 60 MiB files written 1 MiB at a time (the program's own memory stays small), each
  // renamed onto itself: that used to refund its bytes, so 600 MiB stayed held.
  'quota-rename-onto-itself': { limits: { FSIZE: 60 << 20, REALTIME: 5 }, code: 'import os\nchunk = bytes(1 << 20)\nfor i in range(10):\n    with open("tmp/f%d" % i, "wb") as f:\n        for _ in range(60):\n            f.write(chunk)\n    os.rename("tmp/f%d" % i, "tmp/f%d" % i)' },
};

/** Each class of hostile request from issue #19, as one request an attacker repeats; `none` is
 * the baseline: the same normal client and /health/ prober with no attacker, in the same run
 * (on a shared machine, /health/ latency without any attack is far from zero). */
const CLASSES: Record<string, (() => Attack) | null> = {
  none: null,
  'error-text-safe_exec': () => safeExec({ code: ERROR_OUTPUT, globals_dict: {} }),
  'error-text-code-exec': () => codeExecV0({ code: ERROR_OUTPUT, globals_dict: {} }),
  'preadv-layer-file': () => jailCode({ limits: SMALL, code: 'import os\nfd = os.open("/usr/lib/python3.11/__pycache__/_pydecimal.cpython-311.pyc", os.O_RDONLY)\nbuf = bytearray(os.fstat(fd).st_size)\nwhile True:\n    os.preadv(fd, [buf], 0)' }),
  'write-past-fsize': () => jailCode(MEMORY_GROWING_ATTACKS['write-past-fsize']),
  'lookup-after-mkdirs': () => jailCode({ limits: SMALL, code: 'import os\nfor i in range(990):\n    os.mkdir("tmp/d%d" % i)\nfd = os.open("tmp/d989", os.O_RDONLY)\nwhile True:\n    try:\n        os.stat("nope", dir_fd=fd)\n    except OSError:\n        pass' }),
  'writev-tiny-iovecs': () => jailCode({ limits: SMALL, code: 'import os\nparts = [b"x"] * 1024\nwhile True:\n    os.writev(1, parts)' }),
  'zip-bomb-upload': () => codeExecV0({ code: 'x = 1', globals_dict: {}, python_path: ['python_lib.zip'] }, zipBomb()),
  'deep-caller-dirs': () => jailCode({ code: 'print(1)', files: deepFiles() }),
  'file-under-file': () => jailCode({ code: 'print(1)', files: [{ path: 'a', content_b64: 'MQ==' }, { path: 'a/b', content_b64: 'MQ==' }] }),
  'tiny-cpu-limit': () => jailCode({ limits: { CPU: 1e-10, REALTIME: 1 }, code: 'while True:\n    pass' }),
  'quota-rename-onto-itself': () => jailCode(MEMORY_GROWING_ATTACKS['quota-rename-onto-itself']),
};

let bomb: Uint8Array | null = null;
/** python_lib.zip with one 250 MiB member of zeros (~250 KB compressed). */
function zipBomb(): Uint8Array {
  return (bomb ??= zipSync({ 'bomb.txt': new Uint8Array(250 << 20) }, { level: 9 }));
}
let deep: { path: string; content_b64: string }[] | null = null;
/** 4,000 paths d{i}/a/.../a/f, 2,000 levels deep (a 16 MB body). */
function deepFiles(): { path: string; content_b64: string }[] {
  return (deep ??= Array.from({ length: 4000 }, (_, i) => ({ path: `d${i}/${'a/'.repeat(2000)}f`, content_b64: '' })));
}

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export interface ClassResult {
  name: string;
  attacks: number;
  statuses: Record<string, number>;
  normalOk: number;
  normalTotal: number;
  normalP99Ms: number;
  healthP99Ms: number;
  healthMaxMs: number;
  rssGrowthMiB: number;
  replacements: number;
}

async function send(url: string, a: Attack): Promise<string> {
  try {
    const r = await fetch(url + a.path, { method: 'POST', headers: a.headers, body: a.body, signal: AbortSignal.timeout(120_000) });
    const text = await r.text();
    if (r.status !== 200) return String(r.status);
    const b = JSON.parse(text) as { status?: number; emsg?: string };
    return b.status !== undefined ? `200/${b.status}` : b.emsg !== undefined ? '200/emsg' : '200';
  } catch (e) {
    return `error ${(e as Error).name}`;
  }
}

/** The pool once idle. A poll may meet a keep-alive connection the service is just closing
 * ("other side closed"): that poll is retried, a few times. */
async function settled(url: string): Promise<Record<string, number>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await waitIdle(url, 120_000);
    } catch (e) {
      if (attempt >= 5 || !(e instanceof TypeError)) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The 4 attackers of one class, on their own thread: sending 4 x 16 MB bodies at once held the
 * measuring thread's event loop, so its /health/ timings measured this process, not the service. */
function startAttackers(url: string, name: string): { stop(): Promise<Record<string, number>> } {
  const worker = new Worker(new URL(import.meta.url), { workerData: { attackers: { url, name } } });
  const done = new Promise<Record<string, number>>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { stop: async () => { worker.postMessage('stop'); const statuses = await done; await worker.terminate(); return statuses; } };
}

async function attackUntilStopped(url: string, name: string): Promise<void> {
  const attack = CLASSES[name]!(); // built once: the body is the same every time
  let stop = false;
  parentPort!.once('message', () => { stop = true; });
  const statuses: Record<string, number> = {};
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (!stop) {
      const s = await send(url, attack);
      statuses[s] = (statuses[s] ?? 0) + 1;
    }
  }));
  parentPort!.postMessage(statuses);
}

/** One class: 4 attackers for `seconds`, a normal client, a /health/ prober, an RSS sampler. */
export async function runClass(url: string, pid: number, name: string, seconds: number): Promise<ClassResult> {
  const before = await settled(url);
  await new Promise((r) => setTimeout(r, 500));
  const idle = rssBytes(pid);
  let peak = idle;
  let stop = false;
  const attackers = CLASSES[name] ? startAttackers(url, name) : null;
  const health: number[] = [];
  const prober = (async () => {
    while (!stop) {
      const t = performance.now();
      try {
        await (await fetch(`${url}/health/`, { signal: AbortSignal.timeout(60_000) })).text();
      } catch { /* counted as slow: the timeout itself */ }
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const rss = setInterval(() => { peak = Math.max(peak, rssBytes(pid)); }, 50);
  const normal: number[] = [];
  let normalOk = 0;
  const client = (async () => {
    for (let n = 0; !stop; n++) {
      const t = performance.now();
      try {
        const r = await fetch(`${url}/api/v1/safe_exec`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: 'out = n * n + 1', globals_dict: { n } }), signal: AbortSignal.timeout(120_000),
        });
        const b = await r.json() as { globals_dict?: { out?: number } };
        if (r.status === 200 && b.globals_dict?.out === n * n + 1) normalOk++;
      } catch { /* a failed normal request is counted as not correct */ }
      normal.push(performance.now() - t);
    }
  })();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  const statuses = (await attackers?.stop()) ?? {};
  await Promise.all([prober, client]);
  clearInterval(rss);
  const after = await settled(url);
  return {
    name, attacks: Object.values(statuses).reduce((a, b) => a + b, 0), statuses,
    normalOk, normalTotal: normal.length, normalP99Ms: percentile(normal, 99),
    healthP99Ms: percentile(health, 99), healthMaxMs: Math.max(...health),
    rssGrowthMiB: (peak - idle) / 2 ** 20, replacements: (after.replacements ?? 0) - (before.replacements ?? 0),
  };
}

export function describe(r: ClassResult): string {
  const st = Object.entries(r.statuses).sort().map(([s, n]) => `${s} x${n}`).join(', ');
  return `# hostile ${r.name}: ${r.attacks} attacks (${st}); normal ${r.normalOk}/${r.normalTotal} correct, p99 ${r.normalP99Ms.toFixed(0)} ms; `
    + `/health/ p99 ${r.healthP99Ms.toFixed(0)} ms max ${r.healthMaxMs.toFixed(0)} ms; RSS +${r.rssGrowthMiB.toFixed(0)} MiB over idle (peak); replacements ${r.replacements}`;
}

async function main(): Promise<void> {
  const seconds = Number(process.env.HOSTILE_SECONDS ?? 10);
  const workers = process.env.HOSTILE_WORKERS ?? '6';
  const names = process.env.HOSTILE_CLASSES ? process.env.HOSTILE_CLASSES.split(',') : Object.keys(CLASSES);
  for (const n of names) if (!(n in CLASSES)) throw new Error(`unknown class ${n} (known: ${Object.keys(CLASSES).join(', ')})`);
  const { startService } = await import('../test/support/service.js');
  const svc = await startService({
    CODEJAIL_WASM_WORKERS: workers,
    CODEJAIL_WASM_IMAGES: process.env.HOSTILE_IMAGES ?? 'py311-base',
    CODEJAIL_WASM_DEFAULT_IMAGE: process.env.HOSTILE_DEFAULT_IMAGE ?? 'py311-base',
  });
  const pid = svc.child.pid!;
  const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`# hostile: ${svc.url}, ${workers} workers, ${seconds} s per class, 4 attackers + 1 normal client + /health/ every 20 ms; idle RSS ${(rssBytes(pid) / 2 ** 20).toFixed(0)} MiB; load average ${load()}`);
  const results: ClassResult[] = [];
  try {
    for (const name of names) {
      const r = await runClass(svc.url, pid, name, seconds);
      results.push(r);
      console.log(describe(r));
    }
  } finally {
    const code = await svc.stop();
    console.log(`# hostile: service exited with ${code}; load average ${load()}`);
  }
  const worst = (f: (r: ClassResult) => number) => Math.max(...results.filter((r) => r.name !== 'none').map(f));
  const base = results.find((r) => r.name === 'none');
  const baseline = base ? ` (no attack, same run: ${base.healthP99Ms.toFixed(0)} ms)` : '';
  console.log(`# hostile worst: /health/ p99 ${worst((r) => r.healthP99Ms).toFixed(0)} ms${baseline} (target <= 100), RSS +${worst((r) => r.rssGrowthMiB).toFixed(0)} MiB (target <= 256), `
    + `replacements ${results.reduce((a, r) => a + r.replacements, 0)} (target 0), normal answers wrong ${results.reduce((a, r) => a + r.normalTotal - r.normalOk, 0)} (target 0)`);
}

if (!isMainThread && (workerData as { attackers?: { url: string; name: string } })?.attackers) {
  const { url, name } = (workerData as { attackers: { url: string; name: string } }).attackers;
  void attackUntilStopped(url, name);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
