/**
 * Access tokens for other APIs (RFC 8707 resource indicators), kept in the session beside the login's
 * own access token: `req.oidc.accessToken({ resource })`. Each is got with the session's refresh
 * token and refreshed on its own clock.
 */
import type { ResourceToken, SessionData } from './session-data.ts';

/**
 * The most APIs a session keeps tokens for: each costs cookie space (or store space), and an app
 * calls a handful. Past it, the token that expires first makes room.
 */
export const MAX_RESOURCE_TOKENS = 10;

/**
 * `resource` checked as RFC 8707 §2 asks (an absolute URI without a fragment), or a `TypeError`
 * naming the call: the app's own mistake, found on its first try.
 *
 * @example
 * ```ts
 * checkResource('https://api.b.example', 'accessToken({ resource })'); // ok
 * checkResource('api-b', 'accessToken({ resource })');                 // throws TypeError
 * ```
 */
export function checkResource(resource: unknown, call: string): string {
  let url: URL | undefined;
  try {
    url = typeof resource === 'string' ? new URL(resource) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || url.hash !== '' || (resource as string).includes('#')) {
    throw new TypeError(`oidc-kit: ${call} must be an absolute URI without a fragment (RFC 8707); got ${JSON.stringify(resource)}.`);
  }
  return resource as string;
}

/**
 * The access token `data` holds for `resource` (the login's own one for `undefined`).
 *
 * @example
 * ```ts
 * tokenFor(session.data, 'https://api.b.example'); // 'eyJ…' or undefined
 * ```
 */
export function tokenFor(data: SessionData, resource: string | undefined): string | undefined {
  return resource === undefined ? data.accessToken : data.resourceTokens?.[resource]?.accessToken;
}

/**
 * `data` with `token` kept for `resource`, at most {@link MAX_RESOURCE_TOKENS} in all.
 *
 * @example
 * ```ts
 * const fresh = withResourceToken(data, 'https://api.b.example', { accessToken, expiresAt: now + 300 });
 * ```
 */
export function withResourceToken(data: SessionData, resource: string, token: ResourceToken): SessionData {
  const tokens: Record<string, ResourceToken> = { ...data.resourceTokens };
  delete tokens[resource];
  while (Object.keys(tokens).length >= MAX_RESOURCE_TOKENS) {
    const [first] = Object.entries(tokens).sort(([, a], [, b]) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity));
    if (first === undefined) break;
    delete tokens[first[0]];
  }
  tokens[resource] = token;
  return { ...data, resourceTokens: tokens };
}
