// A jail call on behalf of an HTTP request: under the per-request deadline, dropped from the
// queue when the client goes away, with the jail's errors mapped to HTTP errors.
import type { Response } from 'express';
import { BadRequestError, CancelledError, UnavailableError } from '../jail/types.js';
import { HttpError } from './errors.js';

class DeadlineError extends Error {}

/** Aborts when the client disconnects before the answer: its queued run is dropped. */
export function clientGone(res: Response): AbortSignal {
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

/** A BadRequestError's message, made to name its field if it does not already. */
export function badRequestMessage(e: BadRequestError): string {
  return e.field && !e.message.includes(e.field) ? `${e.field}: ${e.message}` : e.message;
}

export async function callJail<T>(p: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError()), timeoutMs);
  });
  p.catch(() => undefined); // a late failure after a timeout must not be unhandled
  try {
    return await Promise.race([p, deadline]);
  } catch (e) {
    if (e instanceof DeadlineError) throw new HttpError(504, `request timed out after ${timeoutMs} ms`, 'timeout');
    if (e instanceof UnavailableError) throw new HttpError(503, e.message || 'service unavailable', 'unavailable');
    // The client is gone and its run never started: nobody reads this answer.
    if (e instanceof CancelledError) throw new HttpError(503, e.message, 'cancelled');
    if (e instanceof BadRequestError) throw new HttpError(400, badRequestMessage(e), 'bad_request');
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
