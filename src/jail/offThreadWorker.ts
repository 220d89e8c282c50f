// The helper thread behind OffThread: runs the named function of the named module.
import { parentPort } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../sandbox/threadPriority.js';
import type { Moved, OffThreadJob, OffThreadReply } from './offThread.js';

lowerThisThreadPriority();
const port = parentPort!;
port.on('message', async (job: OffThreadJob) => {
  try {
    const mod = await import(job.module) as Record<string, (...args: unknown[]) => Moved<unknown> | Promise<Moved<unknown>>>;
    // An async function (one waiting for a body's chunks) does not hold up the jobs after it.
    const { value, transfer } = await mod[job.fn]!(...job.args);
    port.postMessage({ id: job.id, value } satisfies OffThreadReply, transfer);
  } catch (e) {
    port.postMessage({ id: job.id, error: (e as Error)?.stack ?? String(e) } satisfies OffThreadReply);
  }
});
