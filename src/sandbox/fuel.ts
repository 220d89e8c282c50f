// CPU seconds -> fuel, and the host side of the guest's fuel counter.
//
// Fuel counts the module's instructions (each check charges the expected, weighted instructions
// of the code it guards; fresh memory pages are charged too), so it measures work, not time: the
// same script uses the same fuel on any machine under any load. One CPU second of codejail
// (native CPython on a typical server) is worth FUEL_PER_CPU_SECOND units; see
// docs/adr/0003-fuel-metering.md for the measurements behind it and bench/calibrate.ts for the
// script that produces them.
import { type HostFuelExhausted, type ProcExit, RealtimeExceeded } from './wasi/WasiHost.js';

export const FUEL_PER_CPU_SECOND = 51_000_000_000;

/** Fuel budget for a codejail CPU limit in seconds (0 = unlimited -> 0 here, meaning no budget). */
export function fuelForCpuSeconds(seconds: number, perSecond = FUEL_PER_CPU_SECOND): number {
  if (!(seconds > 0)) return 0;
  return Math.round(seconds * perSecond);
}

/** Thrown into the guest when the run's fuel budget is used up (codejail's SIGXCPU: -24). */
export class FuelExhausted {}

/** What the host throws into the guest to end a run. */
export type RunEnd = FuelExhausted | HostFuelExhausted | RealtimeExceeded | ProcExit;

/** Slices per codejail CPU second: the guest's counter is topped up, and the clock read, after
 * each thousandth of a CPU second's fuel (1-2 ms of native-equivalent work, a few ms in wasm;
 * one memory.grow can take several slices at once), so a run
 * notices REALTIME within milliseconds; the host call costs ~1 us per slice, nothing measurable. */
export const SLICES_PER_CPU_SECOND = 1000;

export interface MeterOptions {
  /** Total fuel of the run; null = no CPU limit. */
  budget: bigint | null;
  /** Wall-clock deadline (a performance.now() value), or null for none. */
  deadline: number | null;
  /** Fuel granted per slice. */
  slice: bigint;
  /** Weighted fuel: the fuel owed so far for memory the run touched above its starting size
   * (the store barrier's marks, counted by the caller), taken from the counter whenever a slice
   * runs out. Given, every run is sliced, with or without a deadline. */
  touched?: () => bigint;
}

/** The run's fuel account. The guest's exported `fuel` global holds what is left of the
 * current slice; when a check finds it below zero the guest calls `exhausted()`, which looks
 * at the clock, then grants the next slice or ends the run by throwing. Fuel used does not
 * depend on the slices (they only decide when the clock is read), so the CPU limit ends a run
 * at the same instruction on every machine, while REALTIME depends on the clock, as natively.
 *
 * The end of a run is final. What the host throws into the guest can be caught there: C++'s
 * `catch (...)` (scipy's HiGHS, pybind11) is a wasm catch_all, which catches host exceptions
 * too. So once a run has ended (fuel spent, REALTIME passed, a host call it cannot pay for, an
 * exit), the meter keeps the counter below zero and never grants fuel again: every later check
 * and every later host call throws the same end at once, and the fuel used stays what it was
 * at the end. */
export class FuelMeter {
  private granted = 0n;
  /** Without a deadline there is no clock to read: one slice holds the whole budget (unless
   * touched memory is charged, at the end of each slice). */
  private readonly slice: bigint;
  /** Fuel taken for touched memory so far. */
  private touchCharged = 0n;
  /** How the run ended (the first end only), and the fuel it had used then. */
  private ending: { reason: RunEnd; used: bigint } | null = null;

  constructor(private readonly counter: WebAssembly.Global, private readonly opts: MeterOptions) {
    this.slice = opts.deadline === null && !opts.touched ? 1n << 62n : opts.slice;
    counter.value = 0n;
    this.topUp();
  }

  /** Fuel used so far (past the budget by the overshoot when the run ended on CPU). */
  used(): bigint {
    return this.ending?.used ?? this.granted - (this.counter.value as bigint);
  }

  /** How the run ended, or null while it runs. */
  endedBy(): RunEnd | null {
    return this.ending?.reason ?? null;
  }

  /** End the run with `reason` unless it has already ended; returns what to throw into the
   * guest: the first end, whatever ends it again. */
  end(reason: RunEnd): RunEnd {
    if (!this.ending) {
      this.chargeTouched();
      this.ending = { reason, used: this.used() };
      // Every check from now on calls the host (the guest only ever lowers the counter).
      this.counter.value = -1n;
    }
    return this.ending.reason;
  }

  /** Take `units` for host work, from the current slice and then the next ones (reading the
   * clock, as a check does, before it takes from the next slice); false when the budget cannot
   * cover them, REALTIME has passed or the run has ended (the caller then ends the run, and a
   * run ended on CPU reads budget + 1, as when the guest's own checks end it). */
  charge(units: number): boolean {
    if (this.ending) return false;
    const cost = BigInt(Math.max(0, Math.ceil(units)));
    const counter = this.counter.value as bigint;
    const { budget } = this.opts;
    if (budget !== null && cost > counter + (budget - this.granted)) {
      this.granted = budget;
      this.counter.value = -1n;
      return false;
    }
    if (cost > counter && this.pastDeadline()) {
      this.end(new RealtimeExceeded());
      return false;
    }
    this.counter.value = counter - cost;
    while ((this.counter.value as bigint) < 0n) this.topUp();
    return true;
  }

  /** The counter is below zero (a module of the earlier pass traps right there). */
  overdrawn(): boolean {
    return (this.counter.value as bigint) < 0n;
  }

  /** The guest's counter was below zero at a check. */
  exhausted(): void {
    if (this.ending) throw this.ending.reason;
    this.chargeTouched();
    if (this.pastDeadline()) throw this.end(new RealtimeExceeded());
    while ((this.counter.value as bigint) < 0n) this.topUp();
  }

  /** The run returned: what its last slice touched counts in the fuel it used (as at any other
   * end, end()), though it can no longer end the run. */
  settle(): void {
    if (!this.ending) this.chargeTouched();
  }

  /** Take what touched memory costs beyond what was taken already. Only where the guest's
   * counter ran out, and when the run returns (settle): slices are a fixed size and the marks are
   * the guest's deterministic state, so the same run is charged at the same points (fuel used
   * depends on the slice size, not on the clock). */
  private chargeTouched(): void {
    if (!this.opts.touched) return;
    const owed = this.opts.touched();
    if (owed > this.touchCharged) {
      this.counter.value = (this.counter.value as bigint) - (owed - this.touchCharged);
      this.touchCharged = owed;
    }
  }

  private pastDeadline(): boolean {
    return this.opts.deadline !== null && performance.now() > this.opts.deadline;
  }

  /** Add a slice to the counter, or end the run when the budget has nothing left. */
  private topUp(): void {
    const { budget } = this.opts;
    const slice = this.slice;
    const left = budget === null ? slice : budget - this.granted;
    if (left <= 0n) throw this.end(new FuelExhausted());
    const amount = left < slice ? left : slice;
    this.granted += amount;
    this.counter.value = (this.counter.value as bigint) + amount;
  }
}

/** Fuel per slice for a given calibration (see SLICES_PER_CPU_SECOND). */
export function fuelSlice(fuelPerSecond: number): bigint {
  return BigInt(Math.max(1000, Math.round(fuelPerSecond / SLICES_PER_CPU_SECOND)));
}
