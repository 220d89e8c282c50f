// The HTTP service: codejail-service's API (/api/v0/code-exec, /health/), the native JSON API
// (/api/v1/jail_code, /api/v1/safe_exec), /metrics and the OpenAPI document.
// createApp does not listen; main.ts does.
import express, { type NextFunction, type Request, type Response } from 'express';
import { readFileSync } from 'node:fs';
import { BadRequestError, UnavailableError } from '../jail/types.js';
import type { JailService, SafeExecResult } from '../jail/types.js';
import type { RunResult } from '../sandbox/types.js';
import type { Config } from '../config/config.js';
import { createAuthenticator, AuthError } from './auth.js';
import { FormError, isFormContentType, parseForm } from './form.js';
import type { HealthState } from './health.js';
import { sendJsonText } from './json.js';
import { createMetrics, type Metrics } from './metrics.js';
import { payloadSchemaError } from './payloadSchema.js';
import { dumpPyJson, parsePyJson, PyJsonError, PyJsonLimitError, type PyValue } from '../jail/pyjson.js';
import { parseJailCodeBody, parseSafeExecBody } from './validate.js';
import { checkZip, ZipCheckError } from './zipCheck.js';
import { playgroundRouter } from '../playground/router.js';

export type LogFn = (entry: Record<string, unknown>) => void;

export interface AppOptions {
  jail: JailService;
  config: Config;
  health: HealthState;
  /** Receives one structured entry per request (default: a JSON line on stdout). */
  log?: LogFn;
  /** Receives internal errors with their stacks (default: a JSON line on stderr). */
  logError?: LogFn;
  metrics?: Metrics;
  /** Image names offered by the playground, default first. */
  images?: string[];
}

export type App = express.Express & { metrics: Metrics };

/** An error that maps to an HTTP status and a JSON {"error": message} body. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly outcome: string) {
    super(message);
    this.name = 'HttpError';
  }
}

class TimeoutError extends Error {}

interface RequestInfo {
  endpoint: string;
  outcome?: string;
  slug?: string | null;
  limit_overrides_context?: string | null;
  fuel?: number;
  run_outcome?: string;
  code?: string;
}

function info(res: Response): RequestInfo {
  return res.locals.info as RequestInfo;
}

function defaultLog(entry: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(entry) + '\n');
}
function defaultLogError(entry: Record<string, unknown>): void {
  process.stderr.write(JSON.stringify(entry) + '\n');
}

function sendError(res: Response, status: number, message: string, outcome: string): void {
  info(res).outcome ??= outcome;
  sendJsonText(res, status, JSON.stringify({ error: message }));
}

let openapiCache: string | undefined;
function openapiText(): string {
  openapiCache ??= readFileSync(new URL('../../../docs/api/openapi.json', import.meta.url), 'utf8');
  return openapiCache;
}

function b64(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
}

function isBadRequest(e: unknown): e is BadRequestError {
  return e instanceof BadRequestError || (e instanceof Error && e.name === 'BadRequestError' && 'field' in e);
}
function isUnavailable(e: unknown): e is UnavailableError {
  return e instanceof UnavailableError || (e instanceof Error && e.name === 'UnavailableError');
}

/** A BadRequestError's message, made to name its field if it does not already. */
function badRequestMessage(e: BadRequestError): string {
  return e.field && !e.message.includes(e.field) ? `${e.field}: ${e.message}` : e.message;
}

/** codejail-service's emsg for a failed safe_exec (codejail_service/codejail.py): a
 * SafeExecException's text as is; stdout that json.loads cannot decode is "corrupted stdout";
 * any other exception is logged and hidden. */
export function codeExecEmsg(r: Extract<SafeExecResult, { ok: false }>, logError: LogFn): string {
  if (r.exception === 'SafeExecException') return r.emsg;
  if (r.exception === 'JSONDecodeError') return 'Sandboxed code produced corrupted stdout.';
  logError({ timestamp: new Date().toISOString(), level: 'error', msg: `Unexpected error type from safe_exec: ${r.exception}: ${r.emsg}` });
  return "Couldn't execute sandboxed code: See logs.";
}

