// What the service records about each request: one log line and the request metrics when the
// answer is done, plus the run's fuel and outcome for the runs it made.
import type { NextFunction, Request, Response } from 'express';
import type { RunResult } from '../jail/types.js';
import type { Metrics } from './metrics.js';

export type LogFn = (entry: Record<string, unknown>) => void;

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

/** Records one log entry (health and metrics scrapes excepted) and the request metrics per request. */
export function requestRecorder(opts: { metrics: Metrics; log: LogFn; logCode: boolean }) {
  const { metrics, log } = opts;
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.locals.info = { endpoint: 'other' } satisfies RequestInfo;
    res.on('finish', () => {
      const i = info(res);
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      const outcome = i.outcome ?? (res.statusCode < 400 ? 'ok' : 'error');
      metrics.requests.inc({ endpoint: i.endpoint, outcome });
      metrics.duration.observe({ endpoint: i.endpoint }, durationMs / 1000);
      if (i.endpoint === 'metrics' || i.endpoint === 'health') return; // scraped constantly: no log noise
      const entry: Record<string, unknown> = {
        timestamp: new Date().toISOString(),
        endpoint: i.endpoint,
        method: req.method,
        path: req.path,
        slug: i.slug ?? null,
        limit_overrides_context: i.limit_overrides_context ?? null,
        outcome,
        status: res.statusCode,
        duration_ms: Math.round(durationMs * 1000) / 1000,
        fuel: i.fuel ?? null,
      };
      if (i.run_outcome) entry.run_outcome = i.run_outcome;
      if (opts.logCode && i.code !== undefined) entry.code = i.code;
      log(entry);
    });
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
