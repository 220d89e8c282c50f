// Host time per unit of work, for the prices in src/sandbox/wasi/hostWork.ts (HOST_NS). The WASI
// host is driven directly (no interpreter): each import is called the way the guest would call
// it, against an in-memory FS and a plain WebAssembly.Memory, and timed. Prints, per unit, the
// median over rounds and the price charged; a price below the measurement undercharges.
//
//   npm run bench:hostwork
import { loadavg } from 'node:os';
import { buildReadOnlyTree, InMemoryFs, type DirNode } from '../src/sandbox/wasi/InMemoryFs.js';
import { OutputBuffer } from '../src/sandbox/wasi/OutputBuffer.js';
import { WasiHost } from '../src/sandbox/wasi/WasiHost.js';
import { GuestMemory } from '../src/sandbox/wasi/GuestMemory.js';
import { HOST_NS } from '../src/sandbox/wasi/hostWork.js';
import { median } from './stats.js';

const BIG = 12 << 20; // the size of the stdlib zip
const DEPTH = 200;

function setup(seed: number | null) {
  const base = buildReadOnlyTree([{ path: '/usr/lib/big.bin', data: new Uint8Array(BIG) }], ['/tmp']);
  const fs = new InMemoryFs(base, '/tmp/j', { maxFileBytes: 1 << 30, totalBytes: 1 << 30, maxNodes: 10_000 });
  fs.placeDir('/tmp/j/tmp/', true);
  let d = fs.resolve(fs.root, '/tmp/j/tmp') as DirNode;
  for (let i = 0; i < DEPTH; i++) d = fs.createDir(d, 'd');
  const host = new WasiHost({
    fs, stdin: new Uint8Array(0), stdout: new OutputBuffer(1 << 30), stderr: new OutputBuffer(1 << 20), seed,
    chargeFuel: () => true, endRun: (reason) => reason, fuelPerSecond: 0, realtimeBudgetMs: 0, elapsedMs: () => 0, deterministicClock: false,
  });
  const memory = new WebAssembly.Memory({ initial: (BIG >> 16) + 64 });
  host.bindMemory(new GuestMemory(memory, null));
  const imports = host.imports() as unknown as Record<string, (...a: (number | bigint)[]) => number>;
  return { memory, imports, u8: new Uint8Array(memory.buffer), dv: new DataView(memory.buffer) };
}

/** Median ns per call of fn over `rounds` rounds of `n` calls. */
function nsPerCall(n: number, fn: () => void, rounds = 7): number {
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    per.push(Number(process.hrtime.bigint() - t) / n);
  }
  return median(per);
}

function check(rc: number): void {
  if (rc !== 0) throw new Error(`WASI call failed with errno ${rc}`);
}

function main(): void {
  const { imports, u8, dv } = setup(null);
  const OUT = 1024; // scratch for results
  const IOV = 2048; // iovec arrays
  const STR = 65536; // path strings
  const DATA = 1 << 20; // file data destination
  /** Put a path string at STR; returns its length in bytes. */
  const str = (s: string): number => {
    const b = Buffer.from(s);
    u8.set(b, STR);
    return b.length;
  };

  // A call that does nothing else: clock_time_get.
  const call = nsPerCall(200_000, () => check(imports.clock_time_get!(1, 0n, OUT)));

  // Bytes: pread of the 12 MiB file into guest memory (one iovec).
  check(imports.path_open!(3, 0, STR, str('usr/lib/big.bin'), 0, 2n, 0n, 0, OUT));
  const fd = dv.getUint32(OUT, true);
  dv.setUint32(IOV, DATA, true);
  dv.setUint32(IOV + 4, BIG, true);
  const pread = nsPerCall(5, () => check(imports.fd_pread!(fd, IOV, 1, 0n, OUT)));
  const byte = (pread - call) / BIG;

  // Steps: a lookup through DEPTH directories ('tmp/j/d/d/.../d/nope'), less its bytes.
  const deepPath = `tmp/j/tmp/${'d/'.repeat(DEPTH)}nope`;
  const len = str(deepPath);
  const lookup = nsPerCall(5_000, () => { imports.path_filestat_get!(3, 0, STR, len, OUT); });
  const stepLookup = (lookup - call - len * byte) / (DEPTH + 4);

  // Steps: writev of 1,024 one-byte iovecs to stdout, less its bytes.
  for (let i = 0; i < 1024; i++) {
    dv.setUint32(IOV + i * 8, DATA + i, true);
    dv.setUint32(IOV + i * 8 + 4, 1, true);
  }
  const writev = nsPerCall(2_000, () => check(imports.fd_write!(1, IOV, 1024, OUT)));
  const stepIovec = (writev - call - 1024 * byte) / 1024;

  // Random bytes, both modes: 64 KiB per call.
  const csprng = nsPerCall(200, () => check(imports.random_get!(DATA, 65536))) / 65536;
  const seeded = setup(7).imports;
  const keystream = nsPerCall(200, () => check(seeded.random_get!(DATA, 65536))) / 65536;

  const row = (unit: string, measured: number, price: number) =>
    console.log(`${unit.padEnd(28)} ${measured.toFixed(2).padStart(9)} ns   price ${String(price).padStart(6)} ns   ${measured > price ? 'UNDERCHARGED' : 'ok'}`);
  console.log(`# host work per unit (median of 7 rounds), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  row('call (clock_time_get)', call, HOST_NS.call);
  row('byte (pread 12 MiB)', byte, HOST_NS.byte);
  row(`step (lookup, ${DEPTH + 4} components)`, stepLookup, HOST_NS.step);
  row('step (iovec, 1-byte writev)', stepIovec, HOST_NS.step);
  row('random byte (CSPRNG)', csprng, HOST_NS.randomByte);
  row('random byte (seeded AES-CTR)', keystream, HOST_NS.randomByte);
}

main();
