// Worker thread: one warm interpreter restored from the shared snapshot. Runs one request at
// a time, replies, then restores the snapshot before saying it is ready again, so the restore
// is off the next request's critical path whenever there is a gap between requests. With the
// runtime's store barrier a restore copies only the chunks the run changed, straight from the
// snapshot every worker shares (ADR 0004).
import { parentPort, workerData } from 'node:worker_threads';
import { PythonInstance, type Snapshot } from './PythonInstance.js';
import { imageTree } from './imageTree.js';
import { testFault } from './testFaults.js';
import { lowerThisThreadPriority } from './threadPriority.js';
import { ReplyHandover } from './replyHandover.js';
import { PlacementError, type ReadOnlyFile } from './wasi/InMemoryFs.js';
import type { RunRequest, RunResult } from './types.js';

export interface WorkerInit {
  module: WebAssembly.Module;
  files: ReadOnlyFile[];
  snapshot: Snapshot;
  /** One Int32 the pool sets (and notifies) when it has taken a reply, and one shared by the
   * pool's workers holding how many of them wait ready beyond the queued requests: ReplyHandover. */
  handover: Int32Array;
  spare: Int32Array;
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
lowerThisThreadPriority();
// The reliability suite's switches (testFaults.ts): every Nth restore fails; a host that never
// ends a run by REALTIME itself, so that only the watchdog can stop it.
const failRestoreEvery = Number(testFault('failRestoreEvery') || 0);
const stuckHost = testFault('stuckHost') === '1';
let runs = 0;
const port = parentPort!;
const handover = new ReplyHandover(init.handover, init.spare);
const tree = imageTree(init.files);
const instance = PythonInstance.fromSnapshot(init.module, tree, init.snapshot);

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
  handover.post(() => port.postMessage(reply, transfer));
  try {
    runs++;
    if (failRestoreEvery > 0 && runs % failRestoreEvery === 0) throw new Error('injected snapshot restore failure');
    instance.restore(init.snapshot);
  } catch (err) {
    // Never serve from an instance whose state is unknown: the pool replaces this worker.
    // Sent on the same port as the result, so the result is always delivered first.
    port.postMessage({ type: 'broken', detail: String((err as Error)?.stack ?? err) } satisfies FromWorker);
    return;
  }
  port.postMessage({ type: 'ready' } satisfies FromWorker);
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
