// One CPython reactor instance: cold start, snapshot, restore, and process-like runs
// under fuel, memory, realtime and file-write limits. Used inside a worker thread (and in
// the main thread once at start-up to build the shared snapshot).
import { InMemoryFs, type DirNode } from './wasi/InMemoryFs.js';
import { OutputBuffer } from './wasi/OutputBuffer.js';
import { collectGarbage } from './collectGarbage.js';
import { GuestMemory } from './wasi/GuestMemory.js';
import { DIRTY_IMPORTS, DirtyChunks, dirtyLayout, type DirtyLayout } from './DirtyChunks.js';
import { HostFuelExhausted, ProcExit, RealtimeExceeded, WasiHost, type HostRun } from './wasi/WasiHost.js';
import { FuelExhausted, FuelMeter, fuelSlice } from './fuel.js';
import { contentBytes, copyContent, findFreeTop, type FreeTop } from './snapshotFreeTop.js';
import type { RunRequest, RunResult, RunOutcome } from './types.js';

/** The complete guest state between runs: linear memory and the module's mutable globals. */
export interface Snapshot {
  memory: Uint8Array;
  /** The zero pages of the heap's free top (snapshotFreeTop.ts): copies skip them, and a run's
   * VMEM and weighted fuel count from where they begin. */
  freeTop: FreeTop;
  globals: Record<string, number | bigint>;
}

const WASM_PAGE = 65536;
/** What a VMEM below the free heap leaves a run beyond its limit (PythonInstance.run). */
const RESERVATION_SLACK = 4096;

interface ReactorExports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  cj_init(): number;
  cj_run(ptr: number, len: number): number;
  cj_alloc(n: number): number;
  cj_free(p: number): void;
  cj_set_memory_limit(bytes: number): void;
  fuel?: WebAssembly.Global;
  __stack_pointer: WebAssembly.Global;
}

/** Fuel outside runs (interpreter start-up): effectively unbounded but still a finite i64. */
const UNLIMITED_FUEL = 1n << 62n;
/** Memory the module may use at most (its declared maximum is 4 GiB). */
export const MODULE_MEMORY_MAX = 4 * 1024 * 1024 * 1024 - 65536;

const encoder = new TextEncoder();
/** A run whose argv and environment do not fit its VMEM: what CPython prints when it cannot get
 * the memory to start (its status is 1; the MemoryError line marks the limit hit as VMEM). */
const CANNOT_START = encoder.encode('Fatal Python error: the arguments and environment do not fit the VMEM limit\nMemoryError\n');
/** What a wasm `throw` that no guest frame caught reaches the host as (exception handling;
 * TypeScript's lib does not declare it yet). */
const WasmException = (WebAssembly as unknown as { Exception: abstract new (...args: never[]) => object }).Exception;

export class PythonInstance {
  exports!: ReactorExports;
  private readonly host: WasiHost;
  private guest!: GuestMemory;
  /** Chunks written since the last restore, when the module has the store barrier. */
  private readonly marks: DirtyChunks | null;
  private readonly layout: DirtyLayout | null;
  private globalNames: string[] = [];
  /** Where the restored snapshot's free top begins (null before the first restore): a run's
   * own memory. */
  private runBase: number | null = null;
  /** The current run's fuel account; null between runs. */
  private meter: FuelMeter | null = null;
  /** True when the state is not a clean copy of the snapshot. */
  dirty = false;
  /** The module's fuel checks call the host below zero (codejail.fuel_exhausted), so the run
   * can read the clock between slices. A module built by the earlier pass traps instead: it
   * gets its whole budget at once, and REALTIME only at sleeps and from the watchdog. */
  private readonly slicedFuel: boolean;

