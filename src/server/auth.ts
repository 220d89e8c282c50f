// Caller authentication. edx-platform's remote_exec sends, when CODE_JAIL_REST_SERVICE_OAUTH_URL,
// _CLIENT_ID and _CLIENT_SECRET are all set, an OAuth2 client-credentials JWT obtained by
// edx-rest-api-client's OAuthAPIClient, as "Authorization: JWT <token>"; other clients send
// "Authorization: Bearer <token>". Both schemes are accepted. A token is accepted if it equals
// a configured shared token, or is a JWT signed HS256 with a configured secret or RS256 with a
// configured JWK, whose exp/nbf/iss/aud pass.
import { createHmac, createHash, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuthConfig } from '../config/config.js';
import { authEnabled } from '../config/config.js';

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

function b64urlDecode(s: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new AuthError('invalid token: malformed base64url');
  return Buffer.from(s, 'base64url');
}

function digestEq(a: string | Buffer, b: string | Buffer): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export interface Authenticator {
  readonly enabled: boolean;
  /** Throws AuthError when the Authorization header does not authenticate the caller. */
  check(authorization: string | undefined, nowSeconds?: number): void;
}

export function createAuthenticator(cfg: AuthConfig): Authenticator {
  const enabled = authEnabled(cfg);
  const rsaKeys: { kid?: string; key: KeyObject }[] = cfg.jwt.jwks.map((jwk) => ({
    kid: typeof (jwk as { kid?: unknown }).kid === 'string' ? (jwk as { kid: string }).kid : undefined,
    key: createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
  }));

  function verifyJwt(token: string, now: number): void {
    const parts = token.split('.');
    if (parts.length !== 3) throw new AuthError('invalid token');
    const [h64, p64, s64] = parts;
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(b64urlDecode(h64).toString('utf8'));
      payload = JSON.parse(b64urlDecode(p64).toString('utf8'));
    } catch (e) {
      if (e instanceof AuthError) throw e;
      throw new AuthError('invalid token: malformed JWT');
    }
    if (!header || typeof header !== 'object' || !payload || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new AuthError('invalid token: malformed JWT');
    }
    const sig = b64urlDecode(s64);
    const signingInput = Buffer.from(`${h64}.${p64}`, 'ascii');
    const alg = header.alg;
    let ok = false;
    if (alg === 'HS256') {
      if (cfg.jwt.hs256Secrets.length === 0) throw new AuthError('invalid token: HS256 tokens are not accepted');
      for (const secret of cfg.jwt.hs256Secrets) {
        const mac = createHmac('sha256', secret).update(signingInput).digest();
        if (digestEq(mac, sig)) ok = true;
      }
    } else if (alg === 'RS256') {
      if (rsaKeys.length === 0) throw new AuthError('invalid token: RS256 tokens are not accepted');
      const kid = typeof header.kid === 'string' ? header.kid : undefined;
      const candidates = kid !== undefined && rsaKeys.some((k) => k.kid === kid) ? rsaKeys.filter((k) => k.kid === kid) : rsaKeys;
      for (const k of candidates) {
        if (verify('RSA-SHA256', signingInput, k.key, sig)) {
          ok = true;
          break;
        }
      }
    } else {
      throw new AuthError(`invalid token: unsupported JWT algorithm ${JSON.stringify(alg)}`);
    }
    if (!ok) throw new AuthError('invalid token: bad signature');

    const leeway = cfg.jwt.leewaySeconds;
    const exp = payload.exp;
    if (exp === undefined) {
      if (cfg.jwt.requireExp) throw new AuthError('invalid token: no exp claim');
    } else if (typeof exp !== 'number' || !Number.isFinite(exp)) {
      throw new AuthError('invalid token: malformed exp claim');
    } else if (now > exp + leeway) {
      throw new AuthError('token expired');
    }
    const nbf = payload.nbf;
    if (nbf !== undefined) {
      if (typeof nbf !== 'number' || !Number.isFinite(nbf)) throw new AuthError('invalid token: malformed nbf claim');
      if (now + leeway < nbf) throw new AuthError('token not yet valid');
    }
    if (cfg.jwt.issuers.length > 0) {
      if (typeof payload.iss !== 'string' || !cfg.jwt.issuers.includes(payload.iss)) {
        throw new AuthError('invalid token: issuer not accepted');
      }
    }
    if (cfg.jwt.audiences.length > 0) {
      const aud = payload.aud;
      const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [];
      if (!auds.some((a) => cfg.jwt.audiences.includes(a))) throw new AuthError('invalid token: audience not accepted');
    }
  }

  return {
    enabled,
    check(authorization, nowSeconds = Date.now() / 1000) {
      if (!enabled) return;
      if (!authorization) {
        throw new AuthError("authentication required: send 'Authorization: Bearer <token>' (or 'JWT <token>')");
      }
      const m = /^(Bearer|JWT)\s+(\S+)\s*$/i.exec(authorization);
      if (!m) throw new AuthError("unsupported Authorization header: expected 'Bearer <token>' or 'JWT <token>'");
      const token = m[2];
      let shared = false;
      for (const t of cfg.tokens) if (digestEq(t, token)) shared = true;
      if (shared) return;
      const jwtConfigured = cfg.jwt.hs256Secrets.length > 0 || rsaKeys.length > 0;
      if (jwtConfigured && token.split('.').length === 3) {
        verifyJwt(token, nowSeconds);
        return;
      }
      throw new AuthError('invalid token');
    },
  };
}

/** Express middleware: 401 JSON (with a WWW-Authenticate challenge) unless the caller authenticates. */
export function requireAuth(auth: Authenticator, onRefused: (res: Response, message: string) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      auth.check(req.headers.authorization);
    } catch (e) {
      if (!(e instanceof AuthError)) return next(e);
      res.setHeader('WWW-Authenticate', 'Bearer realm="codejail-wasm"');
      return onRefused(res, e.message);
    }
    next();
  };
}
