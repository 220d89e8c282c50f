// codejail-service's API, as openedx/codejail-service answers it: GET /health/ and
// POST /api/v0/code-exec (a form with a JSON `payload` and an optional python_lib.zip), with its
// checks in its order and its messages (codejail_service/apps/api/v0/views.py).
import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../config/config.js';
import { dumpPyJson, parsePyJson, PyJsonError, PyJsonLimitError, type PyValue } from '../jail/pyjson.js';
import type { JailService, SafeExecResult } from '../jail/types.js';
import { sendError } from './errors.js';
import { isFormContentType, parseForm } from './form.js';
import type { HealthState } from './health.js';
import { callJail, clientGone } from './jailCalls.js';
import { freeNow } from '../jail/offThread.js';
import { answerBody } from './answerBody.js';
import { sendJsonBytes, sendJsonText } from './json.js';
import type { Metrics } from './metrics.js';
import { payloadSchemaError } from './payloadSchema.js';
import type { Logger } from './logger.js';
import { describeRequest, endpoint, info, recordRun, requestLogger } from './requestInfo.js';
import { checkZip, ZipCheckError } from './zipCheck.js';

export interface CodejailServiceApiDeps {
  jail: JailService;
  config: Config;
  health: HealthState;
  metrics: Metrics;
  requireAuth: express.RequestHandler;
}

/** codejail-service's emsg for a failed safe_exec (codejail_service/codejail.py): a
 * SafeExecException's text as is; stdout that json.loads cannot decode is "corrupted stdout";
 * any other exception is logged and hidden. */
export function codeExecEmsg(r: Extract<SafeExecResult, { ok: false }>, log: Logger): string {
  if (r.exception === 'SafeExecException') return r.emsg;
  if (r.exception === 'JSONDecodeError') return 'Sandboxed code produced corrupted stdout.';
  log.error(`Unexpected error type from safe_exec: ${r.exception}: ${r.emsg}`);
  return "Couldn't execute sandboxed code: See logs.";
}

export function codejailServiceApi(deps: CodejailServiceApiDeps): Router {
  const { jail, config, health, metrics } = deps;
  const router = express.Router();

  router.get(['/health/', '/health'], endpoint('health'), (_req, res) => {
    if (health.isOk()) sendJsonText(res, 200, '{"status":"OK"}');
    else sendJsonText(res, 503, '{"status":"UNAVAILABLE"}');
  });

  router.post('/api/v0/code-exec', endpoint('code_exec_v0'), deps.requireAuth, async (req: Request, res: Response) => {
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
    describeRequest(res, { slug, limitOverridesContext, code });

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
        await checkZip(lib, config.zip);
      } catch (e) {
        if (e instanceof ZipCheckError) return sendError(res, 400, e.message, 'bad_request');
        throw e;
      }
    }

    const inputGlobals = dumpPyJson(globals);
    const result = await callJail(jail.safeExec({
      code,
      globalsJson: inputGlobals,
      pythonPath,
      extraFiles: lib !== undefined ? [{ name: 'python_lib.zip', content: new Uint8Array(lib) }] : [],
      limitOverridesContext,
      slug,
      image,
      signal: clientGone(res),
    }), config.requestTimeoutMs);
    recordRun(res, metrics, result.run);
    if (result.ok) {
      info(res).outcome = 'success';
      return sendJsonBytes(res, 200, await answerBody({ raw: [['globals_dict', result.globalsJson]], value: {} }));
    }
    // codejail-service returns the (unchanged) input globals alongside emsg: edxapp requires the key.
    info(res).outcome = 'emsg';
    const body = await answerBody({ raw: [['globals_dict', inputGlobals]], value: { emsg: codeExecEmsg(result, requestLogger(res)) } });
    // This answer shows no stream: their memory (up to 2 x the output cap) is given back now,
    // not at this thread's next collection.
    freeNow(result.stdout);
    freeNow(result.stderr);
    return sendJsonBytes(res, 200, body);
  });

  return router;
}