  private constructor(private readonly module: WebAssembly.Module, private readonly layers: DirNode) {
    this.slicedFuel = WebAssembly.Module.imports(module).some((i) => i.module === 'codejail' && i.name === 'fuel_exhausted');
    this.host = new WasiHost(PythonInstance.idleRun(layers));
    this.layout = dirtyLayout(module);
    this.marks = this.layout === null ? null : new DirtyChunks(this.layout.chunkShift, this.layout.alwaysRestoreChunks);
    this.instantiate();
  }

  private static idleRun(layers: DirNode): HostRun {
    return {
      // The idle filesystem is also the one the interpreter boots with (cj_init).
      fs: new InMemoryFs(layers, '/tmp/.idle', { maxFileBytes: 0, totalBytes: 0, maxNodes: 0 }, { boot: true }),
      stdin: new Uint8Array(0),
      stdout: new OutputBuffer(1 << 20),
      stderr: new OutputBuffer(1 << 20),
      seed: 0,
      chargeFuel: () => true,
      endRun: (reason) => reason,
      fuelPerSecond: 0,
      realtimeBudgetMs: 0,
      elapsedMs: () => 0,
      deterministicClock: true,
    };
  }

  private instantiate(): void {
    const imports: WebAssembly.Imports = {
      wasi_snapshot_preview1: this.host.imports() as never,
      // The fuel pass's slow path: the guest's counter is below zero at a check.
      codejail: { fuel_exhausted: () => this.fuelExhausted() },
    };
    if (this.layout && this.marks) {
      // A fresh memory per instance, as the module would have defined it.
      const memory = new WebAssembly.Memory({ initial: this.layout.memory.initial, maximum: this.layout.memory.maximum });
      Object.assign(imports[DIRTY_IMPORTS.module]!, { [DIRTY_IMPORTS.memory]: memory, [DIRTY_IMPORTS.marks]: this.marks.memory });
    }
    const instance = new WebAssembly.Instance(this.module, imports);
    this.exports = instance.exports as unknown as ReactorExports;
    this.guest = new GuestMemory(this.exports.memory, this.marks);
    this.host.bindMemory(this.guest);
    // Mutable globals are guest state (stack pointer, fuel); immutable ones cannot change.
    this.globalNames = Object.entries(instance.exports)
      .filter(([, v]) => v instanceof WebAssembly.Global && isMutable(v))
      .map(([k]) => k);
  }

  /** Weighted fuel (a module whose barrier section gives touchChunkFuel): the fuel owed for the
   * chunks marked above `floor`, the memory the run started with, i.e. memory it grew and
   * touched (its stores, and the host's writes into it). Pages the run grows and never touches
   * cost nothing, as natively. */
  private touchedFuel(floor: number): (() => bigint) | undefined {
    const perChunk = this.layout?.touchChunkFuel;
    const marks = this.marks;
    if (!perChunk || !marks || !this.slicedFuel) return undefined;
    const shift = marks.chunkShift;
    const touched = marks.touchedFrom(floor);
    return () => BigInt(touched.count(this.memoryBytes() >>> shift)) * BigInt(perChunk);
  }

  private fuelExhausted(): void {
    if (this.meter) this.meter.exhausted();
    else if (this.exports.fuel) this.exports.fuel.value = UNLIMITED_FUEL;
  }

  /** Start an interpreter from nothing (deterministic clock and randomness, so every
   * machine builds the same snapshot bytes). Throws with the interpreter's stderr on failure. */
  static cold(module: WebAssembly.Module, layers: DirNode): PythonInstance {
    const inst = new PythonInstance(module, layers);
    if (inst.exports.fuel) inst.exports.fuel.value = UNLIMITED_FUEL;
    inst.exports._initialize();
    const rc = inst.exports.cj_init();
    if (rc !== 0) {
      const err = Buffer.from(inst.host.run.stderr.bytes()).toString('utf8');
      throw new Error(`cj_init failed with ${rc}: ${err}`);
    }
    return inst;
  }

  static fromSnapshot(module: WebAssembly.Module, layers: DirNode, snapshot: Snapshot): PythonInstance {
    const inst = new PythonInstance(module, layers);
    inst.load(snapshot, true);
    return inst;
  }

