// Our WASI preview1 host: every import the CPython reactor may call, served from an
// InMemoryFs, in-memory stdio buffers, a clock and a seeded random source. No call reaches
// the host's filesystem, environment, network or processes. Unsupported calls return a
// WASI errno; nothing throws into the engine except proc_exit and the limit signals below.
import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import {
  ALL_RIGHTS, ClockId, Errno, EventType, FdFlags, FileType, OFlags, SubclockFlags, Whence,
} from './constants.js';
import { DeviceNode, DirNode, FileNode, FsError, InMemoryFs, missing, type Node } from './InMemoryFs.js';
import { OutputBuffer } from './OutputBuffer.js';

/** Thrown by proc_exit: unwinds the guest; the instance must be reset afterwards. */
export class ProcExit {
  constructor(readonly code: number) {}
}
/** Thrown when a sleep would pass the run's realtime budget (codejail kills at REALTIME: -9). */
export class RealtimeExceeded {}

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
  seed: number;
  /** Budget in ms of program time, sleeps plus CPU time estimated from fuel (0 = none). */
  realtimeBudgetMs: number;
  /** CPU time the program has used so far, in codejail seconds x 1000 (from fuel). */
  cpuMs: () => number;
  /** Deterministic clocks (snapshot building, tests): time advances 1 ms per reading. */
  deterministicClock: boolean;
}

const MAX_FDS = 256;

