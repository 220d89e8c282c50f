// The playground, one of the server's route families: one self-contained HTML page (inline
// CSS/JS, no external assets) to try code against this service's native API, and — on
// development hosts only — to compare a run with the legacy native runner side by side. Off by
// default; createApp mounts it when configured.
//
// The page talks to the native API on its own origin (POST /api/v1/safe_exec or /api/v1/jail_code),
// sending a bearer token if one is typed in. POST /playground/compare exists only when
// deps.legacy is true: it runs the *unsandboxed* native runner (src/legacy/nativeCodejail.ts), so it
// is for trusted developers on a trusted host, never for a production deployment. Its errors
// (bad JSON, too large) are answered by the server's error handler, as every route's.
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { randomBytes } from 'node:crypto';
import { buildCapaCode } from '../jail/capaProlog.js';
import { checkSeed } from '../jail/request.js';
import { BadRequestError, type JailService } from '../jail/types.js';
import { legacySafeExec, type LegacyOptions } from '../legacy/nativeCodejail.js';
import { CompareBodySchema, parseBody } from './apiSchemas.js';
import { sendJson } from './json.js';
import { playgroundHtml } from './playgroundPage.js';

export interface PlaygroundDeps {
  jail: JailService;
  /** Runtime image names to offer; the first is the default (and is not sent to the API). */
  images: string[];
  /** Offer "compare with legacy runner" (POST /playground/compare, native unsandboxed Python). */
  legacy: boolean;
  /** Options of the legacy runner (python binary, limits). */
  legacyOptions?: LegacyOptions;
  /** The service's authentication middleware (auth.ts requireAuth), run before /playground/compare. */
  requireAuth: RequestHandler;
  /** Limit on the compare request body, bytes (the service's maxBodyBytes). */
  maxBodyBytes: number;
}

export interface CompareSide {
  ok: boolean;
  status: number | null;
  globals: string | null;
  emsg: string | null;
  wall_ms: number;
  fuel?: number;
  outcome?: string;
  error?: string;
}

/** The JSON text of globals, re-serialised canonically so both sides compare equal when equal. */
function canonical(globalsText: string): string {
  try {
    return JSON.stringify(JSON.parse(globalsText));
  } catch {
    return globalsText.trim();
  }
}

export function playgroundRouter(deps: PlaygroundDeps): Router {
  const router = express.Router();
  const { images, legacy } = deps;

  router.get(['/playground', '/playground/'], (req: Request, res: Response) => {
    if (req.path === '/playground') return res.redirect(301, '/playground/');
    const nonce = randomBytes(16).toString('base64');
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; ` +
        `img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).type('html').send(playgroundHtml({ images, legacy, nonce }));
  });

  if (legacy) {
    const json = express.json({ limit: deps.maxBodyBytes, type: () => true });
    router.post('/playground/compare', deps.requireAuth, json, async (req: Request, res: Response) => {
      const parsed = parseBody(CompareBodySchema, req.body);
      if (!parsed.ok) return sendJson(res, 400, { error: parsed.problem.message });
      const b = { ...parsed.value, globalsJson: JSON.stringify(parsed.value.globals_dict ?? {}), capa: parsed.value.capa === true };
      let seed: number;
      try {
        seed = checkSeed(b.seed ?? undefined) ?? Math.floor(Math.random() * 2 ** 31);
      } catch (e) {
        if (e instanceof BadRequestError) return sendJson(res, 400, { error: e.message });
        throw e;
      }
      const code = b.capa ? buildCapaCode(b.code, seed) : b.code;

      const wasm: Promise<CompareSide> = deps.jail.safeExec({ code, globalsJson: b.globalsJson, seed, slug: 'playground-compare' }).then(
        (r) => r.ok
          ? { ok: true, status: 0, globals: r.globalsJson.trim(), emsg: null, wall_ms: r.run.wallMs, fuel: r.run.fuelUsed, outcome: r.run.outcome }
          : { ok: false, status: r.status, globals: null, emsg: r.emsg, wall_ms: r.run.wallMs, fuel: r.run.fuelUsed, outcome: r.run.outcome },
        (e: unknown) => ({ ok: false, status: null, globals: null, emsg: null, wall_ms: 0, error: (e as Error)?.message ?? String(e) }),
      );
      const native: Promise<CompareSide> = legacySafeExec({ code, globalsJson: b.globalsJson }, deps.legacyOptions).then(
        (r) => r.ok
          ? { ok: true, status: 0, globals: r.globalsJson.trim(), emsg: null, wall_ms: r.wallMs }
          : { ok: false, status: r.status, globals: null, emsg: r.emsg.split(r.jailDir).join('/tmp/codejail-XXXXXXXX'), wall_ms: r.wallMs },
        (e: unknown) => ({ ok: false, status: null, globals: null, emsg: null, wall_ms: 0, error: (e as Error)?.message ?? String(e) }),
      );
      const [w, l] = await Promise.all([wasm, native]);
      const same = !w.error && !l.error && w.ok === l.ok &&
        (w.ok ? canonical(w.globals ?? '') === canonical(l.globals ?? '') : w.status === l.status);
      sendJson(res, 200, { seed, capa: b.capa, same, wasm: w, legacy: l });
    });
  }

  return router;
}
