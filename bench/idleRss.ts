// Idle memory of the service with its default configuration: starts `node dist/src/server/main.js`
// (every image, the default worker counts), waits until /health/ answers 200 (start-up self-test
// passed), lets it settle, and reads the process's resident memory from /proc.
//
//   npm run bench:rss [-- --settle-ms 3000 --runs 1]
//
// Prints VmRSS (resident now), VmHWM (peak resident, i.e. during start-up) and, from
// smaps_rollup, how much of the resident memory is anonymous (heaps, wasm memories, snapshots)
// versus file-backed (the node binary and libraries); then, from /proc/PID/smaps, where it is:
// wasm linear memories (each worker's instance, and the dirty-chunk marks); malloc'd blocks of
// 128 KiB or more, told apart by their first bytes (/proc/PID/mem): the compiled modules' wasm
// bytes, the image files' zips, the snapshots in shared memory, the compressed snapshots of images
// at rest; the malloc arenas of other threads; the main malloc heap; other anonymous memory (the
// isolates' V8 heaps, stacks); executable code; files. Then, for each image other than the
// default, the wall time of a first trivial safe_exec in it and of the next one (warm), and the
// resident memory after. No course is mapped to those images in the default configuration, so
// they are dormant (DormantPool): the first request reads the image's artifacts, compiles its
// runtime and expands the snapshot kept compressed since start-up on a thread of its own, and
// starts a worker (thread, instance, full copy of the snapshot). Linux only.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadImageCatalog } from '../src/runtime/imageCatalog.js';

const { values } = parseArgs({ options: { 'settle-ms': { type: 'string' }, runs: { type: 'string' } } });
const settleMs = Number(values['settle-ms'] ?? 3000);
const runs = Number(values.runs ?? 1);
const MAIN = fileURLToPath(new URL('../src/server/main.js', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function kib(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  if (!m) throw new Error(`no ${field} in /proc status`);
  return Number(m[1]);
}

const mib = (k: number): string => (k / 1024).toFixed(0);

interface Mapping { start: number; end: number; perm: string; name: string; rssKib: number }

function mappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      out.push({ start: parseInt(head[1]!, 16), end: parseInt(head[2]!, 16), perm: head[3]!, name: head[4]!.trim(), rssKib: 0 });
    } else if (line.startsWith('Rss:') && out.length > 0) {
      out[out.length - 1]!.rssKib = Number(/\d+/.exec(line)![0]);
    }
  }
  return out;
}

/** glibc's malloc: a thread's arena grows in heaps aligned to their maximum size (64 MiB on
 * 64-bit); a block of 128 KiB or more (the service's mmap threshold) is a mapping of its own,
 * behind a 16-byte header whose size field has the IS_MMAPPED bit. Adjacent such mappings merge
 * into one mapping in /proc, so the blocks are found by walking the headers. */
const ARENA_HEAP = 64 * 1024 * 1024;
const IS_MMAPPED = 2;

/** What a malloc'd block is, from its first bytes. */
function blockKind(head: Buffer, bytes: number): string {
  if (head.subarray(0, 4).equals(Buffer.from([0, 0x61, 0x73, 0x6d]))) return 'wasm module bytes (V8\'s copy in each compiled module, and any loaded image\'s)';
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'image files: zips (one shared copy each)';
  // A zstd frame (its magic number), or a zlib stream at level 1 (where node lacks zstd).
  if (head.readUInt32LE(0) === 0xfd2fb528 || (head[0] === 0x78 && head[1] === 0x01)) return 'resting snapshots (compressed)';
  return bytes >= 8 * 1024 * 1024 ? 'snapshots in shared memory (and any other buffer of 8 MiB or more)' : 'other malloc\'d blocks of 128 KiB-8 MiB (image files, buffers)';
}

/** Resident KiB of the malloc'd blocks in one mapping, by kind (null: not a run of blocks). */
function blocksIn(mem: number, m: Mapping): Map<string, number> | null {
  const out = new Map<string, number>();
  const header = Buffer.alloc(32);
  let at = m.start;
  while (at < m.end) {
    if (readSync(mem, header, 0, 32, at) !== 32) return null;
    const size = Number(header.readBigUInt64LE(8));
    if ((size & IS_MMAPPED) === 0 || (size & ~7) === 0 || at + (size & ~7) > m.end) return null;
    const bytes = size & ~7;
    const kind = blockKind(header.subarray(16), bytes);
    out.set(kind, (out.get(kind) ?? 0) + bytes / 1024);
    at += bytes;
  }
  // Resident share of the mapping, spread over its blocks (they are written whole, resident whole).
  const total = (m.end - m.start) / 1024;
  for (const [k, v] of out) out.set(k, (v / total) * m.rssKib);
  return out;
}

