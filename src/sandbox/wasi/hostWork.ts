// What the host's own work for a program costs the program. Fuel counts only the module's
// instructions, so without this a program could make the host copy a 12 MB layer file, walk
// thousands of iovecs or list huge directories for almost no fuel. Every WASI call is charged
// here, from its arguments and before the work is done, so the charge is deterministic (the
// same call costs the same fuel on every machine) and a run whose budget cannot cover a call
// ends before the host spends anything on it.
//
// Costs are host CPU time, converted at the rate fuel is worth in CPU seconds, so a request's
// CPU limit bounds host work and interpreter work together. The nanosecond figures are the
// highest medians `npm run bench:hostwork` measured on a shared 2-core machine at load average
// 14-19 (calls 275-600 ns, bytes 0.4-0.7, lookup steps 70-480, iovecs 90-465, seeded random
// bytes 0.9-39, CSPRNG bytes 0.3-0.9), rounded up.
import { FUEL_PER_CPU_SECOND } from '../fuel.js';
import { testFault } from '../testFaults.js';

/** The work one host call is about to do. */
export interface HostWork {
  /** WASI calls dispatched (each one decodes arguments, looks up descriptors, charges fuel). */
  calls?: number;
  /** Bytes moved between guest memory and the host (file data, names, output). */
  bytes?: number;
  /** Items handled one by one: path components, directory entries, iovecs, poll
   * subscriptions, directories walked. */
  steps?: number;
  /** Bytes of randomness generated (slower per byte than a copy in reproducible mode). */
  randomBytes?: number;
}

/** Host nanoseconds per unit of work. */
export const HOST_NS = {
  call: 600,
  byte: 1.5,
  step: 500,
  randomByte: 40,
} as const;

/** The sabotage check's switch (testFaults.ts): host work is free, as it was before this
 * module, so the host-work deny_* cases must fail. */
const UNCHARGED = testFault('unchargedHostWork') === '1';

/** Fuel for one host call doing `work`: the single place host work is priced. */
export function hostWorkFuel(work: HostWork, fuelPerSecond = FUEL_PER_CPU_SECOND): number {
  if (UNCHARGED) return 0;
  const ns = (work.calls ?? 0) * HOST_NS.call + (work.bytes ?? 0) * HOST_NS.byte + (work.steps ?? 0) * HOST_NS.step
    + (work.randomBytes ?? 0) * HOST_NS.randomByte;
  return Math.ceil((ns * fuelPerSecond) / 1e9);
}
