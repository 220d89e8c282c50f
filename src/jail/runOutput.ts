// What a run's output means to codejail, within the size of an answer: a safe_exec run's globals
// (codejail's json.loads of stdout) or its SafeExecException text, and the stdout/stderr an
// answer shows. The work is linear in the output (up to the sandbox's output cap, 16 MiB per
// stream by default), so it runs on the helper thread (offThread.ts), never on the thread that
// serves HTTP; what it gives back is bounded by the answer limit.
import { readGlobalsOutput, type GlobalsOutputException } from './globalsOutput.js';
import { buffersOf, offThread, type Moved } from './offThread.js';
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

/** The reading, and the run's bytes it was given (moved to the helper thread and back). */
export interface ReadOutput { output: SafeExecOutput; stdout: Uint8Array; stderr: Uint8Array }

/** Outputs up to this size are read on the calling thread: the hop would cost more. */
const READ_HERE_BYTES = 64 * 1024;

/** readSafeExecOutput off the HTTP thread (on the helper thread for outputs over 64 KiB).
 * `stdout` and `stderr` are moved there: use the ones the promise gives back. */
export function readSafeExecOutputOffThread(status: number, stdout: Uint8Array, stderr: Uint8Array, answerLimit: number): Promise<ReadOutput> {
  if (stdout.length + stderr.length <= READ_HERE_BYTES) return Promise.resolve(readSafeExecOutputMoved(status, stdout, stderr, answerLimit).value);
  return offThread.call(new URL(import.meta.url), 'readSafeExecOutputMoved', [status, stdout, stderr, answerLimit], buffersOf(stdout, stderr));
}

/** readSafeExecOutput as the helper thread runs it: the run's bytes go back with the reading. */
export function readSafeExecOutputMoved(status: number, stdout: Uint8Array, stderr: Uint8Array, answerLimit: number): Moved<ReadOutput> {
  return { value: { output: readSafeExecOutput(status, stdout, stderr, answerLimit), stdout, stderr }, transfer: buffersOf(stdout, stderr) };
}
