// CPU seconds -> fuel. Fuel counts loop iterations and calls (of functions that call others),
// so it measures work, not time: the same script uses the same fuel on any machine under any
// load. One CPU second of codejail (native CPython on a typical server) is worth
// FUEL_PER_CPU_SECOND units; see docs/adr/0003-fuel-metering.md for the measurements behind it
// and bench/calibrate.ts for the script that produces them.
export const FUEL_PER_CPU_SECOND = 1_200_000_000;

/** Fuel budget for a codejail CPU limit in seconds (0 = unlimited -> 0 here, meaning no budget). */
export function fuelForCpuSeconds(seconds: number, perSecond = FUEL_PER_CPU_SECOND): number {
  if (!(seconds > 0)) return 0;
  return Math.round(seconds * perSecond);
}
