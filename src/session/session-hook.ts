/**
 * The `onSession` hook: the app decides which claims a session keeps, after a login and after each
 * refresh. It enriches (roles from the app's database) or trims (big claims out of the cookie).
 */
import type { Claims } from '../claims.ts';
import { OidcError } from '../errors.ts';
import type { SessionData } from './session-data.ts';

/** ID token claims about the token rather than the user (as express-openid-connect filters them). */
const PROTOCOL_CLAIMS: ReadonlySet<string> = new Set(['aud', 'iss', 'iat', 'exp', 'nbf', 'nonce', 'azp', 'auth_time', 'at_hash', 'c_hash', 's_hash', 'sid', 'jti']);

/**
 * The user's claims as oidc-kit keeps them without a hook: UserInfo's, under the verified ID
 * token's (which win), without the protocol claims.
 *
 * @example
 * ```ts
 * userClaimsOf(decodeVerifiedJwtPayload(idToken), { picture: 'https://…' }); // { sub, name, picture, … }
 * ```
 */
export function userClaimsOf(idTokenClaims: Claims, userinfo: Record<string, unknown> | undefined): Claims {
  const user: Record<string, unknown> = { ...userinfo };
  for (const [name, value] of Object.entries(idTokenClaims)) if (!PROTOCOL_CLAIMS.has(name)) user[name] = value;
  return user as Claims;
}

/**
 * What the `onSession` hook is told. Read-only: return the claims to keep instead.
 *
 * @example
 * ```ts
 * const onSession = ({ claims, isRefresh, previous }: SessionHookEvent) => isRefresh && previous ? previous : { ...claims, roles: ['admin'] };
 * ```
 */
export interface SessionHookEvent {
  /**
   * The user's claims as the session would keep them without the hook: the verified ID token's
   * (without `aud`, `exp`, `nonce` and the other protocol claims) over UserInfo's. After a refresh
   * that brought a new ID token, its claims over the ones kept before.
   */
  readonly claims: Readonly<Claims>;
  /** The session's tokens, fresh from the provider. Do not store them elsewhere. */
  readonly tokens: {
    /** The raw ID token. */
    readonly idToken: string;
    /** The access token, when the provider issued one. */
    readonly accessToken: string | undefined;
    /** The refresh token, when the provider issued one. */
    readonly refreshToken: string | undefined;
    /** When the access token expires (seconds since the epoch), when the provider said. */
    readonly accessTokenExpiresAt: number | undefined;
    /** The granted scopes, space-separated, when the provider said. */
    readonly scope: string | undefined;
  };
  /** The configured provider the user logged in with (`default` for one provider). */
  readonly provider: string;
  /** `false` after a login, `true` after a refresh of the session's tokens. */
  readonly isRefresh: boolean;
  /** After a refresh: the claims the hook returned last time (so the database need not be asked again). */
  readonly previous: Readonly<Claims> | undefined;
}

/**
 * The `onSession` option: returns the claims the session keeps (`req.oidc.user`), JSON values
 * only. `sub` is always the verified subject: one the hook leaves out is put back, another one
 * fails the login. Throwing an `OidcError` refuses the login with it (e.g. `claim_check_failed`,
 * 403); any other error fails it with 503 `session_hook_failed` and a "Try again" link. After a
 * refresh a failing hook keeps the previous claims (the new tokens are never lost) and is logged.
 *
 * @example
 * ```ts
 * const onSession: SessionHook = async ({ claims }) => {
 *   const { groups, ...rest } = claims;                      // too big for a cookie
 *   return { ...rest, roles: await db.rolesOf(claims.sub) }; // the app's own roles
 * };
 * ```
 */
export type SessionHook = (event: SessionHookEvent) => Record<string, unknown> | Promise<Record<string, unknown>>;

/**
 * Runs the hook and checks what it returned: a plain object of JSON values, `sub` unchanged.
 * Throws the hook's own `OidcError`, or `session_hook_failed` (503) for anything else.
 *
 * @example
 * ```ts
 * data.claims = await runSessionHook(config.onSession, event);
 * ```
 */
export async function runSessionHook(hook: SessionHook, event: SessionHookEvent): Promise<Claims> {
  let returned: unknown;
  try {
    returned = await hook(event);
  } catch (error) {
    if (error instanceof OidcError) throw error;
    throw failed('The application could not complete the login; try again.', 'threw', error);
  }
  if (typeof returned !== 'object' || returned === null || Array.isArray(returned)) {
    throw failed('The application\'s onSession hook returned no claims object.', 'not_an_object');
  }
  const claims = { ...(returned as Record<string, unknown>) };
  if (claims['sub'] === undefined) claims['sub'] = event.claims.sub;
  else if (claims['sub'] !== event.claims.sub) throw failed('The application\'s onSession hook changed the user\'s subject.', 'sub_changed');
  let json: string | undefined;
  try {
    json = JSON.stringify(claims);
  } catch (error) {
    throw failed('The application\'s onSession hook returned claims that are not JSON.', 'not_json', error);
  }
  // What a store or cookie will hold, so the request that logs in sees what later requests will.
  return JSON.parse(json) as Claims;
}

/**
 * The tokens of session data, as the hook is told them.
 *
 * @example
 * ```ts
 * runSessionHook(hook, { claims, tokens: hookTokens(data), provider: data.provider, isRefresh: false, previous: undefined });
 * ```
 */
export function hookTokens(data: SessionData): SessionHookEvent['tokens'] {
  return { idToken: data.idToken, accessToken: data.accessToken, refreshToken: data.refreshToken, accessTokenExpiresAt: data.accessTokenExpiresAt, scope: data.scope };
}

function failed(message: string, reason: string, cause?: unknown): OidcError {
  return new OidcError('session_hook_failed', message, { reason, ...(cause === undefined ? {} : { cause }) });
}
