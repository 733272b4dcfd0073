/**
 * What a login session holds, and its lifetime rules. The ID token is kept raw (it is needed as
 * `id_token_hint` at logout) and its claims are decoded from it on demand, so the cookie carries
 * them once, not twice.
 */
import type { Claims } from '../claims.ts';
import type { DpopKey } from '../dpop-client/dpop-key.ts';

/**
 * The tokens and facts of one login. JSON-serialisable: it is what a store or cookie holds.
 *
 * @example
 * ```ts
 * const data: SessionData = { provider: 'default', idToken, accessToken, refreshToken, accessTokenExpiresAt: now + 300 };
 * ```
 */
export interface SessionData {
  /** Which configured provider the user logged in with. */
  provider: string;
  /** The raw ID token, verified at login. */
  idToken: string;
  /** The access token, when the provider issued one. */
  accessToken?: string | undefined;
  /** The refresh token, when the provider issued one (e.g. for the `offline_access` scope). */
  refreshToken?: string | undefined;
  /** The access token's type as openid-client reports it (lower case): usually `bearer`. */
  tokenType?: string | undefined;
  /** When the access token expires, in seconds since the epoch. */
  accessTokenExpiresAt?: number | undefined;
  /** Scopes granted, space-separated, when the provider said. */
  scope?: string | undefined;
  /** Claims from the UserInfo endpoint, fetched at login (its `sub` checked). */
  userinfo?: Record<string, unknown> | undefined;
  /**
   * The user's claims as the `onSession` hook returned them (`sub` checked): with a hook they are
   * `req.oidc.user`, and UserInfo's answer is not kept beside them.
   */
  claims?: Claims | undefined;
  /**
   * When the user's session at the provider ends (seconds since the epoch): the ID token's
   * `session_expiry`, or `auth_time` + `session.maxAuthenticationAge`, the earlier. This session
   * ends then at the latest.
   */
  providerSessionEndsAt?: number | undefined;
  /**
   * Access tokens for other APIs, by their RFC 8707 resource indicator: what
   * `req.oidc.accessToken({ resource })` got with the refresh token. At most ten.
   */
  resourceTokens?: Record<string, ResourceToken> | undefined;
  /**
   * With `dpop`, the key pair the session's tokens are bound to (RFC 9449): made at login, sealed
   * with the session, used for every proof; it ends with the session.
   */
  dpopKey?: DpopKey | undefined;
}

/**
 * An access token for another API (RFC 8707), kept in the session.
 *
 * @example
 * ```ts
 * const token: ResourceToken = { accessToken: 'eyJ…', tokenType: 'bearer', expiresAt: now + 300, scope: 'reports:read' };
 * ```
 */
export interface ResourceToken {
  /** The access token. */
  accessToken: string;
  /** Its type as openid-client reports it (lower case): usually `bearer`. */
  tokenType?: string | undefined;
  /** When it expires, in seconds since the epoch, when the provider said. */
  expiresAt?: number | undefined;
  /** The scopes it carries, space-separated, when the provider said. */
  scope?: string | undefined;
}

/**
 * A session with its timestamps (seconds since the epoch).
 *
 * @example
 * ```ts
 * const envelope: SessionEnvelope = { v: 1, createdAt: now, touchedAt: now, data };
 * ```
 */
export interface SessionEnvelope {
  /** Format version, so a future format can read or drop old sessions deliberately. */
  v: 1;
  /** When the user logged in. */
  createdAt: number;
  /** When the user logged in, in milliseconds: logout records compare against it (a re-login within the same second must survive). */
  createdAtMs?: number;
  /** When the session's rolling expiry was last pushed forward. */
  touchedAt: number;
  /** The login's tokens and facts. */
  data: SessionData;
}

/** The lifetime rules a session is checked against. */
export interface SessionLifetime {
  absoluteDuration: number;
  rollingDuration: number | undefined;
  touchInterval: number;
}

/**
 * When a session ends (seconds since the epoch): the earliest of its absolute and rolling expiry and
 * the end of the user's session at the provider.
 *
 * @example
 * ```ts
 * sessionExpiresAt({ v: 1, createdAt: 0, touchedAt: 100, data }, { absoluteDuration: 1000, rollingDuration: 50, touchInterval: 10 }); // 150
 * ```
 */
export function sessionExpiresAt(envelope: SessionEnvelope, lifetime: SessionLifetime): number {
  const ownEnd = Math.min(envelope.createdAt + lifetime.absoluteDuration, envelope.data.providerSessionEndsAt ?? Infinity);
  return lifetime.rollingDuration === undefined ? ownEnd : Math.min(ownEnd, envelope.touchedAt + lifetime.rollingDuration);
}

/**
 * Whether a value read from a cookie or store is a well-formed session envelope. Anything else
 * (an old format, a foreign value) is treated as "not logged in".
 */
export function isSessionEnvelope(value: unknown): value is SessionEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<SessionEnvelope>;
  return (
    v.v === 1 &&
    typeof v.createdAt === 'number' &&
    typeof v.touchedAt === 'number' &&
    typeof v.data === 'object' &&
    v.data !== null &&
    typeof v.data.idToken === 'string' &&
    typeof v.data.provider === 'string'
  );
}
