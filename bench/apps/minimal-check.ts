/**
 * The hand-written floor's check, for the frameworks other than Express (whose floor,
 * minimal-cached-check.ts, has it inline and stays as it was measured): the least work a correct
 * cached bearer check does. A token's first sighting is verified with jose's jwtVerify; after that
 * a request costs a header read, a SHA-256 of the token (a cache must not keep raw tokens), a `Map`
 * lookup and an expiry check. No scopes, no error codes, no size limit: not a library, but a floor.
 *
 * It answers synchronously for a cached token, so that a framework's route can answer without a
 * promise, as the Express floor does; only a first sighting returns a promise.
 *
 * @example
 * ```ts
 * const checked = checkBearer(request.headers.get('authorization') ?? undefined);
 * if (checked === undefined) return unauthorized();
 * if (checked instanceof Promise) return checked.then((payload) => (payload === undefined ? unauthorized() : ok(payload.sub)));
 * return ok(checked.sub);
 * ```
 */
import { hash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { API_JWT, ISSUER } from '../config.ts';

const keys = createRemoteJWKSet(new URL(`${ISSUER}/jwks`));
const verified = new Map<string, JWTPayload>();

/**
 * The verified claims of the request's bearer token: at once when the token is cached, as a
 * promise on its first sighting (undefined when it does not verify), undefined without a bearer token.
 *
 * @example
 * ```ts
 * const checked = checkBearer('Bearer eyJ…'); // a JWTPayload, a Promise of one, or undefined
 * ```
 */
export function checkBearer(header: string | undefined): JWTPayload | Promise<JWTPayload | undefined> | undefined {
  if (header === undefined || !header.startsWith('Bearer ')) return undefined;
  const token = header.slice(7);
  const key = hash('sha256', token, 'base64url');
  const cached = verified.get(key);
  if (cached !== undefined && (cached.exp ?? 0) * 1000 > Date.now()) return cached;
  return jwtVerify(token, keys, { issuer: ISSUER, audience: API_JWT }).then(({ payload }) => {
    verified.set(key, payload);
    return payload;
  }, () => undefined);
}