  snapshot(): Snapshot {
    const globals: Record<string, number | bigint> = {};
    for (const name of this.globalNames) {
      globals[name] = (this.exports as unknown as Record<string, WebAssembly.Global>)[name]!.value as number | bigint;
    }
    // Straight into shared memory: every worker restores from this one copy.
    const current = new Uint8Array(this.exports.memory.buffer);
    const freeTop = findFreeTop(current);
    const memory = new Uint8Array(new SharedArrayBuffer(current.length));
    copyContent(current, freeTop, memory);
    return { memory, freeTop, globals };
  }

  /** Bring the instance back to `snapshot`. In place when memory did not grow: only the
   * chunks marked dirty when the module has the store barrier, else all of memory. When it
   * grew, a new instance of the same module (memory cannot shrink, and the snapshot's
   * allocator would not know about the extra pages). Returns the bytes copied. */
  restore(snapshot: Snapshot): number {
    if (this.exports.memory.buffer.byteLength !== snapshot.memory.length) {
      this.instantiate();
      // The old memory is garbage now: collected before the new one is filled, a worker holds
      // one grown memory at a time, not a pile of them awaiting V8 (collectGarbage.ts).
      collectGarbage();
      return this.load(snapshot, true);
    }
    if (!this.marks) return this.load(snapshot, false);
    const copied = this.marks.restore(new Uint8Array(this.exports.memory.buffer), snapshot.memory);
    this.resetState(snapshot);
    return copied;
  }

  /** A full copy of the snapshot (and no marks left). The free top is written only into a
   * memory that was used (`fresh` false): a new instance's is zero there already, and its
   * pages stay untouched until a run uses them. */
  private load(snapshot: Snapshot, fresh: boolean): number {
    const memory = this.exports.memory;
    const missing = snapshot.memory.length - memory.buffer.byteLength;
    if (missing > 0) memory.grow(missing / WASM_PAGE);
    const view = new Uint8Array(memory.buffer);
    if (fresh) copyContent(snapshot.memory, snapshot.freeTop, view);
    else view.set(snapshot.memory);
    this.marks?.clear();
    this.resetState(snapshot);
    return fresh ? contentBytes(snapshot.memory.length, snapshot.freeTop) : snapshot.memory.length;
  }

  /** Everything besides memory: mutable globals and the host's per-run state. */
  private resetState(snapshot: Snapshot): void {
    for (const [name, value] of Object.entries(snapshot.globals)) {
      (this.exports as unknown as Record<string, WebAssembly.Global>)[name]!.value = value;
    }
    this.host.reset(PythonInstance.idleRun(this.layers));
    this.runBase = snapshot.freeTop.zeroFrom;
    this.dirty = false;
  }

  /** Where the instance's state differs from `snapshot` (null: it is an exact copy). For
   * tests and diagnostics: reads all of memory. */
  differenceFrom(snapshot: Snapshot): string | null {
    const memory = new Uint8Array(this.exports.memory.buffer);
    if (memory.length !== snapshot.memory.length) return `memory is ${memory.length} bytes, the snapshot ${snapshot.memory.length}`;
    if (Buffer.compare(memory, snapshot.memory) !== 0) {
      let at = 0;
      while (memory[at] === snapshot.memory[at]) at++;
      return `memory differs from byte ${at} (chunk ${this.marks ? at >> this.marks.chunkShift : '-'})`;
    }
    for (const [name, value] of Object.entries(snapshot.globals)) {
      const now = (this.exports as unknown as Record<string, WebAssembly.Global>)[name]!.value as number | bigint;
      if (now !== value) return `global ${name} is ${now}, the snapshot's ${value}`;
    }
    return null;
  }

  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /** Build tooling only: the instrumented module of the profile-guided build exports
   * cj_profile_dump/cj_profile_size, and the training run copies the profile out with this. */
  exportedBuffer(pointerExport: string, sizeExport: string): Uint8Array | null {
    const e = this.exports as unknown as Record<string, unknown>;
    const pointer = e[pointerExport];
    const size = e[sizeExport];
    if (typeof pointer !== 'function' || typeof size !== 'function') return null;
    const ptr = (pointer as () => number)();
    if (ptr === 0) return null;
    return new Uint8Array(this.exports.memory.buffer, ptr >>> 0, (size as () => number)() >>> 0).slice();
  }

