// What a run's output means to codejail, within the size of an answer: a safe_exec run's globals
// (codejail's json.loads of stdout) or its SafeExecException text, and the stdout/stderr an
// answer shows. The work is linear in the output (up to the sandbox's output cap, 16 MiB per
// stream by default), so it runs on a worker thread (runOutputWorker.ts), never on the thread
// that serves HTTP; what it gives back is bounded by the answer limit.
import { Worker } from 'node:worker_threads';
import { readGlobalsOutput, type GlobalsOutputException } from './globalsOutput.js';
import { pyBytesReprPrefix } from './pyrepr.js';

/** Default bound on what one answer carries, bytes of text: 4 MiB. Real globals, tracebacks and
 * grader outputs are kilobytes; four answers at the bound being built at once stay well inside
 * the service's memory budget (issue #19: +256 MiB over idle under hostile load). */
export const DEFAULT_ANSWER_LIMIT_BYTES = 4 * 1024 * 1024;

/** Appended where an answer leaves bytes out: visible in the emsg and in the decoded stdout/stderr. */
export const ANSWER_CUT_MARKER = '[codejail-wasm: %d more bytes not in this answer]';
const cutMarker = (left: number): string => ANSWER_CUT_MARKER.replace('%d', String(left));

/** The output an answer shows: at most `maxBytes` of it, plus the marker when bytes were left out. */
export function shownOutput(bytes: Uint8Array, maxBytes: number): { bytes: Uint8Array; cut: boolean } {
  if (bytes.length <= maxBytes) return { bytes, cut: false };
  const marker = Buffer.from('\n' + cutMarker(bytes.length - maxBytes) + '\n');
  const out = new Uint8Array(maxBytes + marker.length);
  out.set(bytes.subarray(0, maxBytes));
  out.set(marker, maxBytes);
  return { bytes: out, cut: true };
}

/** repr(bytes) in at most `maxChars` characters, the marker after it when bytes were left out. */
function reprWithin(bytes: Uint8Array, maxChars: number): string {
  const { repr, shown } = pyBytesReprPrefix(bytes, maxChars);
  return shown === bytes.length ? repr : repr + cutMarker(bytes.length - shown);
}

/** codejail's SafeExecException text, byte for byte (each stream's repr within `maxChars`). */
export function safeExecExceptionMessage(stdout: Uint8Array, stderr: Uint8Array, status: number, maxChars = Infinity): string {
  return `Couldn't execute jailed code: stdout: ${reprWithin(stdout, maxChars)}, stderr: ${reprWithin(stderr, maxChars)} with status code: ${status}`;
}

export type SafeExecOutput =
  | { ok: true; globalsJson: string }
  | { ok: false; exception: 'SafeExecException' | GlobalsOutputException; emsg: string };

/**
 * What codejail's safe_exec makes of a finished run: status != 0 raises SafeExecException with
 * the run's stdout and stderr; otherwise json.loads(stdout) gives the globals, or raises. The
 * emsg gives each stream at most an eighth of `answerLimit`; globals larger than the whole
 * answer limit are not returned (ValueError, saying so): an answer cannot cut JSON short.
 */
export function readSafeExecOutput(status: number, stdout: Uint8Array, stderr: Uint8Array, answerLimit: number): SafeExecOutput {
  if (status !== 0) {
    // An eighth each: JSON at most doubles a repr (every backslash), leaving half the answer for
    // the streams' base64.
    return { ok: false, exception: 'SafeExecException', emsg: safeExecExceptionMessage(stdout, stderr, status, Math.floor(answerLimit / 8)) };
  }
  if (stdout.length > answerLimit) {
    return {
      ok: false, exception: 'ValueError',
      emsg: `the globals are ${stdout.length} bytes, more than an answer may carry (${answerLimit} bytes: CODEJAIL_WASM_ANSWER_LIMIT_BYTES)`,
    };
  }
  const g = readGlobalsOutput(stdout);
  return g.ok ? { ok: true, globalsJson: g.globalsJson } : { ok: false, exception: g.exception, emsg: g.message };
}

export interface RunOutputJob { id: number; status: number; stdout: Uint8Array; stderr: Uint8Array; answerLimit: number }
export type RunOutputReply = { id: number; output: SafeExecOutput } | { id: number; error: string };

const WORKER_URL = new URL('./runOutputWorker.js', import.meta.url);

/** One worker thread that reads safe_exec outputs in turn; started on first use, restarted if it dies. */
export class RunOutputReader {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(o: SafeExecOutput): void; reject(e: Error): void }>();

  read(status: number, stdout: Uint8Array, stderr: Uint8Array, answerLimit: number): Promise<SafeExecOutput> {
    const worker = this.worker ??= this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Copied, not transferred: the run's result keeps its bytes for the answer's stdout/stderr.
      worker.postMessage({ id, status, stdout, stderr, answerLimit } satisfies RunOutputJob);
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    worker.on('message', (msg: RunOutputReply) => {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (!p) return;
      if ('output' in msg) p.resolve(msg.output);
      else p.reject(new Error(`reading the run's output failed: ${msg.error}`));
    });
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the run-output thread exited with code ${code}`)));
    return worker;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
