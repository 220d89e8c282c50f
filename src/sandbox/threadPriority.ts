// Threads that do a request's heavy work (sandbox runs, reading big outputs, building big
// answers) run at a lower scheduling priority than the thread that serves HTTP: with more busy
// threads than cores (6 workers on 2 cores), an equal share left /health/ and every answer
// waiting behind hostile runs (issue #19). Linux applies setpriority() to a single thread when
// given its thread id, which /proc/thread-self names.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Nice value of the worker threads (the HTTP thread keeps the process's own, usually 0). */
export const WORKER_NICE = 10;

/** Lower the calling thread's priority to `nice` (a no-op where threads cannot be told apart). */
export function lowerThisThreadPriority(nice = WORKER_NICE): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) setPriority(tid, nice);
  } catch {
    // Not Linux, or no /proc: every thread keeps the process's priority.
  }
}