  /** Run one request. Never throws for anything the program does. */
  run(req: RunRequest, opts: { deterministicClock?: boolean; realtime?: boolean } = {}): RunResult {
    this.dirty = true;
    const lim = req.limits;
    const fs = new InMemoryFs(this.layers, req.cwd, {
      maxFileBytes: lim.fileSizeBytes,
      totalBytes: lim.diskQuotaBytes,
      maxNodes: lim.maxFiles,
    });
    fs.placeDir(req.cwd);
    for (const f of req.files) {
      if (f.symlink !== undefined) continue;
      if (f.path.endsWith('/')) fs.placeDir(f.path, f.writable);
      else fs.placeFile(f.path, f.data);
    }
    // Links last: what a link leads to depends on the files placed.
    for (const f of req.files) if (f.symlink !== undefined) fs.placeSymlink(f.path, f.symlink);
    const stdout = new OutputBuffer(lim.stdoutBytes);
    const stderr = new OutputBuffer(lim.stderrBytes);
    const e = this.exports;
    const started = performance.now();
    const deterministicClock = opts.deterministicClock ?? false;
    const realtimeMs = deterministicClock || opts.realtime === false ? 0 : lim.realtimeMs;
    this.host.reset({
      fs, stdin: req.stdin, stdout, stderr, seed: req.seed,
      // Host work comes out of the same budget as the program's own instructions (the meter:
      // the current slice, then the next ones); false when the budget cannot cover it.
      chargeFuel: (units) => this.meter?.charge(units) ?? true,
      // The meter keeps the run's first end and rethrows it at every later check.
      endRun: (reason) => this.meter?.end(reason) ?? reason,
      fuelPerSecond: lim.fuelPerSecond,
      realtimeBudgetMs: realtimeMs,
      elapsedMs: () => performance.now() - started,
      deterministicClock,
    });
    // VMEM bounds what the run adds to the image's warm snapshot, counted from where its free
    // heap begins: that is the run's (a run starts at the snapshot's size: restore replaces a
    // grown instance). Natively codejail's process starts bare, without
    // the image's preloaded libraries, so counting the snapshot would make the same limit mean
    // less on a richer image (codejail's test_changing_vmem_limit: 100 MB within VMEM 160 MB).
    const base = Math.min(this.runBase ?? Infinity, this.memoryBytes());
    const memoryLimit = lim.memoryBytes > 0
      ? Math.min(base + lim.memoryBytes, MODULE_MEMORY_MAX) : MODULE_MEMORY_MAX;
    e.cj_set_memory_limit(memoryLimit >>> 0);
    // A VMEM smaller than that free heap: the part beyond the limit is allocated (not touched)
    // for the run's duration, so the run can no more use it than grow into it. 4 KiB less
    // than that part: the allocator's header and footer of its top chunk lie on either side of
    // the free heap, so the whole part might not fit, and a failed reservation would leave the
    // run all of it.
    const beyondLimit = this.memoryBytes() - memoryLimit - RESERVATION_SLACK;
    if (beyondLimit > 0) e.cj_alloc(beyondLimit);
    // The chunk from which the run's own memory begins (weighted fuel: touchedFuel).
    const floor = base >>> (this.layout?.chunkShift ?? 0);
    const payload = encoder.encode(JSON.stringify({ argv: req.argv, env: req.env, cwd: req.cwd }));
    const ptr = e.cj_alloc(payload.length);
    // The run's own argv and environment do not fit its VMEM: natively the interpreter would
    // fail to start. (Written anyway, the payload would land at address 0, over the C stack.)
    if (ptr !== 0) this.guest.write(ptr, payload);
    // REALTIME is wall-clock time from here, read by the meter between fuel slices and by sleeps.
    const meter = e.fuel ? new FuelMeter(e.fuel, {
      budget: lim.fuel > 0 ? BigInt(Math.floor(lim.fuel)) : null,
      deadline: realtimeMs > 0 && this.slicedFuel ? started + realtimeMs : null,
      slice: fuelSlice(lim.fuelPerSecond),
      touched: this.touchedFuel(floor),
    }) : null;
    this.meter = meter;

    let outcome: RunOutcome = 'complete';
    let status = 0;
    let limitHit: string | undefined;
    let detail: string | undefined;
    let thrown: { err: unknown } | null = null;
    try {
      if (ptr === 0) {
        stderr.write(CANNOT_START);
        status = 1;
      } else {
        status = e.cj_run(ptr, payload.length);
      }
      meter?.settle();
    } catch (err) {
      thrown = { err };
    }
    // The run's first end decides its outcome, even if the guest caught it (C++'s catch (...))
    // and went on to end otherwise, or to return.
    const ended = meter?.endedBy();
    const cause = ended ? { err: ended } : thrown;
    if (cause) {
      const err = cause.err;
      if (err instanceof ProcExit) {
        status = err.code & 0xff;
      } else if (err instanceof RealtimeExceeded) {
        outcome = 'timed_out'; status = -9; limitHit = 'REALTIME';
      } else if (err instanceof FuelExhausted || err instanceof HostFuelExhausted
        || (!this.slicedFuel && meter?.overdrawn() && err instanceof WebAssembly.RuntimeError)) {
        outcome = 'out_of_fuel'; status = -24; limitHit = 'CPU';
      } else if (err instanceof RangeError || err instanceof WebAssembly.RuntimeError) {
        // Stack exhaustion (engine or C stack) is a segfault for a native process;
        // abort() is an `unreachable` trap (SIGABRT).
        outcome = 'crashed';
        status = /unreachable/.test(String(err)) ? -6 : -11;
        detail = String(err);
      } else if (err instanceof WasmException) {
        // The guest threw (a C++ `throw`, with the runtime's -fwasm-exceptions) and no guest
        // frame caught it. Natively an uncaught C++ exception is std::terminate -> abort()
        // (SIGABRT), with what the program wrote so far kept, as for an `unreachable` abort.
        outcome = 'crashed'; status = -6;
        detail = 'uncaught WebAssembly exception (a C++ throw no guest frame caught: std::terminate)';
      } else {
        this.meter = null;
        throw err;
      }
    }
    this.meter = null;
    const wallMs = performance.now() - started;
    const fuelUsed = meter ? Number(meter.used()) : 0;
    if (!limitHit && fs.quotaHit) limitHit = 'FSIZE';
    // A MemoryError ending the program is the memory cap (VMEM, or the module's maximum) at work.
    if (!limitHit && status !== 0 && /MemoryError\n?$/.test(Buffer.from(stderr.tail(200)).toString('latin1'))) limitHit = 'VMEM';
    if (!limitHit && (stdout.truncated || stderr.truncated)) limitHit = 'OUTPUT';
    const result: RunResult = {
      outcome, status,
      stdout: stdout.take(), stderr: stderr.take(),
      stdoutTruncated: stdout.truncated, stderrTruncated: stderr.truncated,
      fuelUsed, wallMs, limitHit, detail,
    };
    // The host keeps this run's state until the next run: give its files' memory back now, or
    // every idle worker would hold up to the disk quota (take() gave the output's back).
    fs.dispose();
    return result;
  }
}

function isMutable(g: WebAssembly.Global): boolean {
  try {
    g.value = g.value;
    return true;
  } catch {
    return false;
  }
}