export function createApp(opts: AppOptions): App {
  const { jail, config, health } = opts;
  const log = opts.log ?? defaultLog;
  const logError = opts.logError ?? defaultLogError;
  const metrics = opts.metrics ?? createMetrics(jail);
  const auth = createAuthenticator(config.auth);
  const zipLimits = config.zip;

  const app = express() as App;
  app.metrics = metrics;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // Per-request bookkeeping: one log line and the request metrics when the response is done.
  app.use((req: Request, res: Response, next: NextFunction) => {
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
      if (config.logCode && i.code !== undefined) entry.code = i.code;
      log(entry);
    });
    next();
  });

  const endpoint = (name: string) => (_req: Request, res: Response, next: NextFunction) => {
    info(res).endpoint = name;
    next();
  };

  const requireAuth = (req: Request, res: Response, next: NextFunction) => {
    try {
      auth.check(req.headers.authorization);
      next();
    } catch (e) {
      if (e instanceof AuthError) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="codejail-wasm"');
        sendError(res, 401, e.message, 'unauthorized');
        return;
      }
      next(e);
    }
  };

  /** Run a jail call under the per-request deadline, mapping the jail's errors to HTTP. */
  /** Aborts when the client disconnects before the answer: its queued run is dropped. */
  function clientGone(res: Response): AbortSignal {
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    return ac.signal;
  }

  async function callJail<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError()), config.requestTimeoutMs);
    });
    p.catch(() => undefined); // a late failure after a timeout must not be unhandled
    try {
      return await Promise.race([p, deadline]);
    } catch (e) {
      if (e instanceof TimeoutError) {
        throw new HttpError(504, `request timed out after ${config.requestTimeoutMs} ms`, 'timeout');
      }
      if (isUnavailable(e)) throw new HttpError(503, e.message || 'service unavailable', 'unavailable');
      // The client is gone and its run never started: nobody reads this answer.
      if (e instanceof Error && e.name === 'CancelledError') throw new HttpError(503, e.message, 'cancelled');
      if (isBadRequest(e)) throw new HttpError(400, badRequestMessage(e), 'bad_request');
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  function recordRun(res: Response, run: RunResult): void {
    const i = info(res);
    i.fuel = run.fuelUsed;
    i.run_outcome = run.outcome;
    metrics.runs.inc({ endpoint: i.endpoint, run_outcome: run.outcome });
    if (Number.isFinite(run.fuelUsed)) {
      metrics.fuel.observe({ endpoint: i.endpoint }, run.fuelUsed);
      metrics.fuelTotal.inc({ endpoint: i.endpoint }, run.fuelUsed);
    }
  }

  // ---- codejail-service API ----

  app.get(['/health/', '/health'], endpoint('health'), (_req, res) => {
    if (health.isOk()) sendJsonText(res, 200, '{"status":"OK"}');
    else sendJsonText(res, 503, '{"status":"UNAVAILABLE"}');
  });

  app.post('/api/v0/code-exec', endpoint('code_exec_v0'), requireAuth, async (req: Request, res: Response) => {
    const i = info(res);
    if (!config.codeExecEnabled) return sendError(res, 500, 'Codejail service not enabled', 'disabled');
    if (!health.isOk()) return sendError(res, 500, 'Codejail service is not correctly configured', 'not_ready');
    const ct = req.headers['content-type'];
    if (ct && !isFormContentType(ct)) {
      req.resume();
      return sendError(res, 415, `Unsupported media type "${ct}" in request.`, 'unsupported_media_type');
    }
    const form = await parseForm(req, config.maxBodyBytes);

    const payloadText = form.fields.get('payload');
    if (payloadText === undefined) return sendError(res, 400, "Missing 'payload' parameter in POST body", 'bad_request');
    let params: PyValue;
    try {
      params = parsePyJson(payloadText);
    } catch (e) {
      if (e instanceof PyJsonError || e instanceof PyJsonLimitError) {
        return sendError(res, 400, `Unable to parse payload JSON: ${e.message}`, 'bad_request');
      }
      throw e;
    }
    const schemaError = payloadSchemaError(params);
    if (schemaError) return sendError(res, 400, schemaError, 'bad_request');
    if (params.t !== 'dict') throw new Error('unreachable: schema accepted a non-object payload');
    const p = params.entries;
    const code = (p.get('code') as { v: string }).v;
    const globals = p.get('globals_dict') as PyValue;
    const strOrNull = (v: PyValue | undefined) => (v && v.t === 'str' ? v.v : null);
    const pp = p.get('python_path');
    const pythonPath = pp && pp.t === 'list' ? pp.items.map((x) => (x as { v: string }).v) : [];
    const limitOverridesContext = strOrNull(p.get('limit_overrides_context'));
    const slug = strOrNull(p.get('slug'));
    const image = strOrNull(p.get('image'));
    const unsafely = p.get('unsafely');
    i.slug = slug;
    i.limit_overrides_context = limitOverridesContext;
    i.code = code;

    // The same guards, in the same order, as codejail-service.
    if (pythonPath.some((e) => e !== 'python_lib.zip')) {
      return sendError(res, 400, "Only allowed entry in 'python_path' is 'python_lib.zip'", 'bad_request');
    }
    if ([...form.files.keys()].some((n) => n !== 'python_lib.zip')) {
      return sendError(res, 400, "Only allowed name for uploaded file is 'python_lib.zip'", 'bad_request');
    }
    if (unsafely && unsafely.t === 'bool' && unsafely.v) {
      return sendError(res, 400, 'Refusing codejail execution with unsafely=true', 'bad_request');
    }
    const lib = form.files.get('python_lib.zip');
    if (lib !== undefined) {
      try {
        await checkZip(lib, zipLimits);
      } catch (e) {
        if (e instanceof ZipCheckError) return sendError(res, 400, e.message, 'bad_request');
        throw e;
      }
    }

    const inputGlobals = dumpPyJson(globals);
    const result: SafeExecResult = await callJail(
      jail.safeExec({
        code,
        globalsJson: inputGlobals,
        pythonPath,
        extraFiles: lib !== undefined ? [{ name: 'python_lib.zip', content: new Uint8Array(lib) }] : [],
        limitOverridesContext,
        slug,
        image,
        signal: clientGone(res),
      }),
    );
    recordRun(res, result.run);
    if (result.ok) {
      i.outcome = 'success';
      return sendJsonText(res, 200, `{"globals_dict":${result.globalsJson}}`);
    }
    // codejail-service returns the (unchanged) input globals alongside emsg: edxapp requires the key.
    i.outcome = 'emsg';
    return sendJsonText(res, 200, `{"globals_dict":${inputGlobals},"emsg":${JSON.stringify(codeExecEmsg(result, logError))}}`);
  });

  // ---- native JSON API ----

  const rawJson = express.raw({ type: () => true, limit: config.maxBodyBytes });

  async function readJsonBody(req: Request): Promise<PyValue> {
    const ct = req.headers['content-type'];
    if (ct && !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(ct)) {
      throw new HttpError(415, `Unsupported media type "${ct}" in request: send application/json`, 'unsupported_media_type');
    }
    const body: unknown = req.body;
    const buf = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      throw new HttpError(400, 'body: not valid UTF-8', 'bad_request');
    }
    try {
      return parsePyJson(text);
    } catch (e) {
      if (e instanceof PyJsonError || e instanceof PyJsonLimitError) {
        throw new HttpError(400, `body: unable to parse JSON: ${e.message}`, 'bad_request');
      }
      throw e;
    }
  }

  function ready(): void {
    if (!health.isOk()) throw new HttpError(503, 'service not ready: the startup self-test has not passed', 'not_ready');
  }

  function parseOr400<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (isBadRequest(e)) throw new HttpError(400, badRequestMessage(e), 'bad_request');
      throw e;
    }
  }

  app.post('/api/v1/jail_code', endpoint('jail_code'), requireAuth, rawJson, async (req: Request, res: Response) => {
    ready();
    const body = await readJsonBody(req);
    const jreq = parseOr400(() => parseJailCodeBody(body));
    const i = info(res);
    i.slug = jreq.slug ?? null;
    i.limit_overrides_context = jreq.limitOverridesContext ?? null;
    if (typeof jreq.code === 'string') i.code = jreq.code;
    const r = await callJail(jail.jailCode({ ...jreq, signal: clientGone(res) }));
    recordRun(res, r.run);
    i.outcome = 'success';
    sendJsonText(
      res,
      200,
      JSON.stringify({
        status: r.status,
        stdout_b64: b64(r.stdout),
        stderr_b64: b64(r.stderr),
        outcome: r.run.outcome,
        limit_hit: r.run.limitHit ?? null,
        fuel_used: r.run.fuelUsed,
        wall_ms: r.run.wallMs,
        stdout_truncated: r.run.stdoutTruncated,
        stderr_truncated: r.run.stderrTruncated,
        effective_limits: r.effectiveLimits,
        image: r.image,
      }),
    );
  });

  app.post('/api/v1/safe_exec', endpoint('safe_exec'), requireAuth, rawJson, async (req: Request, res: Response) => {
    ready();
    const body = await readJsonBody(req);
    const sreq = parseOr400(() => parseSafeExecBody(body));
    const i = info(res);
    i.slug = sreq.slug ?? null;
    i.limit_overrides_context = sreq.limitOverridesContext ?? null;
    i.code = sreq.code;
    const r = await callJail(jail.safeExec({ ...sreq, signal: clientGone(res) }));
    recordRun(res, r.run);
    const common = { fuel_used: r.run.fuelUsed, wall_ms: r.run.wallMs, effective_limits: r.effectiveLimits, image: r.image };
    if (r.ok) {
      i.outcome = 'success';
      const rest = JSON.stringify({ status: 0, outcome: r.run.outcome, ...common });
      return sendJsonText(res, 200, `{"globals_dict":${r.globalsJson},${rest.slice(1)}`);
    }
    i.outcome = 'emsg';
    sendJsonText(
      res,
      200,
      JSON.stringify({
        exception: r.exception,
        emsg: r.emsg,
        status: r.status,
        stdout_b64: b64(r.stdout),
        stderr_b64: b64(r.stderr),
        outcome: r.run.outcome,
        limit_hit: r.run.limitHit ?? null,
        ...common,
      }),
    );
  });

  // ---- operations ----

  app.get('/metrics', endpoint('metrics'), async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.status(200).type(metrics.registry.contentType).send(text);
  });

  app.get('/api/openapi.json', endpoint('openapi'), (_req, res) => {
    sendJsonText(res, 200, openapiText());
  });

  if (config.playground) {
    app.use('/playground', endpoint('playground'));
    app.use(playgroundRouter({ jail, images: opts.images ?? [], legacy: config.playgroundLegacy, auth }));
  }

  // Known paths with the wrong method (DRF answers 405 too).
  app.all(['/api/v0/code-exec', '/api/v1/jail_code', '/api/v1/safe_exec', '/metrics', '/api/openapi.json', '/health/'], (req, res) => {
    sendError(res, 405, `Method "${req.method}" not allowed.`, 'method_not_allowed');
  });

  app.use((_req: Request, res: Response) => {
    sendError(res, 404, 'not found', 'not_found');
  });

  // Final error handler: JSON, never a stack trace.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof HttpError) return sendError(res, err.status, err.message, err.outcome);
    if (err instanceof FormError) return sendError(res, err.status, err.message, err.status === 413 ? 'too_large' : 'bad_request');
    const e = err as { type?: string; status?: number; message?: string };
    if (e && e.type === 'entity.too.large') {
      return sendError(res, 413, `request body too large (limit ${config.maxBodyBytes} bytes)`, 'too_large');
    }
    if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && typeof e.type === 'string') {
      // body-parser's client errors (bad encoding, aborted, ...)
      return sendError(res, e.status, e.message ?? 'bad request', 'bad_request');
    }
    logError({
      timestamp: new Date().toISOString(),
      level: 'error',
      endpoint: info(res)?.endpoint,
      path: req.path,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    sendError(res, 500, 'internal error', 'error');
  });

  return app;
}
