// The JSON body of an answer that carries a run's output. It can reach the answer limit (emsg,
// globals, each stream's base64), so a big one is built on the helper thread and only its
// bytes come back to the thread that serves HTTP (issue #19); a small one is built here.
import { buffersOf, freeNow, offThread, type Moved } from '../jail/offThread.js';
import { shownOutput } from '../jail/runOutput.js';

export interface AnswerParts {
  /** Members that are JSON text already (globals as the jail checked them), first, in order. */
  raw?: [key: string, json: string][];
  /** The other members, in order; a member named in `streams` holds a placeholder. */
  value: Record<string, unknown>;
  /** Members showing a stream: the base64 of at most `streamMax` of its bytes, the cut marker after. */
  streams?: Record<string, Uint8Array>;
  streamMax?: number;
}

/** Answers whose big parts stay under this are built on the calling thread: the hop would cost more. */
const BUILD_HERE_CHARS = 64 * 1024;

/** The answer's UTF-8 JSON bytes. The `streams` bytes are moved to the helper thread when it is
 * used: do not use them afterwards. */
export function answerBody(parts: AnswerParts): Promise<Uint8Array> {
  const streams = Object.values(parts.streams ?? {});
  const size = (parts.raw ?? []).reduce((n, [, json]) => n + json.length, 0)
    + streams.reduce((n, b) => n + Math.min(b.length, parts.streamMax ?? Infinity), 0)
    + Object.values(parts.value).reduce<number>((n, v) => n + (typeof v === 'string' ? v.length : 0), 0);
  if (size <= BUILD_HERE_CHARS) return Promise.resolve(answerBodyMoved(parts).value);
  return offThread.call(new URL(import.meta.url), 'answerBodyMovedAndFree', [parts], buffersOf(...streams));
}

/** answerBodyMoved on the helper thread, which then frees the streams' memory at once (the
 * thread may not collect garbage for a while; up to 2 x 16 MiB per answer). */
export function answerBodyMovedAndFree(parts: AnswerParts): Moved<Uint8Array> {
  const body = answerBodyMoved(parts);
  for (const bytes of Object.values(parts.streams ?? {})) freeNow(bytes);
  return body;
}

/** answerBody's work, as the helper thread runs it. */
export function answerBodyMoved(parts: AnswerParts): Moved<Uint8Array> {
  const value = { ...parts.value };
  for (const [key, bytes] of Object.entries(parts.streams ?? {})) {
    const shown = shownOutput(bytes, parts.streamMax ?? Infinity).bytes;
    value[key] = Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('base64');
  }
  const rest = JSON.stringify(value);
  const raw = (parts.raw ?? []).map(([key, json]) => `${JSON.stringify(key)}:${json}`).join(',');
  const text = raw === '' ? rest : rest === '{}' ? `{${raw}}` : `{${raw},${rest.slice(1)}`;
  // Its own buffer (Buffer.from may hand out a slice of a shared pool): it is moved, not copied.
  const bytes = new TextEncoder().encode(text);
  return { value: bytes, transfer: buffersOf(bytes) };
}
