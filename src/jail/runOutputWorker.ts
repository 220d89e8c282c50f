// The thread behind RunOutputReader: reads safe_exec outputs off the thread that serves HTTP.
import { parentPort } from 'node:worker_threads';
import { readSafeExecOutput, type RunOutputJob, type RunOutputReply } from './runOutput.js';

const port = parentPort!;
port.on('message', (job: RunOutputJob) => {
  let reply: RunOutputReply;
  try {
    reply = { id: job.id, output: readSafeExecOutput(job.status, job.stdout, job.stderr, job.answerLimit) };
  } catch (e) {
    reply = { id: job.id, error: (e as Error)?.stack ?? String(e) };
  }
  port.postMessage(reply);
});
