// The native JSON API: POST /api/v1/jail_code and /api/v1/safe_exec, everything codejail's
// functions take and give plus the run's facts (fuel, wall time, the limit that stopped it).
// This module maps HTTP onto the jail's requests and results, nothing more: bodies are shaped by
// apiSchemas.ts, requests are checked by the jail.
import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../config/config.js';
import { parsePyJson, PyJsonError, PyJsonLimitError } from '../jail/pyjson.js';
import { shownOutput } from '../jail/runOutput.js';
import type { CodejailLimits, JailService, RunResult } from '../jail/types.js';
import { HttpError } from './errors.js';
import type { HealthState } from './health.js';
import { callJail, clientGone } from './jailCalls.js';
import { sendJson, sendJsonText } from './json.js';
import type { Metrics } from './metrics.js';
import type * as z from 'zod';
import {
  bodyForSchema, JailCodeBodySchema, parseBody, SafeExecBodySchema,
  type JailCodeAnswerSchema, type SafeExecFailureSchema, type SafeExecSuccessSchema,
} from './apiSchemas.js';
import { describeRequest, endpoint, info, recordRun } from './requestInfo.js';

export interface NativeApiDeps {
  jail: JailService;
  config: Config;
  health: HealthState;
  metrics: Metrics;
  requireAuth: express.RequestHandler;
}

const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');

/** stdout and stderr as an answer shows them: each at most 3/16 of the answer limit (a quarter
 * of it once in base64), the marker after what was left out. */
function shownStreams(stdout: Uint8Array, stderr: Uint8Array, answerLimit: number) {
  const max = Math.floor((answerLimit * 3) / 16);
  const out = shownOutput(stdout, max);
  const err = shownOutput(stderr, max);
  return { stdout_b64: b64(out.bytes), stderr_b64: b64(err.bytes), stdoutCut: out.cut, stderrCut: err.cut };
}

type RunFacts = Pick<z.input<typeof JailCodeAnswerSchema>, 'outcome' | 'limit_hit' | 'fuel_used' | 'wall_ms' | 'effective_limits' | 'image'>;

/** What every answer of this API tells about the run itself. */
function runFacts(r: { run: RunResult; effectiveLimits: CodejailLimits; image: string }): RunFacts {
  return {
    outcome: r.run.outcome,
    limit_hit: (r.run.limitHit ?? null) as RunFacts['limit_hit'],
    fuel_used: r.run.fuelUsed,
    wall_ms: r.run.wallMs,
    effective_limits: r.effectiveLimits,
    image: r.image,
  };
}

/** The body as Python's json.loads reads it (lossless), checked against `schema`. */
function readBody<S extends typeof JailCodeBodySchema | typeof SafeExecBodySchema>(req: Request, schema: S, raw: readonly string[]) {
  const ct = req.headers['content-type'];
  if (ct && !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(ct)) {
    throw new HttpError(415, `Unsupported media type "${ct}" in request: send application/json`, 'unsupported_media_type');
  }
  const buf = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new HttpError(400, 'body: not valid UTF-8', 'bad_request');
  }
  let parsed;
  try {
    parsed = parsePyJson(text);
  } catch (e) {
    if (e instanceof PyJsonError || e instanceof PyJsonLimitError) {
      throw new HttpError(400, `body: unable to parse JSON: ${e.message}`, 'bad_request');
    }
    throw e;
  }
  const r = parseBody(schema, bodyForSchema(parsed, raw));
  if (!r.ok) throw new HttpError(400, r.problem.message, 'bad_request');
  return r.value;
}

export function nativeApi(deps: NativeApiDeps): Router {
  const { jail, config, health, metrics } = deps;
  const router = express.Router();
  const rawBody = express.raw({ type: () => true, limit: config.maxBodyBytes });
  const ready = (): void => {
    if (!health.isOk()) throw new HttpError(503, 'service not ready: the startup self-test has not passed', 'not_ready');
  };

  router.post('/api/v1/jail_code', endpoint('jail_code'), deps.requireAuth, rawBody, async (req: Request, res: Response) => {
    ready();
    const jreq = readBody(req, JailCodeBodySchema, []);
    describeRequest(res, jreq);
    const r = await callJail(jail.jailCode({ ...jreq, signal: clientGone(res) }), config.requestTimeoutMs);
    recordRun(res, metrics, r.run);
    info(res).outcome = 'success';
    const shown = shownStreams(r.stdout, r.stderr, config.answerLimitBytes);
    sendJson(res, 200, {
      status: r.status,
      stdout_b64: shown.stdout_b64,
      stderr_b64: shown.stderr_b64,
      stdout_truncated: r.run.stdoutTruncated || shown.stdoutCut,
      stderr_truncated: r.run.stderrTruncated || shown.stderrCut,
      ...runFacts(r),
    } satisfies z.input<typeof JailCodeAnswerSchema>);
  });

  router.post('/api/v1/safe_exec', endpoint('safe_exec'), deps.requireAuth, rawBody, async (req: Request, res: Response) => {
    ready();
    const sreq = readBody(req, SafeExecBodySchema, ['globals_dict']);
    describeRequest(res, sreq);
    const r = await callJail(jail.safeExec({ ...sreq, signal: clientGone(res) }), config.requestTimeoutMs);
    recordRun(res, metrics, r.run);
    if (r.ok) {
      info(res).outcome = 'success';
      // The globals text goes out as the jail checked it: big ints and NaN stay as Python wrote them.
      const { limit_hit: _, ...facts } = runFacts(r);
      const rest = JSON.stringify({ status: 0, ...facts } satisfies Omit<z.input<typeof SafeExecSuccessSchema>, 'globals_dict'>);
      return sendJsonText(res, 200, `{"globals_dict":${r.globalsJson},${rest.slice(1)}`);
    }
    info(res).outcome = 'emsg';
    const shown = shownStreams(r.stdout, r.stderr, config.answerLimitBytes);
    sendJson(res, 200, {
      exception: r.exception,
      emsg: r.emsg,
      status: r.status,
      stdout_b64: shown.stdout_b64,
      stderr_b64: shown.stderr_b64,
      ...runFacts(r),
    } satisfies z.input<typeof SafeExecFailureSchema>);
  });

  return router;
}
