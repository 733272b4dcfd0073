/**
 * The hand-written DPoP floor's check (RFC 9449 §4.3 and §7.1): the least work a correct check of
 * a DPoP-bound JWT access token with a fresh proof does, for the floor apps (`minimal-dpop-check`
 * on Express and its `-fastify`, `-hono` and `-fetch` twins, each a thin wrapper of the route around
 * `checkDpop`, its refusal `DPOP_CHALLENGE` and its answer's `subOf`). Per request: the two
 * headers read; the proof's JWS header parsed and its key imported once per distinct header
 * segment (one client's proofs all share it, so a `Map` finds the key and its RFC 7638 thumbprint);
 * the signature checked with node:crypto (synchronously, so a request with a cached token is
 * answered without a promise); `typ`, `alg`, `htm`, `htu`, `iat` and `ath` compared; the token
 * checked as the cached-check floor does (SHA-256, `Map`, expiry — the token's SHA-256 is also the
 * proof's `ath`), its `cnf.jkt` compared with the proof key's thumbprint; and the proof's `jti`
 * recorded last in a `Map` with expiry, swept from its oldest end. ES256 only, `htu` compared as a
 * string (a client that writes the URL another way is refused, never a forged one accepted), no
 * nonces, no error codes, no size limits: not a library, but a floor.
 *
 * @example
 * ```ts
 * const checked = checkDpop('GET', `${BASE_URL}/protected`, req.headers.authorization, req.headers.dpop);
 * if (checked === undefined) return unauthorized();
 * if (checked instanceof Promise) return checked.then((claims) => (claims === undefined ? unauthorized() : ok(claims)));
 * return ok(checked);
 * ```
 */
import { createPublicKey, hash, type KeyObject, verify } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { API_JWT, ISSUER } from '../config.ts';

/** Seconds a proof is good for after its iat, and of clock difference either way: oidc-kit's defaults. */
const MAX_AGE = 60;
const TOLERANCE = 60;
/** Distinct proof headers (keys) remembered; one client needs one. */
const MAX_KEYS = 1000;

/**
 * The floors' `WWW-Authenticate` on a refusal (one answer for every failure: a floor has no error codes).
 *
 * @example
 * ```ts
 * reply.code(401).header('www-authenticate', DPOP_CHALLENGE).send({ error: 'invalid_token' });
 * ```
 */
export const DPOP_CHALLENGE = 'DPoP error="invalid_token", algs="ES256"';

/**
 * The subject a floor answers with: the token's `sub`, or a client-credentials token's `client_id`.
 *
 * @example
 * ```ts
 * Response.json({ sub: subOf(claims), ok: true });
 * ```
 */
export const subOf = (claims: JWTPayload): unknown => claims.sub ?? claims['client_id'];

const keys = createRemoteJWKSet(new URL(`${ISSUER}/jwks`));
const verified = new Map<string, JWTPayload>();
const proofKeys = new Map<string, { key: KeyObject; jkt: string }>();
/** `jkt.jti` → when it may be forgotten (ms); every entry lives as long, so the oldest come first. */
const used = new Map<string, number>();

/** The proof's key and its thumbprint from its header segment, or undefined when the header is not an ES256 DPoP header with a public P-256 key. */
function proofKey(segment: string): { key: KeyObject; jkt: string } | undefined {
  const known = proofKeys.get(segment);
  if (known !== undefined) return known;
  let header: { typ?: unknown; alg?: unknown; jwk?: { kty?: unknown; crv?: unknown; x?: unknown; y?: unknown; d?: unknown } };
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString()) as typeof header;
  } catch {
    return undefined;
  }
  const jwk = header.jwk;
  if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256' || typeof jwk !== 'object' || jwk === null) return undefined;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || jwk.d !== undefined) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
  } catch {
    return undefined;
  }
  const found = { key, jkt: hash('sha256', `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`, 'base64url') };
  if (proofKeys.size >= MAX_KEYS) proofKeys.clear();
  proofKeys.set(segment, found);
  return found;
}

/** Records `jkt.jti` as used; false when it was used before. */
function firstUse(id: string, now: number): boolean {
  for (const [old, until] of used) {
    if (until > now) break;
    used.delete(old);
  }
  if (used.has(id)) return false;
  used.set(id, now + (MAX_AGE + 2 * TOLERANCE + 1) * 1000);
  return true;
}

/**
 * The token's claims when the request's DPoP proof and token pass: at once when the token is
 * cached, as a promise on its first sighting (undefined when it fails), undefined on any refusal.
 *
 * @example
 * ```ts
 * checkDpop('GET', 'http://127.0.0.1:4330/protected', 'DPoP eyJ…', 'eyJ…'); // JWTPayload | Promise | undefined
 * ```
 */
export function checkDpop(method: string, htu: string, authorization: string | undefined, dpop: string | undefined): JWTPayload | Promise<JWTPayload | undefined> | undefined {
  if (authorization === undefined || !authorization.startsWith('DPoP ') || dpop === undefined || dpop.includes(',')) return undefined;
  const token = authorization.slice(5);
  const first = dpop.indexOf('.');
  const second = dpop.indexOf('.', first + 1);
  if (first < 0 || second < 0 || dpop.indexOf('.', second + 1) >= 0) return undefined;
  const proof = proofKey(dpop.slice(0, first));
  if (proof === undefined) return undefined;
  if (!verify('sha256', Buffer.from(dpop.slice(0, second)), { key: proof.key, dsaEncoding: 'ieee-p1363' }, Buffer.from(dpop.slice(second + 1), 'base64url'))) return undefined;
  let claims: { jti?: unknown; htm?: unknown; htu?: unknown; iat?: unknown; ath?: unknown };
  try {
    claims = JSON.parse(Buffer.from(dpop.slice(first + 1, second), 'base64url').toString()) as typeof claims;
  } catch {
    return undefined;
  }
  const now = Date.now();
  const seconds = Math.floor(now / 1000);
  if (claims.htm !== method || claims.htu !== htu || typeof claims.jti !== 'string' || claims.jti === '' || typeof claims.iat !== 'number') return undefined;
  if (claims.iat > seconds + TOLERANCE || claims.iat < seconds - MAX_AGE - TOLERANCE) return undefined;
  // The token's SHA-256 is both the proof's ath and the token cache's key.
  const ath = hash('sha256', token, 'base64url');
  if (claims.ath !== ath) return undefined;
  const id = `${proof.jkt}.${claims.jti}`;
  const accept = (payload: JWTPayload): JWTPayload | undefined =>
    (payload.cnf as { jkt?: unknown } | undefined)?.jkt === proof.jkt && firstUse(id, Date.now()) ? payload : undefined;
  const cached = verified.get(ath);
  if (cached !== undefined && (cached.exp ?? 0) * 1000 > now) return accept(cached);
  return jwtVerify(token, keys, { issuer: ISSUER, audience: API_JWT }).then(({ payload }) => {
    verified.set(ath, payload);
    return accept(payload);
  }, () => undefined);
}
