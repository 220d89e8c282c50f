// A full garbage collection of this thread's heap, on demand. A replaced instance's memory (at
// least the snapshot's size, every page resident) is given back only when the collector finds
// it unreachable, and V8 does not collect for it in time: with 4 workers replacing their
// instance after every run, replaced memories held +791 MiB over idle (issue #19,
// bench/replacedMemory.ts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// `gc` exists in contexts made while --expose-gc is set: take it from one. The flag stays set:
// V8's flags are the process's, and a worker unsetting it raced another worker starting at the
// same moment, which then found no `gc` and failed to start (ReferenceError).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function collectGarbage(): void {
  gc();
}
