// Our WASI preview1 host: every import the CPython reactor may call, served from an
// InMemoryFs, in-memory stdio buffers, a clock and a random source. No call reaches
// the host's filesystem, environment, network or processes. Unsupported calls return a
// WASI errno; nothing throws into the engine except proc_exit and the limit signals below.
// Every call is charged to the run's fuel before its work is done (hostWork.ts).
import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import {
  ALL_RIGHTS, ClockId, Errno, EventType, FdFlags, FileType, FstFlags, OFlags, SubclockFlags, Whence,
} from './constants.js';
import { DeviceNode, DirNode, FileNode, FsError, InMemoryFs, missing, splitPath, type Node } from './InMemoryFs.js';
import { OutputBuffer } from './OutputBuffer.js';
import { fillFromCsprng } from './csprngPool.js';
import { hostWorkFuel, type HostWork } from './hostWork.js';
import type { GuestMemory } from './GuestMemory.js';
import { testFault } from '../testFaults.js';

/** The sabotage check's switch (testFaults.ts): copy a write's bytes before checking FSIZE and
 * the quota, as the host once did. */
const COPY_BEFORE_CHECK = testFault('copyBeforeFsize') === '1';

/** Thrown by proc_exit: unwinds the guest; the instance must be reset afterwards. */
export class ProcExit {
  constructor(readonly code: number) {}
}
/** Thrown when the run reaches its wall-clock REALTIME, in a sleep or between fuel slices
 * (codejail kills at REALTIME: -9). */
export class RealtimeExceeded {}
/** Thrown when the run's fuel cannot pay for a host call (codejail's CPU limit: -24). */
export class HostFuelExhausted {}

interface OpenFile { kind: 'file'; node: FileNode; pos: number; append: boolean; readable: boolean; writable: boolean }
interface OpenDir { kind: 'dir'; node: DirNode; preopen?: string }
interface OpenStdio { kind: 'stdin' | 'stdout' | 'stderr' }
interface OpenDevice { kind: 'device'; node: DeviceNode; readable: boolean; writable: boolean }
type Descriptor = OpenFile | OpenDir | OpenStdio | OpenDevice;

/** Per-run state the host serves; replaced wholesale by reset(). */
export interface HostRun {
  fs: InMemoryFs;
  stdin: Uint8Array;
  stdout: OutputBuffer;
  stderr: OutputBuffer;
  /** random_get: null reads the host's CSPRNG (as os.urandom does natively); a number gives a
   * reproducible stream (tests, `compare`), which anyone who knows the number can predict. */
  seed: number | null;
  /** Take `units` of fuel for host work; false (budget exhausted, or the run has ended) when it
   * cannot be covered. */
  chargeFuel: (units: number) => boolean;
  /** End the run with `reason`: returns what to throw into the guest, which is the run's first
   * end if it had already ended. The guest can catch what the host throws (C++'s catch (...)),
   * so the end must stick: the fuel meter rethrows it at every later check (fuel.ts). */
  endRun: (reason: ProcExit | RealtimeExceeded | HostFuelExhausted) => unknown;
  /** Fuel units per codejail CPU second: host work is priced in CPU time. */
  fuelPerSecond: number;
  /** REALTIME: wall-clock budget of the run in ms (0 = none). */
  realtimeBudgetMs: number;
  /** Wall-clock time since the run started, ms. */
  elapsedMs: () => number;
  /** Deterministic clocks (snapshot building, tests): time advances 1 ms per reading. */
  deterministicClock: boolean;
}

const MAX_FDS = 256;

