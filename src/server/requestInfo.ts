// What the service records about each request: one log line (with a request id the caller may
// pass in X-Request-Id) and the request metrics when the answer is done, plus the run's fuel and
// outcome for the runs it made.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { RunResult } from '../jail/types.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface RequestInfo {
  endpoint: string;
  outcome?: string;
  slug?: string | null;
  limit_overrides_context?: string | null;
  fuel?: number;
  run_outcome?: string;
  code?: string;
}

export function info(res: Response): RequestInfo {
  return res.locals.info as RequestInfo;
}

/** Names the endpoint of the routes after it, for logs and metrics. */
export const endpoint = (name: string) => (_req: Request, res: Response, next: NextFunction): void => {
  info(res).endpoint = name;
  next();
};

/** A caller's request id is kept when it looks like one; otherwise the service makes one. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Names each request (X-Request-Id, echoed in the answer) and counts it in the metrics when answered. */
export function requestRecorder(opts: { metrics: Metrics }) {
  const { metrics } = opts;
  return (req: Request, res: Response, next: NextFunction): void => {
    res.locals.start = process.hrtime.bigint();
    res.locals.info = { endpoint: 'other' } satisfies RequestInfo;
    res.on('finish', () => {
      const i = info(res);
      metrics.requests.inc({ endpoint: i.endpoint, outcome: outcomeOf(res) });
      metrics.duration.observe({ endpoint: i.endpoint }, elapsedMs(res) / 1000);
    });
    next();
  };
}

const outcomeOf = (res: Response) => info(res).outcome ?? (res.statusCode < 400 ? 'ok' : 'error');
const elapsedMs = (res: Response) => Number(process.hrtime.bigint() - (res.locals.start as bigint)) / 1e6;

/** The request's logger: its lines carry the request id (made on first use: most requests log
 * only their request line, which requestLog writes without one). */
export function requestLogger(res: Response): Logger {
  const l = res.locals.log as { root: Logger; id: string; child?: Logger };
  return (l.child ??= l.root.child({ request_id: l.id }));
}

/** One log line per answered request (health and metrics scrapes excepted), with its request id,
 * written when the answer is finished or the connection closes before it. The line is what a
 * child logger with the request id would write ({level, timestamp, request_id, fields…, msg}):
 * the id leads the fields. (This replaced pino-http, which made two child loggers per request,
 * one serializing the request with its headers only to be dropped.) */
export function requestLog(opts: { logger: Logger; logCode: boolean }) {
  const { logger, logCode } = opts;
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    res.locals.log = { root: logger, id };
    const done = (): void => {
      res.removeListener('finish', done);
      res.removeListener('close', done);
      res.removeListener('error', done);
      const i = info(res);
      if (i.endpoint === 'metrics' || i.endpoint === 'health') return;
      const e: Record<string, unknown> = {
        request_id: id,
        endpoint: i.endpoint,
        method: req.method,
        path: req.path,
        slug: i.slug ?? null,
        limit_overrides_context: i.limit_overrides_context ?? null,
        outcome: outcomeOf(res),
        status: res.statusCode,
        duration_ms: Math.round(elapsedMs(res) * 1000) / 1000,
        fuel: i.fuel ?? null,
      };
      if (i.run_outcome) e.run_outcome = i.run_outcome;
      if (logCode && i.code !== undefined) e.code = i.code;
      logger.info(e, 'request');
    };
    res.on('finish', done);
    res.on('close', done);
    res.on('error', done);
    next();
  };
}

/** The request's jail fields, for its log line. */
export function describeRequest(res: Response, req: { slug?: string | null; limitOverridesContext?: string | null; code?: string | null }): void {
  const i = info(res);
  i.slug = req.slug ?? null;
  i.limit_overrides_context = req.limitOverridesContext ?? null;
  if (typeof req.code === 'string') i.code = req.code;
}

export function recordRun(res: Response, metrics: Metrics, run: RunResult): void {
  const i = info(res);
  i.fuel = run.fuelUsed;
  i.run_outcome = run.outcome;
  metrics.runs.inc({ endpoint: i.endpoint, run_outcome: run.outcome });
  if (Number.isFinite(run.fuelUsed)) {
    metrics.fuel.observe({ endpoint: i.endpoint }, run.fuelUsed);
    metrics.fuelTotal.inc({ endpoint: i.endpoint }, run.fuelUsed);
  }
}
