// A native API body read as Python's json.loads reads it (lossless) and checked against its
// schema. Receiving, decoding and parsing are linear in the body, up to the body limit: a 16 MB
// body of deep `files` paths held the HTTP thread for over a second (issue #19), and on a
// machine where fresh memory is slow to touch even assembling it in one buffer took hundreds
// of milliseconds. So a body over 64 KiB is passed on chunk by chunk as it arrives to the
// helper thread, which assembles, parses and checks it and gives back only the request; a
// small body is read here.
import type { IncomingMessage } from 'node:http';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { buffersOf, offThread, type Moved } from '../jail/offThread.js';
import { parsePyJson, PyJsonError, PyJsonLimitError } from '../jail/pyjson.js';
import { checkJailCodeRequest, checkSafeExecRequest } from '../jail/request.js';
import { BadRequestError, type JailCodeRequest, type SafeExecRequest } from '../jail/types.js';
import { bodyForSchema, JailCodeBodySchema, parseBody, SafeExecBodySchema } from './apiSchemas.js';
import { HttpError } from './errors.js';
import { badRequestMessage } from './jailCalls.js';

export interface BodyRequests { jail_code: JailCodeRequest; safe_exec: SafeExecRequest }
export type BodyReading<T> = { ok: true; value: T } | { ok: false; message: string };

/** Bodies up to this size are read on the calling thread: the hop would cost more. */
const READ_HERE_BYTES = 64 * 1024;

const tooLarge = (maxBytes: number) => new HttpError(413, `request body too large (limit ${maxBytes} bytes)`, 'too_large');

/** The request's body, read and checked as `kind`; over `maxBytes` is a 413, before more is read. */
export async function readJsonRequest<K extends keyof BodyRequests>(req: IncomingMessage, kind: K, maxBytes: number): Promise<BodyReading<BodyRequests[K]>> {
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    req.resume();
    throw new HttpError(415, `unsupported content encoding "${encoding}"`, 'unsupported_media_type');
  }
  if (Number(req.headers['content-length']) > maxBytes) {
    req.resume();
    throw tooLarge(maxBytes);
  }
  const head: Buffer[] = [];
  let size = 0;
  let channel: MessageChannel | null = null;
  let reading: Promise<BodyReading<BodyRequests[K]>> | null = null;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        req.resume();
        throw tooLarge(maxBytes);
      }
      if (!channel && size > READ_HERE_BYTES) {
        channel = new MessageChannel();
        reading = offThread.call(new URL(import.meta.url), 'readJsonBodyFromPort', [channel.port2, kind], [channel.port2]);
        for (const c of head.splice(0)) channel.port1.postMessage(c);
      }
      // Copied, a socket read's worth at a time: the memory is reused, never a body-sized block.
      if (channel) channel.port1.postMessage(chunk);
      else head.push(chunk);
    }
  } catch (e) {
    channel?.port1.postMessage('abort');
    channel?.port1.close();
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, 'request aborted', 'bad_request');
  }
  if (!channel) return readJsonBodyMoved(Buffer.concat(head), kind).value;
  channel.port1.postMessage('end');
  try {
    return await reading!;
  } finally {
    channel.port1.close();
  }
}

/** The helper thread's side: the chunks from `port` until 'end', then read as readJsonBodyMoved. */
export function readJsonBodyFromPort<K extends keyof BodyRequests>(port: MessagePort, kind: K): Promise<Moved<BodyReading<BodyRequests[K]>>> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    port.on('message', (m: Uint8Array | 'end' | 'abort') => {
      if (m === 'end' || m === 'abort') {
        port.close();
        const body = m === 'end' ? Buffer.concat(chunks) : null;
        chunks.length = 0;
        resolve(body ? readJsonBodyMoved(body, kind) : { value: { ok: false, message: 'request aborted' }, transfer: [] });
      } else {
        chunks.push(m);
      }
    });
  });
}

/** Decode, parse and check a whole body; the request's bytes (files, stdin) are moved back. */
export function readJsonBodyMoved<K extends keyof BodyRequests>(body: Uint8Array, kind: K): Moved<BodyReading<BodyRequests[K]>> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { value: { ok: false, message: 'body: not valid UTF-8' }, transfer: [] };
  }
  let parsed;
  try {
    parsed = parsePyJson(text);
  } catch (e) {
    if (e instanceof PyJsonError || e instanceof PyJsonLimitError) return { value: { ok: false, message: `body: unable to parse JSON: ${e.message}` }, transfer: [] };
    throw e;
  }
  const r = kind === 'jail_code' ? parseBody(JailCodeBodySchema, bodyForSchema(parsed, [])) : parseBody(SafeExecBodySchema, bodyForSchema(parsed, ['globals_dict']));
  if (!r.ok) return { value: { ok: false, message: r.problem.message }, transfer: [] };
  const req = r.value as JailCodeRequest & SafeExecRequest;
  // The jail's own check of the request, here too: a request it refuses (4,000 files of 2,000
  // levels) is refused on this thread, instead of coming back whole (16 MB of path strings
  // grew the HTTP thread's heap by as much) to be refused there. The jail checks again.
  try {
    if (kind === 'jail_code') checkJailCodeRequest(req);
    else checkSafeExecRequest(req);
  } catch (e) {
    if (e instanceof BadRequestError) return { value: { ok: false, message: badRequestMessage(e) }, transfer: [] };
    throw e;
  }
  const bytes = [...(req.files ?? []).flatMap((f) => f.content ?? []), ...(req.extraFiles ?? []).map((f) => f.content), ...(req.stdin instanceof Uint8Array ? [req.stdin] : [])];
  return { value: { ok: true, value: r.value as BodyRequests[K] }, transfer: buffersOf(...bytes) };
}