export class WasiHost {
  private mem!: GuestMemory;
  private fds = new Map<number, Descriptor>();
  private stdinPos = 0;
  private random: Cipher | null = null;
  private clockTicks = 0n;
  /** The run's CPU clock's last reading, ns (it never goes back). */
  private cpuNs = 0n;
  /** Wall-clock ns less the monotonic clock's, taken when the run starts. */
  private realtimeBaseNs = 0n;
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));
  /** Number of WASI calls served in the current run (diagnostics). */
  calls = 0;
  /** Time the program spent in sleeps during the current run (as measured, waking included), ms. */
  sleptMs = 0;
  run!: HostRun;

  constructor(run: HostRun) {
    this.reset(run);
  }

  /** The instance's memory; every host write into it goes through `memory`, which marks it dirty. */
  bindMemory(memory: GuestMemory): void {
    this.mem = memory;
  }

  /** Fresh per-run state: fds 0-3 exactly as after interpreter initialisation. */
  reset(run: HostRun): void {
    this.run = run;
    run.fs.meter = (steps) => this.charge({ steps });
    run.fs.clock = () => this.now(ClockId.REALTIME);
    this.fds = new Map<number, Descriptor>([
      [0, { kind: 'stdin' }], [1, { kind: 'stdout' }], [2, { kind: 'stderr' }],
      [3, { kind: 'dir', node: run.fs.root, preopen: '/' }],
    ]);
    this.stdinPos = 0;
    this.random = null;
    this.clockTicks = 0n;
    this.cpuNs = 0n;
    this.realtimeBaseNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    this.calls = 0;
    this.sleptMs = 0;
  }

  /** DataView's accessors over guest memory; its setters mark what they write (GuestMemory). */
  private view(): GuestMemory {
    return this.mem;
  }

  private str(ptr: number, len: number): string {
    return Buffer.from(this.bytesAt(ptr, len)).toString('utf8');
  }

  /** A view of guest memory (valid until the next memory.grow); throws RangeError when out of bounds. */
  private bytesAt(ptr: number, len: number): Uint8Array {
    return this.mem.bytes(ptr, len);
  }

  /** Every host write of bytes into guest memory goes through writeBytes or writableAt (view()
   * covers the small fixed-size results); all of them end in GuestMemory, which marks them. */
  private writeBytes(ptr: number, bytes: Uint8Array): void {
    this.writableAt(ptr, bytes.length).set(bytes);
  }

  /** A view of guest memory the host is about to fill. */
  private writableAt(ptr: number, len: number): Uint8Array {
    return this.mem.writable(ptr, len);
  }

  /** Charge the run for work the host is about to do; ends the run (-24) if it cannot pay. */
  private charge(work: HostWork): void {
    if (!this.run.chargeFuel(hostWorkFuel(work, this.run.fuelPerSecond))) throw this.run.endRun(new HostFuelExhausted());
  }

  /** A path argument: its bytes are charged before it is decoded, its components before it is resolved. */
  private path(ptr: number, len: number): string {
    this.charge({ bytes: len });
    const path = this.str(ptr, len);
    this.charge({ steps: splitPath(path).length });
    return path;
  }

  /** The import object for `wasi_snapshot_preview1`. */
  imports(): Record<string, (...args: never[]) => number | void> {
    const wrap = <A extends unknown[]>(fn: (...a: A) => number) => (...a: A): number => {
      this.calls++;
      try {
        this.charge({ calls: 1 });
        return fn(...a);
      } catch (e) {
        if (e instanceof FsError) return e.errno;
        if (e instanceof ProcExit || e instanceof RealtimeExceeded || e instanceof HostFuelExhausted) throw e;
        if (e instanceof RangeError) return Errno.FAULT; // out-of-bounds pointer from the guest
        throw e;
      }
    };
    const h = this;
    const unsupported = () => Errno.NOTSUP;
    return {
      args_get: wrap(() => Errno.SUCCESS),
      args_sizes_get: wrap((argc: number, bufSize: number) => {
        const dv = h.view(); dv.setUint32(argc, 0, true); dv.setUint32(bufSize, 0, true); return Errno.SUCCESS;
      }),
      environ_get: wrap(() => Errno.SUCCESS),
      environ_sizes_get: wrap((count: number, bufSize: number) => {
        const dv = h.view(); dv.setUint32(count, 0, true); dv.setUint32(bufSize, 0, true); return Errno.SUCCESS;
      }),
      // 1 ns, as Linux reports for every clock: the wall and monotonic clocks are read in ns
      // (process.hrtime), the CPU clocks from performance.now() to well under a microsecond.
      clock_res_get: wrap((_id: number, out: number) => {
        h.view().setBigUint64(out, 1n, true); return Errno.SUCCESS;
      }),
      clock_time_get: wrap((id: number, _precision: bigint, out: number) => {
        h.view().setBigUint64(out, h.now(id), true); return Errno.SUCCESS;
      }),
      fd_advise: wrap((fd: number) => (h.fds.has(fd) ? Errno.SUCCESS : Errno.BADF)),
      fd_allocate: wrap((fd: number, offset: bigint, len: bigint) => {
        const f = h.file(fd);
        if (!f.writable) return Errno.BADF;
        h.resize(f.node, Number(offset + len), true);
        return Errno.SUCCESS;
      }),
      fd_close: wrap((fd: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        h.close(fd, d); return Errno.SUCCESS;
      }),
      fd_datasync: wrap((fd: number) => (h.fds.has(fd) ? Errno.SUCCESS : Errno.BADF)),
      fd_sync: wrap((fd: number) => (h.fds.has(fd) ? Errno.SUCCESS : Errno.BADF)),
      fd_fdstat_get: wrap((fd: number, out: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        const dv = h.view();
        // stdio looks like a pipe: not a character device, so isatty() is false as under codejail.
        const type = d.kind === 'file' ? FileType.REGULAR_FILE : d.kind === 'dir' ? FileType.DIRECTORY
          : d.kind === 'device' ? FileType.CHARACTER_DEVICE : FileType.UNKNOWN;
        dv.setUint8(out, type);
        dv.setUint16(out + 2, d.kind === 'file' && d.append ? FdFlags.APPEND : 0, true);
        dv.setBigUint64(out + 8, ALL_RIGHTS, true);
        dv.setBigUint64(out + 16, ALL_RIGHTS, true);
        return Errno.SUCCESS;
      }),
      fd_fdstat_set_flags: wrap((fd: number, flags: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        if (d.kind === 'file') d.append = (flags & FdFlags.APPEND) !== 0;
        return Errno.SUCCESS;
      }),
      fd_fdstat_set_rights: wrap((fd: number) => (h.fds.has(fd) ? Errno.SUCCESS : Errno.BADF)),
      fd_filestat_get: wrap((fd: number, out: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        if (d.kind === 'file' || d.kind === 'dir' || d.kind === 'device') h.writeFilestat(out, d.node);
        else h.writeStdioFilestat(out, fd);
        return Errno.SUCCESS;
      }),
      fd_filestat_set_size: wrap((fd: number, size: bigint) => {
        const f = h.file(fd);
        if (!f.writable) return Errno.BADF;
        h.resize(f.node, Number(size), false); return Errno.SUCCESS;
      }),
      fd_filestat_set_times: wrap((fd: number, _atim: bigint, mtim: bigint, fstFlags: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        if ((d.kind === 'file' || d.kind === 'dir') && d.node.writable) h.setMtime(d.node, mtim, fstFlags);
        return Errno.SUCCESS;
      }),
      fd_pread: wrap((fd: number, iovs: number, iovsLen: number, offset: bigint, nread: number) => {
        const f = h.file(fd);
        if (!f.readable) return Errno.BADF;
        const total = h.readFile(f.node, Number(offset), h.iovecs(iovs, iovsLen));
        h.view().setUint32(nread, total, true); return Errno.SUCCESS;
      }),
      fd_pwrite: wrap((fd: number, iovs: number, iovsLen: number, offset: bigint, nwritten: number) => {
        const f = h.file(fd);
        if (!f.writable) return Errno.BADF;
        const total = h.writeFile(f.node, Number(offset), h.iovecs(iovs, iovsLen));
        h.view().setUint32(nwritten, total, true); return Errno.SUCCESS;
      }),
      fd_prestat_get: wrap((fd: number, out: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        if (d.kind !== 'dir' || d.preopen === undefined) return Errno.BADF;
        const dv = h.view(); dv.setUint8(out, 0); dv.setUint32(out + 4, Buffer.byteLength(d.preopen), true);
        return Errno.SUCCESS;
      }),
      fd_prestat_dir_name: wrap((fd: number, ptr: number, len: number) => {
        const d = h.fds.get(fd);
        if (!d || d.kind !== 'dir' || d.preopen === undefined) return Errno.BADF;
        h.writeBytes(ptr, Buffer.from(d.preopen).subarray(0, len)); return Errno.SUCCESS;
      }),
      fd_read: wrap((fd: number, iovs: number, iovsLen: number, nread: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        let total: number;
        if (d.kind === 'stdin') {
          total = h.readStdin(h.iovecs(iovs, iovsLen));
        } else if (d.kind === 'file') {
          if (!d.readable) return Errno.BADF;
          total = h.readFile(d.node, d.pos, h.iovecs(iovs, iovsLen));
          d.pos += total;
        } else if (d.kind === 'device') {
          if (!d.readable) return Errno.BADF;
          total = h.readDevice(d.node, h.iovecs(iovs, iovsLen));
        } else if (d.kind === 'dir') {
          return Errno.ISDIR;
        } else {
          return Errno.BADF;
        }
        h.view().setUint32(nread, total, true); return Errno.SUCCESS;
      }),
      fd_readdir: wrap((fd: number, bufPtr: number, bufLen: number, cookie: bigint, used: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        if (d.kind !== 'dir') return Errno.NOTDIR;
        h.view().setUint32(used, h.readdir(d.node, bufPtr, bufLen, cookie), true); return Errno.SUCCESS;
      }),
      fd_renumber: wrap((from: number, to: number) => {
        const d = h.fds.get(from);
        const old = h.fds.get(to);
        if (!d || !old) return Errno.BADF;
        if (from === to) return Errno.SUCCESS;
        h.close(to, old);
        h.fds.set(to, d); h.fds.delete(from); return Errno.SUCCESS;
      }),
      fd_seek: wrap((fd: number, offset: bigint, whence: number, out: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        if (d.kind === 'device') { h.view().setBigUint64(out, 0n, true); return Errno.SUCCESS; }
        if (d.kind !== 'file') return d.kind === 'dir' ? Errno.ISDIR : Errno.SPIPE;
        const base = whence === Whence.SET ? 0 : whence === Whence.CUR ? d.pos : whence === Whence.END ? d.node.size : -1;
        if (base < 0) return Errno.INVAL;
        const pos = base + Number(offset);
        if (pos < 0) return Errno.INVAL;
        d.pos = pos;
        h.view().setBigUint64(out, BigInt(pos), true); return Errno.SUCCESS;
      }),
      fd_tell: wrap((fd: number, out: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        if (d.kind !== 'file') return Errno.SPIPE;
        h.view().setBigUint64(out, BigInt(d.pos), true); return Errno.SUCCESS;
      }),
      fd_write: wrap((fd: number, iovs: number, iovsLen: number, nwritten: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        let total: number;
        if (d.kind === 'stdout' || d.kind === 'stderr') {
          total = h.writeOutput(d.kind === 'stdout' ? h.run.stdout : h.run.stderr, h.iovecs(iovs, iovsLen));
        } else if (d.kind === 'file') {
          if (!d.writable) return Errno.BADF;
          if (d.append) d.pos = d.node.size;
          total = h.writeFile(d.node, d.pos, h.iovecs(iovs, iovsLen));
          d.pos += total;
        } else if (d.kind === 'device') {
          if (!d.writable) return Errno.BADF;
          if (d.node.device === 'full') return Errno.NOSPC;
          total = WasiHost.iovecBytes(h.iovecs(iovs, iovsLen)); // discarded unread: nothing is copied
        } else return d.kind === 'dir' ? Errno.ISDIR : Errno.BADF;
        h.view().setUint32(nwritten, total, true); return Errno.SUCCESS;
      }),
      path_create_directory: wrap((fd: number, ptr: number, len: number) => {
        const { parent, name } = h.run.fs.resolveParent(h.dir(fd), h.path(ptr, len));
        if (name === null) return Errno.EXIST;
        h.run.fs.createDir(parent, name); return Errno.SUCCESS;
      }),
      path_filestat_get: wrap((fd: number, _flags: number, ptr: number, len: number, out: number) => {
        h.writeFilestat(out, h.run.fs.resolve(h.dir(fd), h.path(ptr, len))); return Errno.SUCCESS;
      }),
      path_filestat_set_times: wrap((fd: number, _flags: number, ptr: number, len: number, _atim: bigint, mtim: bigint, fstFlags: number) => {
        const node = h.run.fs.resolve(h.dir(fd), h.path(ptr, len));
        if (!node.writable) return Errno.ACCES;
        h.setMtime(node, mtim, fstFlags); return Errno.SUCCESS;
      }),
      path_link: wrap(() => Errno.PERM),
      path_open: wrap((fd: number, _dirflags: number, ptr: number, len: number, oflags: number,
        rightsBase: bigint, _rightsInh: bigint, fdflags: number, out: number) => {
        const fs = h.run.fs;
        const { parent, name } = fs.resolveParent(h.dir(fd), h.path(ptr, len));
        let node: Node | undefined = name === null ? parent : parent.entries.get(name);
        const wantWrite = (rightsBase & (1n << 6n)) !== 0n || (oflags & OFlags.TRUNC) !== 0;
        if (h.fds.size >= MAX_FDS) return Errno.MFILE; // before anything is created
        if (!node) {
          if (!(oflags & OFlags.CREAT) || name === null) return missing(parent);
          if (oflags & OFlags.DIRECTORY) return missing(parent);
          node = fs.createFile(parent, name);
        } else if ((oflags & OFlags.CREAT) && (oflags & OFlags.EXCL)) {
          return Errno.EXIST;
        }
        if (node.kind === 'dir') {
          if (wantWrite && !(oflags & OFlags.DIRECTORY)) return Errno.ISDIR;
          if (!node.readable) return Errno.ACCES;
          return h.allocate(out, { kind: 'dir', node });
        }
        if (oflags & OFlags.DIRECTORY) return Errno.NOTDIR;
        if (!node.readable || (wantWrite && !node.writable)) return Errno.ACCES;
        if (node instanceof DeviceNode) {
          const readable = (rightsBase & (1n << 1n)) !== 0n || !wantWrite;
          return h.allocate(out, { kind: 'device', node, readable, writable: wantWrite });
        }
        if (oflags & OFlags.TRUNC) fs.truncate(node, 0);
        const readable = (rightsBase & (1n << 1n)) !== 0n || !wantWrite;
        return h.allocate(out, {
          kind: 'file', node, pos: 0, append: (fdflags & FdFlags.APPEND) !== 0, readable, writable: wantWrite,
        });
      }),
      path_readlink: wrap((fd: number, ptr: number, len: number) => {
        h.run.fs.resolve(h.dir(fd), h.path(ptr, len));
        return Errno.INVAL; // there are no symlinks
      }),
      path_remove_directory: wrap((fd: number, ptr: number, len: number) => {
        const { parent, name } = h.run.fs.resolveParent(h.dir(fd), h.path(ptr, len));
        if (name === null) return Errno.ACCES;
        h.run.fs.remove(parent, name, true); return Errno.SUCCESS;
      }),
      path_rename: wrap((fd: number, p1: number, l1: number, fd2: number, p2: number, l2: number) => {
        const a = h.run.fs.resolveParent(h.dir(fd), h.path(p1, l1));
        const b = h.run.fs.resolveParent(h.dir(fd2), h.path(p2, l2));
        if (a.name === null || b.name === null) return Errno.INVAL;
        h.run.fs.rename(a.parent, a.name, b.parent, b.name); return Errno.SUCCESS;
      }),
      path_symlink: wrap(() => Errno.PERM),
      path_unlink_file: wrap((fd: number, ptr: number, len: number) => {
        const { parent, name } = h.run.fs.resolveParent(h.dir(fd), h.path(ptr, len));
        if (name === null) return Errno.ISDIR;
        h.run.fs.remove(parent, name, false); return Errno.SUCCESS;
      }),
      poll_oneoff: wrap((inPtr: number, outPtr: number, nsubs: number, nevents: number) => h.poll(inPtr, outPtr, nsubs, nevents)),
      proc_exit: (code: number) => {
        throw h.run.endRun(new ProcExit(code));
      },
      proc_raise: wrap(() => Errno.NOSYS),
      random_get: wrap((ptr: number, len: number) => {
        h.charge({ randomBytes: len });
        h.fillRandom(h.writableAt(ptr, len)); return Errno.SUCCESS;
      }),
      sched_yield: wrap(() => Errno.SUCCESS),
      sock_accept: wrap(unsupported),
      sock_recv: wrap(unsupported),
      sock_send: wrap(unsupported),
      sock_shutdown: wrap(unsupported),
    };
  }

  private allocate(out: number, d: Descriptor): number {
    let fd = 4;
    while (this.fds.has(fd)) fd++;
    if (fd >= MAX_FDS) return Errno.MFILE;
    this.fds.set(fd, d);
    if (d.kind === 'file') this.run.fs.opened(d.node);
    this.view().setUint32(out, fd, true);
    return Errno.SUCCESS;
  }

  private close(fd: number, d: Descriptor): void {
    this.fds.delete(fd);
    if (d.kind === 'file') this.run.fs.closed(d.node);
  }

  private file(fd: number): OpenFile {
    const d = this.fds.get(fd);
    if (!d) throw new FsError(Errno.BADF);
    if (d.kind === 'dir') throw new FsError(Errno.ISDIR);
    if (d.kind !== 'file') throw new FsError(Errno.SPIPE);
    return d;
  }

  private dir(fd: number): DirNode {
    const d = this.fds.get(fd);
    if (!d) throw new FsError(Errno.BADF);
    if (d.kind !== 'dir') throw new FsError(Errno.NOTDIR);
    return d.node;
  }

  /** An iovec array, charged per entry before it is decoded: [ptr0, len0, ptr1, len1, ...]. */
  private iovecs(ptr: number, count: number): number[] {
    this.charge({ steps: count });
    const dv = this.view();
    const out = new Array<number>(count * 2);
    for (let i = 0; i < count; i++) {
      out[i * 2] = dv.getUint32(ptr + i * 8, true);
      out[i * 2 + 1] = dv.getUint32(ptr + i * 8 + 4, true);
    }
    return out;
  }

  private static iovecBytes(iov: number[]): number {
    let total = 0;
    for (let i = 1; i < iov.length; i += 2) total += iov[i]!;
    return total;
  }

  /** Copy file bytes from `pos` into the iovecs; charged by the bytes actually moved. */
  private readFile(node: FileNode, pos: number, iov: number[]): number {
    this.charge({ bytes: node.bytesAt(pos, WasiHost.iovecBytes(iov)) });
    let total = 0;
    for (let i = 0; i < iov.length; i += 2) {
      const len = iov[i + 1]!;
      let done = 0;
      // A read stops at a page's end: read on until this iovec is full or the file ends.
      while (done < len) {
        const chunk = node.read(pos + total, len - done);
        if (chunk.length === 0) break;
        this.writeBytes(iov[i]! + done, chunk);
        done += chunk.length;
        total += chunk.length;
      }
      if (done < len) break;
    }
    return total;
  }

  /** A device read fills the iovecs: nothing (null), zeros (zero, full) or the run's random
   * bytes (random, urandom: the same source as random_get), charged as such. */
  private readDevice(node: DeviceNode, iov: number[]): number {
    if (node.device === 'null') return 0;
    const total = WasiHost.iovecBytes(iov);
    const random = node.device === 'random' || node.device === 'urandom';
    this.charge(random ? { randomBytes: total } : { bytes: total });
    for (let i = 0; i < iov.length; i += 2) {
      const out = this.writableAt(iov[i]!, iov[i + 1]!);
      if (random) this.fillRandom(out);
      else out.fill(0);
    }
    return total;
  }

  private readStdin(iov: number[]): number {
    const stdin = this.run.stdin;
    this.charge({ bytes: Math.min(WasiHost.iovecBytes(iov), stdin.length - this.stdinPos) });
    let total = 0;
    for (let i = 0; i < iov.length; i += 2) {
      const len = iov[i + 1]!;
      const chunk = stdin.subarray(this.stdinPos, this.stdinPos + len);
      this.writeBytes(iov[i]!, chunk);
      this.stdinPos += chunk.length;
      total += chunk.length;
      if (chunk.length < len) break;
    }
    return total;
  }

  /** Write the iovecs at `pos`: the quota is checked for the whole write, then it is charged,
   * then copied straight from guest memory (a refused write copies nothing). */
  private writeFile(node: FileNode, pos: number, iov: number[]): number {
    const total = WasiHost.iovecBytes(iov);
    if (COPY_BEFORE_CHECK) for (let i = 0; i < iov.length; i += 2) this.bytesAt(iov[i]!, iov[i + 1]!).slice();
    this.run.fs.checkWrite(node, pos, total);
    this.charge({ bytes: total });
    let at = pos;
    for (let i = 0; i < iov.length; i += 2) {
      const len = iov[i + 1]!;
      if (len === 0) continue;
      this.run.fs.write(node, at, this.bytesAt(iov[i]!, len));
      at += len;
    }
    return total;
  }

  private writeOutput(out: OutputBuffer, iov: number[]): number {
    const total = WasiHost.iovecBytes(iov);
    this.charge({ bytes: total });
    for (let i = 0; i < iov.length; i += 2) {
      if (iov[i + 1]! > 0) out.write(this.bytesAt(iov[i]!, iov[i + 1]!));
    }
    return total;
  }

  /** utimensat/futimens: the modification time given (FstFlags.MTIM), or now (MTIM_NOW, which
   * os.utime(path) without times asks for), or unchanged. */
  private setMtime(node: Node, mtim: bigint, fstFlags: number): void {
    if (fstFlags & FstFlags.MTIM_NOW) node.mtimeNs = this.now(ClockId.REALTIME);
    else if (fstFlags & FstFlags.MTIM) node.mtimeNs = mtim;
  }

  /** ftruncate / fallocate (grow only): bytes the host zero-fills are charged first. */
  private resize(node: FileNode, size: number, growOnly: boolean): void {
    if (growOnly && size <= node.size) return;
    if (size > node.size) {
      this.run.fs.checkWrite(node, size, 0);
      this.charge({ bytes: size - node.size });
    }
    this.run.fs.truncate(node, size);
  }

  /** fd_readdir: entries from `cookie` on into the buffer; charged up front for every entry
   * it may visit (the ones skipped to reach the cookie and at most one per 24 buffer bytes). */
  private readdir(dir: DirNode, bufPtr: number, bufLen: number, cookie: bigint): number {
    const count = dir.entries.size + 2;
    const start = cookie > BigInt(count) ? count : Number(cookie);
    const visits = Math.min(count, start + Math.floor(bufLen / 24) + 1);
    this.charge({ steps: visits, bytes: Math.min(bufLen, (visits - start) * (24 + 255)) });
    let offset = 0;
    let i = 0;
    const emit = (name: string, node: Node | null): boolean => {
      if (i++ < start) return true;
      if (offset >= bufLen) return false;
      const nameBytes = Buffer.from(name);
      const entry = Buffer.alloc(24 + nameBytes.length);
      entry.writeBigUInt64LE(BigInt(i), 0);
      entry.writeBigUInt64LE(node ? node.ino : 0n, 8);
      entry.writeUInt32LE(nameBytes.length, 16);
      entry.writeUInt8(node === null || node.kind === 'dir' ? FileType.DIRECTORY
        : node instanceof DeviceNode ? FileType.CHARACTER_DEVICE : FileType.REGULAR_FILE, 20);
      nameBytes.copy(entry, 24);
      const n = Math.min(entry.length, bufLen - offset);
      this.writeBytes(bufPtr + offset, entry.subarray(0, n));
      offset += n;
      return true;
    };
    if (emit('.', dir) && emit('..', this.run.fs.parentOf(dir) ?? dir)) {
      for (const [name, node] of dir.entries) if (!emit(name, node)) break;
    }
    return offset;
  }

  private writeFilestat(out: number, node: Node): void {
    const dv = this.view();
    dv.setBigUint64(out, 1n, true);
    dv.setBigUint64(out + 8, node.ino, true);
    dv.setBigUint64(out + 16, BigInt(node.kind === 'dir' ? FileType.DIRECTORY
      : node instanceof DeviceNode ? FileType.CHARACTER_DEVICE : FileType.REGULAR_FILE), true);
    dv.setBigUint64(out + 24, 1n, true);
    dv.setBigUint64(out + 32, BigInt(node.kind === 'dir' ? 4096 : node.size), true);
    dv.setBigUint64(out + 40, node.mtimeNs, true);
    dv.setBigUint64(out + 48, node.mtimeNs, true);
    dv.setBigUint64(out + 56, node.mtimeNs, true);
  }

  private writeStdioFilestat(out: number, fd: number): void {
    const dv = this.view();
    for (let i = 0; i < 64; i += 8) dv.setBigUint64(out + i, 0n, true);
    dv.setBigUint64(out + 8, BigInt(fd + 1), true);
    dv.setBigUint64(out + 24, 1n, true);
  }

  now(id: number): bigint {
    if (this.run.deterministicClock) {
      this.clockTicks += 1_000_000n;
      return (id === ClockId.REALTIME ? 1_700_000_000_000_000_000n : 0n) + this.clockTicks;
    }
    // The wall clock at the monotonic clock's resolution (Date.now() counts whole ms: a file
    // written within the millisecond FileFinder listed its directory went unnoticed).
    if (id === ClockId.REALTIME) return this.realtimeBaseNs + process.hrtime.bigint();
    if (id === ClockId.PROCESS_CPUTIME || id === ClockId.THREAD_CPUTIME) {
      // A run is the process codejail would start: its CPU clock counts the run's time awake
      // (natively a few ms at start, nothing while asleep), not the host's monotonic clock, which
      // gave time.process_time() the host's uptime. Sleeps are measured (sleep()), so this only
      // guards against a rounding step back.
      const awakeNs = BigInt(Math.max(0, Math.round((this.run.elapsedMs() - this.sleptMs) * 1e6)));
      if (awakeNs > this.cpuNs) this.cpuNs = awakeNs;
      return this.cpuNs;
    }
    return process.hrtime.bigint();
  }

  /** random_get. By default the host's CSPRNG, as os.urandom is natively: nothing a program
   * sees (its jail directory name, earlier requests) predicts it. With a seed (reproducible
   * mode), the AES-128-CTR keystream of a key derived from the seed. */
  private fillRandom(out: Uint8Array): void {
    const seed = this.run.seed;
    if (seed === null) {
      fillFromCsprng(out);
      return;
    }
    if (!this.random) {
      const key = createHash('sha256').update(`codejail-wasm random_get ${seed}`).digest().subarray(0, 16);
      this.random = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
    }
    out.set(this.random.update(Buffer.alloc(out.length)));
  }

  /** poll_oneoff: fds are always ready; clock subscriptions sleep for real, within the budget. */
  private poll(inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number {
    if (nsubs === 0) return Errno.INVAL;
    this.charge({ steps: nsubs });
    let dv = this.view();
    let sleepNs = -1n;
    const events: { userdata: bigint; type: number }[] = [];
    for (let i = 0; i < nsubs; i++) {
      const base = inPtr + i * 48;
      const userdata = dv.getBigUint64(base, true);
      const type = dv.getUint8(base + 8);
      if (type === EventType.CLOCK) {
        const clockId = dv.getUint32(base + 16, true);
        const timeout = dv.getBigUint64(base + 24, true);
        const flags = dv.getUint16(base + 40, true);
        let rel = timeout;
        if (flags & SubclockFlags.ABSTIME) rel = timeout - this.now(clockId);
        if (rel < 0n) rel = 0n;
        if (sleepNs < 0n || rel < sleepNs) sleepNs = rel;
        events.push({ userdata, type });
      } else {
        events.push({ userdata, type });
      }
    }
    const fdEvents = events.filter((e) => e.type !== EventType.CLOCK);
    const fired = fdEvents.length > 0 ? fdEvents : events;
    if (fdEvents.length === 0 && sleepNs > 0n) this.sleep(Number(sleepNs / 1000n) / 1000);
    dv = this.view();
    fired.forEach((e, i) => {
      const base = outPtr + i * 32;
      dv.setBigUint64(base, e.userdata, true);
      dv.setUint16(base + 8, Errno.SUCCESS, true);
      dv.setUint8(base + 10, e.type);
      for (let k = 16; k < 32; k += 8) dv.setBigUint64(base + k, 0n, true);
    });
    dv.setUint32(neventsPtr, fired.length, true);
    return Errno.SUCCESS;
  }

  private sleep(ms: number): void {
    if (this.run.deterministicClock) {
      this.clockTicks += BigInt(Math.round(ms * 1e6));
      return;
    }
    // A sleep that cannot end before REALTIME ends the run now, as codejail's kill would at
    // REALTIME (status -9), without waiting for it.
    const budget = this.run.realtimeBudgetMs;
    if (budget > 0 && this.run.elapsedMs() + ms > budget) throw this.run.endRun(new RealtimeExceeded());
    // As long as the thread was away, waking included: the run's CPU clock leaves it out.
    const start = this.run.elapsedMs();
    Atomics.wait(this.sleepCell, 0, 0, ms);
    this.sleptMs += this.run.elapsedMs() - start;
  }
}
