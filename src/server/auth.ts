// Caller authentication. edx-platform's remote_exec sends, when CODE_JAIL_REST_SERVICE_OAUTH_URL,
// _CLIENT_ID and _CLIENT_SECRET are all set, an OAuth2 client-credentials JWT obtained by
// edx-rest-api-client's OAuthAPIClient, as "Authorization: JWT <token>"; other clients send
// "Authorization: Bearer <token>". Both schemes are accepted. A token is accepted if it equals
// a configured shared token, or is a JWT signed HS256 with a configured secret or RS256 with a
// configured JWK, whose exp/nbf/iss/aud pass. JWT verification is jose's; this module only
// chooses the keys and words the refusals.
import { createHash, createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { decodeProtectedHeader, errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import type { AuthConfig } from '../config/config.js';
import { authEnabled } from '../config/config.js';

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

/** Equal strings, compared in time independent of where they differ. */
function digestEq(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export interface Authenticator {
  readonly enabled: boolean;
  /** Rejects with AuthError when the Authorization header does not authenticate the caller. */
  check(authorization: string | undefined, nowSeconds?: number): Promise<void>;
}

interface VerificationKey {
  kid?: string;
  key: Uint8Array | KeyObject;
}

/** jose's refusal in the words the service has always used (tests and operators match them). */
function refusal(e: unknown): AuthError {
  if (e instanceof errors.JWTExpired) return new AuthError('token expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'exp') return new AuthError(e.reason === 'missing' ? 'invalid token: no exp claim' : 'invalid token: malformed exp claim');
    if (e.claim === 'nbf') return new AuthError(e.reason === 'check_failed' ? 'token not yet valid' : 'invalid token: malformed nbf claim');
    if (e.claim === 'iss') return new AuthError('invalid token: issuer not accepted');
    if (e.claim === 'aud') return new AuthError('invalid token: audience not accepted');
    return new AuthError(`invalid token: ${e.message}`);
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return new AuthError('invalid token: bad signature');
  if (e instanceof errors.JOSEError) return new AuthError('invalid token: malformed JWT');
  return e instanceof AuthError ? e : new AuthError('invalid token');
}

export function createAuthenticator(cfg: AuthConfig): Authenticator {
  const enabled = authEnabled(cfg);
  const secrets: VerificationKey[] = cfg.jwt.hs256Secrets.map((s) => ({ key: new TextEncoder().encode(s) }));
  // Imported at construction, so an unusable key stops the service at start rather than failing requests.
  const rsaKeys: VerificationKey[] = cfg.jwt.jwks.map((jwk) => ({
    kid: jwk.kid,
    key: createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
  }));

  async function verifyJwt(token: string, now: number): Promise<void> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new AuthError('invalid token: malformed JWT');
    }
    const alg = header.alg;
    let keys: VerificationKey[];
    if (alg === 'HS256') {
      if (secrets.length === 0) throw new AuthError('invalid token: HS256 tokens are not accepted');
      keys = secrets;
    } else if (alg === 'RS256') {
      const all = rsaKeys;
      if (all.length === 0) throw new AuthError('invalid token: RS256 tokens are not accepted');
      // The key the token names when we have it; every key otherwise (configured keys may lack kid).
      const named = all.filter((k) => header.kid !== undefined && k.kid === header.kid);
      keys = named.length > 0 ? named : all;
    } else {
      throw new AuthError(`invalid token: unsupported JWT algorithm ${JSON.stringify(alg)}`);
    }
    const options: JWTVerifyOptions = {
      algorithms: [alg],
      issuer: cfg.jwt.issuers.length > 0 ? cfg.jwt.issuers : undefined,
      audience: cfg.jwt.audiences.length > 0 ? cfg.jwt.audiences : undefined,
      clockTolerance: cfg.jwt.leewaySeconds,
      requiredClaims: cfg.jwt.requireExp ? ['exp'] : [],
      currentDate: new Date(now * 1000),
    };
    let last: unknown;
    for (const { key } of keys) {
      try {
        await jwtVerify(token, key, options);
        return;
      } catch (e) {
        // A wrong key is tried past; any other refusal (claims, form) is the token's own.
        if (!(e instanceof errors.JWSSignatureVerificationFailed)) throw refusal(e);
        last = e;
      }
    }
    throw refusal(last);
  }

  return {
    enabled,
    async check(authorization, nowSeconds = Date.now() / 1000) {
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
      const jwtConfigured = secrets.length > 0 || cfg.jwt.jwks.length > 0;
      if (jwtConfigured && token.split('.').length === 3) return verifyJwt(token, nowSeconds);
      throw new AuthError('invalid token');
    },
  };
}

/** Express middleware: 401 JSON (with a WWW-Authenticate challenge) unless the caller authenticates. */
export function requireAuth(auth: Authenticator, onRefused: (res: Response, message: string) => void) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      await auth.check(req.headers.authorization);
    } catch (e) {
      if (!(e instanceof AuthError)) return next(e);
      res.setHeader('WWW-Authenticate', 'Bearer realm="codejail-wasm"');
      return onRefused(res, e.message);
    }
    next();
  };
}
