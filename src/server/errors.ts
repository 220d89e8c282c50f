// HTTP errors: every failure answers JSON {"error": message} with its status, never a stack trace.
import type { NextFunction, Request, Response } from 'express';
import { FormError } from './form.js';
import { sendJson } from './json.js';
import { info, requestLogger } from './requestInfo.js';

/** An error that maps to an HTTP status and a JSON {"error": message} body; `outcome` labels metrics and logs. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly outcome: string) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendError(res: Response, status: number, message: string, outcome: string): void {
  info(res).outcome ??= outcome;
  sendJson(res, status, { error: message });
}

/** The last error handler: known errors as their status, anything else as a logged 500. */
export function errorHandler(opts: { maxBodyBytes: number }) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    void _next;
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof HttpError) return sendError(res, err.status, err.message, err.outcome);
    if (err instanceof FormError) return sendError(res, err.status, err.message, err.status === 413 ? 'too_large' : 'bad_request');
    const e = err as { type?: string; status?: number; message?: string };
    if (e && e.type === 'entity.too.large') {
      return sendError(res, 413, `request body too large (limit ${opts.maxBodyBytes} bytes)`, 'too_large');
    }
    if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && typeof e.type === 'string') {
      // body-parser's client errors (bad encoding, aborted, ...)
      return sendError(res, e.status, e.message ?? 'bad request', 'bad_request');
    }
    // The request's logger, so the line carries its request id.
    requestLogger(res).error({
      endpoint: info(res)?.endpoint,
      path: req.path,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    }, 'internal error');
    sendError(res, 500, 'internal error', 'error');
  };
}
