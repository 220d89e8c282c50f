// CPU seconds -> fuel, and the host side of the guest's fuel counter.
//
// Fuel counts loop iterations and calls (of functions that call others), so it measures work,
// not time: the same script uses the same fuel on any machine under any load. One CPU second
// of codejail (native CPython on a typical server) is worth FUEL_PER_CPU_SECOND units; see
// docs/adr/0003-fuel-metering.md for the measurements behind it and bench/calibrate.ts for the
// script that produces them.
import { RealtimeExceeded } from './wasi/WasiHost.js';

export const FUEL_PER_CPU_SECOND = 1_200_000_000;

/** Fuel budget for a codejail CPU limit in seconds (0 = unlimited -> 0 here, meaning no budget). */
export function fuelForCpuSeconds(seconds: number, perSecond = FUEL_PER_CPU_SECOND): number {
  if (!(seconds > 0)) return 0;
  return Math.round(seconds * perSecond);
}

/** Thrown into the guest when the run's fuel budget is used up (codejail's SIGXCPU: -24). */
export class FuelExhausted {}

/** Slices per codejail CPU second: the guest's counter is topped up, and the clock read, after
 * each thousandth of a CPU second's fuel (a few ms of work in wasm, ~10 ms at most), so a run
 * notices REALTIME within milliseconds; the host call costs ~1 us per slice, nothing measurable. */
export const SLICES_PER_CPU_SECOND = 1000;

export interface MeterOptions {
  /** Total fuel of the run; null = no CPU limit. */
  budget: bigint | null;
  /** Wall-clock deadline (a performance.now() value), or null for none. */
  deadline: number | null;
  /** Fuel granted per slice. */
  slice: bigint;
}

/** The run's fuel account. The guest's exported `fuel` global holds what is left of the
 * current slice; when a check finds it below zero the guest calls `exhausted()`, which looks
 * at the clock, then grants the next slice or ends the run by throwing. Fuel used does not
 * depend on the slices (they only decide when the clock is read), so the CPU limit ends a run
 * at the same instruction on every machine, while REALTIME depends on the clock, as natively. */
export class FuelMeter {
  private granted = 0n;
  /** Without a deadline there is no clock to read: one slice holds the whole budget. */
  private readonly slice: bigint;

  constructor(private readonly counter: WebAssembly.Global, private readonly opts: MeterOptions) {
    this.slice = opts.deadline === null ? 1n << 62n : opts.slice;
    counter.value = 0n;
    this.topUp();
  }

  /** Fuel used so far (past the budget by the overshoot when the run ended on CPU). */
  used(): bigint {
    return this.granted - (this.counter.value as bigint);
  }

  /** Take `units` for host work, from the current slice and then the next ones; false when
   * the budget cannot cover them (the counter is then left at -1, where the guest's own checks
   * end a run, so the fuel used reads budget + 1 either way). */
  charge(units: number): boolean {
    const cost = BigInt(Math.max(0, Math.ceil(units)));
    const counter = this.counter.value as bigint;
    const { budget } = this.opts;
    if (budget !== null && cost > counter + (budget - this.granted)) {
      this.granted = budget;
      this.counter.value = -1n;
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
    if (this.opts.deadline !== null && performance.now() > this.opts.deadline) throw new RealtimeExceeded();
    while ((this.counter.value as bigint) < 0n) this.topUp();
  }

  /** Add a slice to the counter, or end the run when the budget has nothing left. */
  private topUp(): void {
    const { budget } = this.opts;
    const slice = this.slice;
    const left = budget === null ? slice : budget - this.granted;
    if (left <= 0n) throw new FuelExhausted();
    const amount = left < slice ? left : slice;
    this.granted += amount;
    this.counter.value = (this.counter.value as bigint) + amount;
  }
}

/** Fuel per slice for a given calibration (see SLICES_PER_CPU_SECOND). */
export function fuelSlice(fuelPerSecond: number): bigint {
  return BigInt(Math.max(1000, Math.round(fuelPerSecond / SLICES_PER_CPU_SECOND)));
}
