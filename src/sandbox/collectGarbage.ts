// A full garbage collection of this thread's heap, on demand. A replaced instance's memory (at
// least the snapshot's size, every page resident) is given back only when the collector finds
// it unreachable, and V8 does not collect for it in time: with 4 workers replacing their
// instance after every run, replaced memories held +977 MiB over idle (issue #19); the
// interpreter booted for a snapshot stays resident likewise (ADR 0012).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// `gc` exists in contexts made while --expose-gc is set: take it from one. The flag is
// process-wide and stays set: unsetting it raced another thread taking its own `gc` (the main
// thread after a snapshot, workers loading this module), which then found no `gc` (a
// ReferenceError seen in a full test run). Nothing here runs untrusted JavaScript, so a `gc`
// in later contexts exposes nothing.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function collectGarbage(): void {
  gc();
}