export class WasiHost {
  private memory: WebAssembly.Memory | null = null;
  private buf: ArrayBuffer | null = null;
  private dv!: DataView;
  private u8!: Uint8Array;
  private fds = new Map<number, Descriptor>();
  private stdinPos = 0;
  private random: Cipher | null = null;
  private clockTicks = 0n;
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));
  /** Number of WASI calls served in the current run (diagnostics). */
  calls = 0;
  /** Time the program spent in sleeps during the current run, ms. */
  sleptMs = 0;
  run!: HostRun;

  constructor(run: HostRun) {
    this.reset(run);
  }

  bindMemory(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.buf = null;
  }

  /** Fresh per-run state: fds 0-3 exactly as after interpreter initialisation. */
  reset(run: HostRun): void {
    this.run = run;
    this.fds = new Map<number, Descriptor>([
      [0, { kind: 'stdin' }], [1, { kind: 'stdout' }], [2, { kind: 'stderr' }],
      [3, { kind: 'dir', node: run.fs.root, preopen: '/' }],
    ]);
    this.stdinPos = 0;
    this.random = null;
    this.clockTicks = 0n;
    this.calls = 0;
    this.sleptMs = 0;
  }

  /** Views must be rebuilt after memory.grow detaches the old buffer (never cache across calls). */
  private view(): DataView {
    const b = this.memory!.buffer;
    if (b !== this.buf) {
      this.buf = b;
      this.dv = new DataView(b);
      this.u8 = new Uint8Array(b);
    }
    return this.dv;
  }

  private str(ptr: number, len: number): string {
    this.view();
    return Buffer.from(this.u8.subarray(ptr, ptr + len)).toString('utf8');
  }

  /** The import object for `wasi_snapshot_preview1`. */
  imports(): Record<string, (...args: never[]) => number | void> {
    const wrap = <A extends unknown[]>(fn: (...a: A) => number) => (...a: A): number => {
      this.calls++;
      try {
        return fn(...a);
      } catch (e) {
        if (e instanceof FsError) return e.errno;
        if (e instanceof ProcExit || e instanceof RealtimeExceeded) throw e;
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
      clock_res_get: wrap((_id: number, out: number) => {
        h.view().setBigUint64(out, 1000n, true); return Errno.SUCCESS;
      }),
      clock_time_get: wrap((id: number, _precision: bigint, out: number) => {
        h.view().setBigUint64(out, h.now(id), true); return Errno.SUCCESS;
      }),
      fd_advise: wrap((fd: number) => (h.fds.has(fd) ? Errno.SUCCESS : Errno.BADF)),
      fd_allocate: wrap((fd: number, offset: bigint, len: bigint) => {
        const f = h.file(fd);
        if (!f.writable) return Errno.BADF;
        const end = Number(offset + len);
        if (end > f.node.size) h.run.fs.truncate(f.node, end);
        return Errno.SUCCESS;
      }),
      fd_close: wrap((fd: number) => {
        if (!h.fds.has(fd)) return Errno.BADF;
        h.fds.delete(fd); return Errno.SUCCESS;
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
        h.run.fs.truncate(f.node, Number(size)); return Errno.SUCCESS;
      }),
      fd_filestat_set_times: wrap((fd: number, _atim: bigint, mtim: bigint) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        if ((d.kind === 'file' || d.kind === 'dir') && d.node.writable) d.node.mtimeNs = mtim;
        return Errno.SUCCESS;
      }),
      fd_pread: wrap((fd: number, iovs: number, iovsLen: number, offset: bigint, nread: number) => {
        const f = h.file(fd);
        if (!f.readable) return Errno.BADF;
        let pos = Number(offset);
        let total = 0;
        for (const [ptr, len] of h.iovecs(iovs, iovsLen)) {
          const chunk = f.node.read(pos, len);
          h.u8.set(chunk, ptr); pos += chunk.length; total += chunk.length;
          if (chunk.length < len) break;
        }
        h.view().setUint32(nread, total, true); return Errno.SUCCESS;
      }),
      fd_pwrite: wrap((fd: number, iovs: number, iovsLen: number, offset: bigint, nwritten: number) => {
        const f = h.file(fd);
        if (!f.writable) return Errno.BADF;
        let pos = Number(offset);
        let total = 0;
        for (const [ptr, len] of h.iovecs(iovs, iovsLen)) {
          h.run.fs.write(f.node, pos, h.u8.slice(ptr, ptr + len)); pos += len; total += len;
        }
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
        h.view(); h.u8.set(Buffer.from(d.preopen).subarray(0, len), ptr); return Errno.SUCCESS;
      }),
      fd_read: wrap((fd: number, iovs: number, iovsLen: number, nread: number) => {
        const d = h.fds.get(fd);
        if (!d) return Errno.BADF;
        let total = 0;
        if (d.kind === 'stdin') {
          for (const [ptr, len] of h.iovecs(iovs, iovsLen)) {
            const chunk = h.run.stdin.subarray(h.stdinPos, h.stdinPos + len);
            h.u8.set(chunk, ptr); h.stdinPos += chunk.length; total += chunk.length;
            if (chunk.length < len) break;
          }
        } else if (d.kind === 'file') {
          if (!d.readable) return Errno.BADF;
          for (const [ptr, len] of h.iovecs(iovs, iovsLen)) {
            const chunk = d.node.read(d.pos, len);
            h.u8.set(chunk, ptr); d.pos += chunk.length; total += chunk.length;
            if (chunk.length < len) break;
          }
        } else if (d.kind === 'device') {
          if (!d.readable) return Errno.BADF;
          for (const [ptr, len] of h.iovecs(iovs, iovsLen)) {
            const chunk = h.deviceRead(d.node, len);
            h.u8.set(chunk, ptr); total += chunk.length;
            if (chunk.length < len) break;
          }
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
        const names: [string, Node | null][] = [['.', d.node], ['..', null], ...d.node.entries];
        h.view();
        let offset = 0;
        for (let i = Number(cookie); i < names.length && offset < bufLen; i++) {
          const [name, node] = names[i]!;
          const nameBytes = Buffer.from(name);
          const header = new Uint8Array(24);
          const hv = new DataView(header.buffer);
          hv.setBigUint64(0, BigInt(i + 1), true);
          hv.setBigUint64(8, node ? node.ino : 0n, true);
          hv.setUint32(16, nameBytes.length, true);
          hv.setUint8(20, node === null || node.kind === 'dir' ? FileType.DIRECTORY
            : node instanceof DeviceNode ? FileType.CHARACTER_DEVICE : FileType.REGULAR_FILE);
          const entry = Buffer.concat([header, nameBytes]);
          const n = Math.min(entry.length, bufLen - offset);
          h.u8.set(entry.subarray(0, n), bufPtr + offset);
          offset += n;
        }
        h.view().setUint32(used, offset, true); return Errno.SUCCESS;
      }),
      fd_renumber: wrap((from: number, to: number) => {
        const d = h.fds.get(from);
        if (!d || !h.fds.has(to)) return Errno.BADF;
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
        let total = 0;
        for (const [ptr, len] of h.iovecs(iovs, iovsLen)) {
          if (len === 0) continue;
          const bytes = h.u8.subarray(ptr, ptr + len);
          if (d.kind === 'stdout') h.run.stdout.write(bytes);
          else if (d.kind === 'stderr') h.run.stderr.write(bytes);
          else if (d.kind === 'device') {
            if (!d.writable) return Errno.BADF;
            if (d.node.device === 'full') return Errno.NOSPC;
          } else if (d.kind === 'file') {
            if (!d.writable) return Errno.BADF;
            if (d.append) d.pos = d.node.size;
            h.run.fs.write(d.node, d.pos, bytes.slice());
            d.pos += len;
          } else return d.kind === 'dir' ? Errno.ISDIR : Errno.BADF;
          total += len;
        }
        h.view().setUint32(nwritten, total, true); return Errno.SUCCESS;
      }),
      path_create_directory: wrap((fd: number, ptr: number, len: number) => {
        const { parent, name } = h.run.fs.resolveParent(h.dir(fd), h.str(ptr, len));
        if (name === null) return Errno.EXIST;
        h.run.fs.createDir(parent, name, h.now(ClockId.REALTIME)); return Errno.SUCCESS;
      }),
      path_filestat_get: wrap((fd: number, _flags: number, ptr: number, len: number, out: number) => {
        h.writeFilestat(out, h.run.fs.resolve(h.dir(fd), h.str(ptr, len))); return Errno.SUCCESS;
      }),
      path_filestat_set_times: wrap((fd: number, _flags: number, ptr: number, len: number, _atim: bigint, mtim: bigint) => {
        const node = h.run.fs.resolve(h.dir(fd), h.str(ptr, len));
        if (!node.writable) return Errno.ACCES;
        node.mtimeNs = mtim; return Errno.SUCCESS;
      }),
      path_link: wrap(() => Errno.PERM),
      path_open: wrap((fd: number, _dirflags: number, ptr: number, len: number, oflags: number,
        rightsBase: bigint, _rightsInh: bigint, fdflags: number, out: number) => {
        const fs = h.run.fs;
        const path = h.str(ptr, len);
        const { parent, name } = fs.resolveParent(h.dir(fd), path);
        let node: Node | undefined = name === null ? parent : parent.entries.get(name);
        const wantWrite = (rightsBase & (1n << 6n)) !== 0n || (oflags & OFlags.TRUNC) !== 0;
        if (!node) {
          if (!(oflags & OFlags.CREAT) || name === null) return missing(parent);
          if (oflags & OFlags.DIRECTORY) return missing(parent);
          node = fs.createFile(parent, name, h.now(ClockId.REALTIME));
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
        h.run.fs.resolve(h.dir(fd), h.str(ptr, len));
        return Errno.INVAL; // there are no symlinks
      }),
      path_remove_directory: wrap((fd: number, ptr: number, len: number) => {
        const { parent, name } = h.run.fs.resolveParent(h.dir(fd), h.str(ptr, len));
        if (name === null) return Errno.ACCES;
        h.run.fs.remove(parent, name, true); return Errno.SUCCESS;
      }),
      path_rename: wrap((fd: number, p1: number, l1: number, fd2: number, p2: number, l2: number) => {
        const a = h.run.fs.resolveParent(h.dir(fd), h.str(p1, l1));
        const b = h.run.fs.resolveParent(h.dir(fd2), h.str(p2, l2));
        if (a.name === null || b.name === null) return Errno.INVAL;
        h.run.fs.rename(a.parent, a.name, b.parent, b.name); return Errno.SUCCESS;
      }),
      path_symlink: wrap(() => Errno.PERM),
      path_unlink_file: wrap((fd: number, ptr: number, len: number) => {
        const { parent, name } = h.run.fs.resolveParent(h.dir(fd), h.str(ptr, len));
        if (name === null) return Errno.ISDIR;
        h.run.fs.remove(parent, name, false); return Errno.SUCCESS;
      }),
      poll_oneoff: wrap((inPtr: number, outPtr: number, nsubs: number, nevents: number) => h.poll(inPtr, outPtr, nsubs, nevents)),
      proc_exit: (code: number) => {
        throw new ProcExit(code);
      },
      proc_raise: wrap(() => Errno.NOSYS),
      random_get: wrap((ptr: number, len: number) => {
        h.view(); h.u8.set(h.randomBytes(len), ptr); return Errno.SUCCESS;
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
    this.view().setUint32(out, fd, true);
    return Errno.SUCCESS;
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

  private *iovecs(ptr: number, count: number): Generator<[number, number]> {
    for (let i = 0; i < count; i++) {
      const dv = this.view();
      yield [dv.getUint32(ptr + i * 8, true), dv.getUint32(ptr + i * 8 + 4, true)];
    }
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
    if (id === ClockId.REALTIME) return BigInt(Date.now()) * 1_000_000n;
    return process.hrtime.bigint();
  }

  /** What reading `len` bytes of a device gives: nothing (null), zeros (zero, full), or the
   * run's random bytes (random, urandom: the same source as random_get). */
  private deviceRead(node: DeviceNode, len: number): Uint8Array {
    if (node.device === 'null') return new Uint8Array(0);
    if (node.device === 'zero' || node.device === 'full') return new Uint8Array(len);
    return this.randomBytes(len);
  }

  /** Deterministic bytes from the run's seed: the AES-128-CTR keystream of a key derived
   * from it (cryptographic quality, and one call for os.urandom's 2.5 KB at start-up). */
  private randomBytes(len: number): Uint8Array {
    if (!this.random) {
      const key = createHash('sha256').update(`codejail-wasm random_get ${this.run.seed}`).digest().subarray(0, 16);
      this.random = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
    }
    return this.random.update(Buffer.alloc(len));
  }

  /** poll_oneoff: fds are always ready; clock subscriptions sleep for real, within the budget. */
  private poll(inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number {
    if (nsubs === 0) return Errno.INVAL;
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
    // Program time is deterministic: CPU time from fuel plus the sleeps so far. A sleep that
    // would carry it past REALTIME ends the run now, as codejail's kill would (status -9).
    const budget = this.run.realtimeBudgetMs;
    if (budget > 0 && this.run.cpuMs() + this.sleptMs + ms > budget) throw new RealtimeExceeded();
    this.sleptMs += ms;
    Atomics.wait(this.sleepCell, 0, 0, ms);
  }
}