/** Resident KiB by kind of mapping. A wasm memory is a read-write mapping followed by the
 * engine's guard region (inaccessible, GiBs); the marks memory of the store barrier counts there. */
function residentByKind(pid: number): [string, number][] {
  const maps = mappings(pid);
  const kinds = new Map<string, number>();
  const add = (kind: string, k: number) => kinds.set(kind, (kinds.get(kind) ?? 0) + k);
  const mem = openSync(`/proc/${pid}/mem`, 'r');
  try {
    maps.forEach((m, i) => {
      const next = maps[i + 1];
      const guarded = !!next && next.start === m.end && next.perm === '---p' && next.end - next.start > 2 ** 30;
      if (m.name === '[heap]') return add('main malloc heap (main thread\'s arena: small image files, JS engine\'s C++ side)', m.rssKib);
      if (m.name.startsWith('/')) return add('files (node binary, libraries)', m.rssKib);
      if (m.name) return add(`other (${m.name})`, m.rssKib);
      if (m.perm.includes('x')) return add('executable code (wasm and JIT)', m.rssKib);
      if (m.perm.startsWith('rw') && guarded) return add('wasm linear memories (one per worker)', m.rssKib);
      if (m.perm.startsWith('rw') && m.start % ARENA_HEAP === 0) return add('malloc arenas of other threads (compiler threads, workers)', m.rssKib);
      if (m.perm.startsWith('rw') && m.rssKib >= 1024) {
        const blocks = blocksIn(mem, m);
        if (blocks) {
          for (const [kind, k] of blocks) add(kind, k);
          return;
        }
      }
      add('other anonymous (V8 heaps, stacks)', m.rssKib);
    });
  } finally {
    closeSync(mem);
  }
  return [...kinds].filter(([, k]) => k >= 1024).sort((a, b) => b[1] - a[1]);
}

interface OnDemand { image: string; firstMs: number; nextMs: number }

/** A trivial safe_exec in `image` over the native API: its wall time, checked answer. */
async function safeExecMs(port: number, image: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/safe_exec`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'x = x + 1', globals_dict: { x: 1 }, image }),
  });
  const body = await res.json() as { globals_dict?: { x?: number } };
  const ms = performance.now() - t;
  if (res.status !== 200 || body.globals_dict?.x !== 2) throw new Error(`safe_exec in ${image}: ${res.status} ${JSON.stringify(body)}`);
  return ms;
}

async function once(): Promise<{ rss: number; hwm: number; anon: number; file: number; startMs: number; kinds: [string, number][]; onDemand: OnDemand[]; rssAfter: number }> {
  const port = await freePort();
  // Only what the service needs to listen: every other setting is the default configuration.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CODEJAIL_WASM_')));
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN], { env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}): ${err}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health/`)).status === 200) break;
      } catch { /* not listening yet */ }
      if (performance.now() - t0 > 300_000) throw new Error('the service did not become healthy within 300 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const startMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, settleMs));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${child.pid}/smaps_rollup`, 'utf8');
    const kinds = residentByKind(child.pid!);
    const catalog = loadImageCatalog(); // the service's default configuration, as it loaded it
    const onDemand: OnDemand[] = [];
    for (const name of [...catalog.images.keys()].filter((n) => n !== catalog.defaultImage)) {
      onDemand.push({ image: name, firstMs: await safeExecMs(port, name), nextMs: await safeExecMs(port, name) });
    }
    return {
      rss: kib(status, 'VmRSS'), hwm: kib(status, 'VmHWM'),
      anon: kib(rollup, 'Anonymous'), file: kib(status, 'RssFile'), startMs, kinds, onDemand,
      rssAfter: kib(readFileSync(`/proc/${child.pid}/status`, 'utf8'), 'VmRSS'),
    };
  } finally {
    child.kill('SIGKILL');
  }
}

for (let i = 0; i < runs; i++) {
  const r = await once();
  console.log(`idle RSS ${mib(r.rss)} MiB (anonymous ${mib(r.anon)} MiB, file-backed ${mib(r.file)} MiB), peak ${mib(r.hwm)} MiB; ` +
    `healthy after ${(r.startMs / 1000).toFixed(1)} s, measured ${settleMs} ms later; Node ${process.version}`);
  for (const [kind, k] of r.kinds) console.log(`  ${mib(k).padStart(5)} MiB  ${kind}`);
  for (const d of r.onDemand) {
    console.log(`first safe_exec in ${d.image} (dormant: reads and compiles the image, expands its snapshot; starts a worker): ${d.firstMs.toFixed(0)} ms; the next: ${d.nextMs.toFixed(1)} ms`);
  }
  if (r.onDemand.length > 0) console.log(`RSS with those workers started: ${mib(r.rssAfter)} MiB`);
  console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
}
