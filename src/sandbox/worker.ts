// Worker thread: one warm interpreter restored from the shared snapshot. Runs one request at
// a time, replies, then restores the snapshot before saying it is ready again, so the restore
// is off the next request's critical path whenever there is a gap between requests.
import { parentPort, workerData } from 'node:worker_threads';
import { PythonInstance, type Snapshot } from './PythonInstance.js';
import { imageTree } from './imageTree.js';
import { PlacementError, type ReadOnlyFile } from './wasi/InMemoryFs.js';
import type { RunRequest, RunResult } from './types.js';

export interface WorkerInit {
  module: WebAssembly.Module;
  files: ReadOnlyFile[];
  snapshot: Snapshot;
  /** Reliability suite only: fail at start, as a worker that cannot get memory would. */
  failStart?: boolean;
}
export type ToWorker = { type: 'run'; id: number; request: RunRequest };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: RunResult }
  /** The request itself cannot run (its files cannot be laid out); nothing of it ran. */
  | { type: 'rejected'; id: number; message: string }
  /** The instance could not be brought back to the snapshot: retire this worker. */
  | { type: 'broken'; detail: string };

const init = workerData as WorkerInit;
if (init.failStart) throw new Error('injected worker start failure');
// Fault injection for the reliability suite only: make every Nth restore fail, as a restore
// that cannot allocate memory would. Never set in production.
const failRestoreEvery = Number(process.env.CODEJAIL_WASM_TEST_FAIL_RESTORE_EVERY ?? 0);
// Fault injection for the watchdog's tests only: a host that never ends a run by REALTIME
// itself (as a stuck host would not), so that only the watchdog can stop it. Never set in production.
const stuckHost = process.env.CODEJAIL_WASM_TEST_STUCK_HOST === '1';
let runs = 0;
const port = parentPort!;
const tree = imageTree(init.files);
const instance = PythonInstance.fromSnapshot(init.module, tree, init.snapshot);
// A small snapshot is restored from a private, non-shared copy: V8 copies out of a
// SharedArrayBuffer with relaxed atomic word moves, ~20 % slower than a plain memcpy while the
// bytes fit in the CPU caches (7.9 MiB: median 1.16 vs 0.93 ms, interleaved). Past that, both
// are bound by memory bandwidth (16-45 MiB: 3-8 %), not worth a private copy per worker. The
// copy is made at the first restore, so workers of an unused image do not pay for it.
const PRIVATE_SNAPSHOT_MAX_BYTES = 12 << 20;
let privateSnapshot: Snapshot | null = null;
const snapshot = (): Snapshot => {
  if (init.snapshot.memory.length > PRIVATE_SNAPSHOT_MAX_BYTES) return init.snapshot;
  return (privateSnapshot ??= { memory: new Uint8Array(init.snapshot.memory), globals: init.snapshot.globals });
};

port.on('message', (msg: ToWorker) => {
  if (msg.type !== 'run') return;
  let reply: FromWorker;
  try {
    const result = instance.run(msg.request, { realtime: !stuckHost });
    reply = { type: 'result', id: msg.id, result };
  } catch (err) {
    if (err instanceof PlacementError) {
      reply = { type: 'rejected', id: msg.id, message: err.message.split(`${msg.request.cwd}/`).join('') };
    } else {
      // A host-side failure (our bug, not the program's): report it as a crash of this run.
      reply = { type: 'result', id: msg.id, result: {
        outcome: 'crashed', status: -11, stdout: new Uint8Array(0), stderr: new Uint8Array(0),
        stdoutTruncated: false, stderrTruncated: false, fuelUsed: 0, wallMs: 0,
        detail: `host error: ${(err as Error)?.stack ?? String(err)}`,
      } };
    }
  }
  // The output buffers are handed over, not copied (each owns its ArrayBuffer).
  const transfer = reply.type === 'result' ? [reply.result.stdout.buffer, reply.result.stderr.buffer] as ArrayBuffer[] : [];
  port.postMessage(reply, transfer);
  try {
    runs++;
    if (failRestoreEvery > 0 && runs % failRestoreEvery === 0) throw new Error('injected snapshot restore failure');
    instance.restore(snapshot());
  } catch (err) {
    // Never serve from an instance whose state is unknown: the pool replaces this worker.
    // Sent on the same port as the result, so the result is always delivered first.
    port.postMessage({ type: 'broken', detail: String((err as Error)?.stack ?? err) } satisfies FromWorker);
    return;
  }
  port.postMessage({ type: 'ready' } satisfies FromWorker);
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
