// The native JSON API: POST /api/v1/jail_code and /api/v1/safe_exec, everything codejail's
// functions take and give plus the run's facts (fuel, wall time, the limit that stopped it).
// This module maps HTTP onto the jail's requests and results, nothing more: bodies are shaped by
// apiSchemas.ts, requests are checked by the jail.
import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../config/config.js';
import type { CodejailLimits, JailService, RunResult } from '../jail/types.js';
import { HttpError } from './errors.js';
import type { HealthState } from './health.js';
import { callJail, clientGone } from './jailCalls.js';
import { answerBody } from './answerBody.js';
import { sendJsonBytes } from './json.js';
import type { Metrics } from './metrics.js';
import type * as z from 'zod';
import type { JailCodeAnswerSchema, SafeExecFailureSchema, SafeExecSuccessSchema } from './apiSchemas.js';
import { readJsonRequest, type BodyRequests } from './jsonBody.js';
import { describeRequest, endpoint, info, recordRun } from './requestInfo.js';

export interface NativeApiDeps {
  jail: JailService;
  config: Config;
  health: HealthState;
  metrics: Metrics;
  requireAuth: express.RequestHandler;
}

/** An answer shows at most this much of each stream: 3/16 of the answer limit, a quarter of it
 * once in base64, so that both streams and an emsg of the same size fit. */
const streamMax = (answerLimit: number): number => Math.floor((answerLimit * 3) / 16);

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

/** The body, read (off this thread when big) and checked against the endpoint's schema. */
async function readBody<K extends keyof BodyRequests>(req: Request, kind: K, maxBytes: number): Promise<BodyRequests[K]> {
  const ct = req.headers['content-type'];
  if (ct && !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(ct)) {
    req.resume();
    throw new HttpError(415, `Unsupported media type "${ct}" in request: send application/json`, 'unsupported_media_type');
  }
  const r = await readJsonRequest(req, kind, maxBytes);
  if (!r.ok) throw new HttpError(400, r.message, 'bad_request');
  return r.value;
}

export function nativeApi(deps: NativeApiDeps): Router {
  const { jail, config, health, metrics } = deps;
  const router = express.Router();
  /** Every native call's way in and out of the jail: ready, the body read and checked as
   * `kind`, the call under the deadline (dropped when the client goes), the run recorded. */
  const call = async <K extends keyof BodyRequests, R extends { run: RunResult }>(
    req: Request, res: Response, kind: K, run: (body: BodyRequests[K] & { signal: AbortSignal }) => Promise<R>,
  ): Promise<R> => {
    if (!health.isOk()) throw new HttpError(503, 'service not ready: the startup self-test has not passed', 'not_ready');
    const body = await readBody(req, kind, config.maxBodyBytes);
    describeRequest(res, body);
    const r = await callJail(run({ ...body, signal: clientGone(res) }), config.requestTimeoutMs);
    recordRun(res, metrics, r.run);
    return r;
  };

  router.post('/api/v1/jail_code', endpoint('jail_code'), deps.requireAuth, async (req: Request, res: Response) => {
    const r = await call(req, res, 'jail_code', (b) => jail.jailCode(b));
    info(res).outcome = 'success';
    const max = streamMax(config.answerLimitBytes);
    const value = {
      status: r.status,
      stdout_b64: '', // the streams' places: filled in by answerBody
      stderr_b64: '',
      stdout_truncated: r.run.stdoutTruncated || r.stdout.length > max,
      stderr_truncated: r.run.stderrTruncated || r.stderr.length > max,
      ...runFacts(r),
    } satisfies z.input<typeof JailCodeAnswerSchema>;
    sendJsonBytes(res, 200, await answerBody({ value, streams: { stdout_b64: r.stdout, stderr_b64: r.stderr }, streamMax: max }));
  });

  router.post('/api/v1/safe_exec', endpoint('safe_exec'), deps.requireAuth, async (req: Request, res: Response) => {
    const r = await call(req, res, 'safe_exec', (b) => jail.safeExec(b));
    if (r.ok) {
      info(res).outcome = 'success';
      // The globals text goes out as the jail checked it: big ints and NaN stay as Python wrote them.
      const { limit_hit: _, ...facts } = runFacts(r);
      const value = { status: 0, ...facts } satisfies Omit<z.input<typeof SafeExecSuccessSchema>, 'globals_dict'>;
      return sendJsonBytes(res, 200, await answerBody({ raw: [['globals_dict', r.globalsJson]], value }));
    }
    info(res).outcome = 'emsg';
    const value = {
      exception: r.exception,
      emsg: r.emsg,
      status: r.status,
      stdout_b64: '', // the streams' places: filled in by answerBody
      stderr_b64: '',
      ...runFacts(r),
    } satisfies z.input<typeof SafeExecFailureSchema>;
    const streams = { stdout_b64: r.stdout, stderr_b64: r.stderr };
    sendJsonBytes(res, 200, await answerBody({ value, streams, streamMax: streamMax(config.answerLimitBytes) }));
  });

  return router;
}
