import { type Claims, decodeVerifiedJwtPayload } from './claims.ts';
import { deepFreeze } from './deep-freeze.ts';
import { OidcError } from './errors.ts';
import type { CookieSink, RequestView, ResponsePlan } from './http.ts';
import type { SessionFetchInit } from './core/session-fetch.ts';
import type { LoginOptions } from './login/start-login.ts';
import type { AccessTokenClaims } from './resource/access-token-claims.ts';
import type { ValidatedToken } from './resource/token-validator.ts';
import type { LoadedSession } from './session/session-backend.ts';
import type { SessionData } from './session/session-data.ts';
import { userClaimsOf } from './session/session-hook.ts';

/**
 * Where the core writes to the response of one request: `Set-Cookie`s and headers for the answer,
 * whoever sends it (a route of oidc-kit's or the application's handler). An adapter either writes
 * them to its framework's response at once (Express) or collects them as data and flushes them into
 * the answer afterwards ({@link PendingWrites}: fetch handlers, Hono).
 *
 * @example
 * ```ts
 * const io: ResponseIO = { setCookie: (cookie) => res.appendHeader('set-cookie', cookie) };
 * ```
 */
export interface ResponseIO {
  /** Appends a `Set-Cookie` value to the response (never replacing one the application set). */
  readonly setCookie: CookieSink;
  /** Sets a header on the response the application will send (e.g. `Cache-Control: private` for a query-string token). Optional. */
  readonly setHeader?: (name: string, value: string) => void;
  /**
   * Sends a whole answer now. Optional: with it, `context.login()` and `context.logout()` send
   * their answer as well as return it (Express's `req.oidc.login()`); without it they only
   * return it, for the handler to answer with.
   */
  readonly send?: (plan: ResponsePlan) => void;
}

/**
 * Options of {@link RequestContext.logout}.
 *
 * @example
 * ```ts
 * app.post('/account/delete', oidc.requireLogin(), async (req) => {
 *   await deleteAccount(req.oidc.user!.sub);
 *   await req.oidc.logout({ returnTo: '/goodbye', atProvider: false }); // Express: sent as well
 * });
 * ```
 */
export interface LogoutOptions {
  /** Where to send the user afterwards: a path or URL of this app. Default: `postLogoutRedirect`. */
  returnTo?: string;
  /** Also end the session at the provider (RP-initiated logout) when it supports it. Default: the `logoutAtProvider` option. */
  atProvider?: boolean;
}

/**
 * Options of {@link RequestContext.accessToken}.
 *
 * @example
 * ```ts
 * const token = await req.oidc.accessToken({ forceRefresh: true }); // new roles granted a moment ago
 * const reports = await req.oidc.accessToken({ resource: 'https://reports.example' }); // another API's
 * ```
 */
export interface AccessTokenOptions {
  /** Refresh even if the access token is still valid (Flask-pyoidc: valid_access_token(force_refresh=True)). */
  forceRefresh?: boolean;
  /**
   * A token for another API (RFC 8707 resource indicator, an absolute URI): got with the session's
   * refresh token the first time, kept in the session beside the login's own token, and refreshed
   * on its own clock. Needs a refresh token; at most ten APIs per session.
   */
  resource?: string;
}

/**
 * Options of {@link RequestContext.getField} and {@link RequestContext.getInfo}.
 *
 * @example
 * ```ts
 * const email = await req.oidc.getField('email', { live: true }); // asks the provider now
 * ```
 */
export interface UserInfoOptions {
  /** Ask the provider's UserInfo endpoint now instead of using what was fetched at login. */
  live?: boolean;
}

/** A session's ID token claims, decoded, and the user claims made from them on first use. */
interface DecodedSession {
  readonly claims: Claims;
  user: Claims | undefined;
}

/**
 * Decoded claims of frozen (cached, shared) session data. Weak: an entry goes with its session data
 * when the cache of opened sessions (cookie values or store records) lets it go; there are as many
 * entries as open sessions, not requests.
 */
const decodedSessions = new WeakMap<SessionData, DecodedSession>();

/** Per-request state shared between a context and the core that created it. @internal */
export interface ContextState {
  readonly request: RequestView;
  readonly cookies: ReadonlyMap<string, string>;
  readonly io: ResponseIO;
  session: LoadedSession | undefined;
  /** Set when the session could not be read (store down): protected routes answer 503. */
  readonly loadError: OidcError | undefined;
  /** The provider of a session that ended during this request (a failed refresh): log in there again. */
  endedProvider: string | undefined;
  /** The bearer token this request was authenticated with (acceptToken, accessControl). */
  token: ValidatedToken | undefined;
  /** Set once a bearer-token guard ran: the session then never stands in for a token. */
  tokenRoute: boolean | undefined;
  /** Who created this state, so a core accepts only its own contexts. */
  readonly owner: object;
  /** The context this state belongs to (set when the context is made). */
  context: RequestContext | undefined;
  /** What the framework adapter keeps with the request (Express: req, which links to res). */
  native: unknown;
}

/** The core services a context calls back into. @internal */
export interface ContextHost {
  sessionExpiresAt(state: ContextState): number | undefined;
  login(state: ContextState, options: LoginOptions): Promise<ResponsePlan>;
  logout(state: ContextState, options: LogoutOptions): Promise<ResponsePlan>;
  /** A valid access token, refreshed if due; ends the session and throws `session_expired` when it cannot be. */
  accessToken(state: ContextState, options: AccessTokenOptions): Promise<string | undefined>;
  fetchUserInfo(state: ContextState): Promise<Record<string, unknown>>;
  /** A call to an API with the session's token (Bearer, or DPoP with a proof). */
  fetch(state: ContextState, input: string | URL, init: SessionFetchInit | undefined): Promise<Response>;
  /** Whether UserInfo calls are enabled for the session's provider (`userInfo` option). */
  userInfoEnabled(state: ContextState): boolean;
}

/**
 * The logged-in user and their tokens for one request: `req.oidc` in Express. Everything is read
 * from the verified session; nothing here touches the network unless a method says so.
 *
 * @example
 * ```ts
 * app.get('/profile', oidc.requireLogin(), async (req, res) => {
 *   const email = await req.oidc.getField('email');
 *   res.send(`Hello ${req.oidc.user?.name ?? req.oidc.user?.sub} <${String(email)}>`);
 * });
 * ```
 */
export class RequestContext {
  readonly #host: ContextHost;
  readonly #state: ContextState;
  #decoded: DecodedSession | undefined;
  #decodedOf: SessionData | undefined;
  #liveUserinfo: Promise<Record<string, unknown>> | undefined;

  /** Made by the core for each request (`core.open()`), never by the application. @internal */
  constructor(host: ContextHost, state: ContextState) {
    this.#host = host;
    this.#state = state;
    state.context = this;
  }

  /**
   * The state behind a context, for the core and adapters that made it. Held in a field, not a
   * WeakMap: per-request WeakMap entries cost the garbage collector dearly under load. @internal
   */
  static stateOf(context: RequestContext): ContextState {
    return context.#state;
  }

  /**
   * The claims of the verified bearer token the request was authenticated with, set by
   * `acceptToken()` or `accessControl()` (Flask-OIDC: g.oidc_token_info): a JWT access token's
   * payload or the introspection answer. `undefined` when the request carried no token.
   */
  get token(): AccessTokenClaims | undefined {
    return this.#state.token?.claims;
  }

  /** The scopes of the verified bearer token (its `scope`, or `scp`, as a list); empty without one. */
  get tokenScopes(): readonly string[] {
    return this.#state.token?.scopes ?? [];
  }

  /** What authenticated this request: a verified bearer `'token'`, a login `'session'`, or nothing. */
  get authenticatedBy(): 'token' | 'session' | undefined {
    if (this.#state.token !== undefined) return 'token';
    return this.#state.session === undefined ? undefined : 'session';
  }

  /** Whether the request carries a valid, unexpired login session (Flask-OIDC: user_loggedin). */
  get isAuthenticated(): boolean {
    return this.#state.session !== undefined;
  }

  /**
   * Who the user is: UserInfo merged under the verified ID token's claims (which win), without the
   * protocol claims (`aud`, `exp`, `nonce`, …; those stay in {@link idTokenClaims}); or, with the
   * `onSession` option, the claims it returned. Read-only (frozen): the same object serves every
   * request of the session.
   */
  get user(): Claims | undefined {
    const data = this.#data;
    if (data === undefined) return undefined;
    const decoded = this.#decode(data);
    // The onSession hook's claims when it ran; else UserInfo's under the ID token's.
    decoded.user ??= deepFreeze(data.claims === undefined ? userClaimsOf(decoded.claims, data.userinfo) : { ...data.claims });
    return decoded.user;
  }

  /** The claims of the ID token received at login (or at the last refresh). Read-only (frozen). */
  get idTokenClaims(): Claims | undefined {
    const data = this.#data;
    return data === undefined ? undefined : this.#decode(data).claims;
  }

  /**
   * The session's decoded claims. Decoded once per session state: a refresh in this request
   * replaces the data, and so the claims. A session that comes from a cache of opened sessions
   * (cookie values, store records) is frozen and shared by the browser's requests, and so are its
   * decoded claims (no base64 and JSON per request).
   */
  #decode(data: SessionData): DecodedSession {
    if (this.#decodedOf === data && this.#decoded !== undefined) return this.#decoded;
    const shared = Object.isFrozen(data);
    let decoded = shared ? decodedSessions.get(data) : undefined;
    if (decoded === undefined) {
      decoded = { claims: deepFreeze(decodeVerifiedJwtPayload(data.idToken)), user: undefined };
      if (shared) decodedSessions.set(data, decoded);
    }
    this.#decoded = decoded;
    this.#decodedOf = data;
    return decoded;
  }

  /** The raw ID token (e.g. for `id_token_hint`). */
  get idToken(): string | undefined {
    return this.#data?.idToken;
  }

  /** The refresh token, when the provider issued one (Flask-OIDC: get_refresh_token). */
  get refreshToken(): string | undefined {
    return this.#data?.refreshToken;
  }

  /** When the access token expires, if the provider said. */
  get accessTokenExpiresAt(): Date | undefined {
    const at = this.#data?.accessTokenExpiresAt;
    return at === undefined ? undefined : new Date(at * 1000);
  }

  /** When the session ends (the earlier of its absolute and idle limits). */
  get sessionExpiresAt(): Date | undefined {
    const at = this.#host.sessionExpiresAt(this.#state);
    return at === undefined ? undefined : new Date(at * 1000);
  }

  /** Scopes the provider granted, when it said. */
  get scope(): string | undefined {
    return this.#data?.scope;
  }

  /** The name of the provider the user logged in with. */
  get provider(): string | undefined {
    return this.#data?.provider;
  }

  /**
   * A valid access token for calling APIs (Flask-OIDC: get_access_token; Flask-pyoidc:
   * valid_access_token). When it has expired or is about to (`refreshBefore`), it is refreshed
   * first — once, however many requests of the session ask at the same time — and the new tokens
   * are saved in the session. When it cannot be refreshed (no refresh token, `invalid_grant`, a
   * refreshed ID token for someone else) the session ends and this throws an `OidcError`
   * `session_expired` (401): `oidc.errorHandler()` sends browsers to log in again. Resolves to
   * `undefined` when nobody is logged in. Await it before sending the response: a refresh updates
   * the session cookie.
   */
  accessToken(options: AccessTokenOptions = {}): Promise<string | undefined> {
    return this.#host.accessToken(this.#state, options);
  }

  /**
   * Calls an API with the session's access token (as {@link accessToken}: refreshed first when due;
   * with `resource`, another API's token): `Authorization: Bearer`, or for a session whose tokens are
   * bound to its key (`dpop`) `Authorization: DPoP` with a fresh proof, answering a `use_dpop_nonce`
   * challenge once. Takes what `fetch` takes, with an absolute https URL (http only to localhost),
   * and resolves to the API's `Response` whatever its status. Throws `unauthenticated` when nobody
   * is logged in, and `session_expired` as `accessToken()` does.
   *
   * @example
   * ```ts
   * const orders = await req.oidc.fetch('https://api.example/orders');
   * const report = await req.oidc.fetch('https://reports.example/q', { method: 'POST', body: query, resource: 'https://reports.example' });
   * ```
   */
  fetch(input: string | URL, init?: SessionFetchInit): Promise<Response> {
    return this.#host.fetch(this.#state, input, init);
  }

  /**
   * One claim about the user (Flask-OIDC: user_getfield): from the ID token, else from UserInfo —
   * as fetched at login, or live from the provider with `{ live: true }`.
   */
  async getField(name: string, options: UserInfoOptions = {}): Promise<unknown> {
    const info = await this.getInfo([name], options);
    return info[name];
  }

  /**
   * Several claims at once (Flask-OIDC: user_getinfo). Claims the provider does not have are absent.
   * Throws an `OidcError` when `live` and the provider fails, or when nobody is logged in; a
   * `TypeError` for `live` when the `userInfo` option is `false` (as Flask-OIDC's OIDC_USER_INFO_ENABLED).
   */
  async getInfo(fields: readonly string[], options: UserInfoOptions = {}): Promise<Record<string, unknown>> {
    const data = this.#data;
    const claims = this.idTokenClaims;
    if (data === undefined || claims === undefined) {
      throw new OidcError('unauthenticated', 'Nobody is logged in.');
    }
    let userinfo = data.userinfo ?? {};
    if (options.live) {
      if (!this.#host.userInfoEnabled(this.#state)) {
        throw new TypeError('oidc-kit: getInfo({ live: true }) calls UserInfo, which the `userInfo: false` option turned off.');
      }
      this.#liveUserinfo ??= this.#host.fetchUserInfo(this.#state);
      userinfo = await this.#liveUserinfo;
    }
    // The onSession hook's claims, when it ran, come first (they may rename or add claims); a live
    // UserInfo answer is the provider's word now, so it skips them.
    const kept = options.live ? undefined : data.claims;
    const result: Record<string, unknown> = {};
    for (const field of fields) {
      if (kept !== undefined && field in kept) result[field] = kept[field];
      else if (field in claims) result[field] = claims[field];
      else if (field in userinfo) result[field] = userinfo[field];
    }
    return result;
  }

  /**
   * Sends the user to the provider to log in, then back to `returnTo` (Flask-OIDC:
   * redirect_to_auth_server). `state` travels with the login to your `onCallback` handler;
   * `provider` picks one of several providers. Resolves to the answer (a redirect) — in Express it
   * is also sent, so do not send another; elsewhere answer with it.
   */
  login(options: LoginOptions = {}): Promise<ResponsePlan> {
    return this.#host.login(this.#state, options);
  }

  /**
   * Ends the session (cookies cleared, server-side record deleted), then — unless `atProvider` is
   * false or the provider has no `end_session_endpoint` — sends the user to the provider to end
   * their session there too, and finally to `returnTo`. Resolves to the answer (a redirect); in
   * Express it is also sent.
   */
  logout(options: LogoutOptions = {}): Promise<ResponsePlan> {
    return this.#host.logout(this.#state, options);
  }

  get #data(): SessionData | undefined {
    return this.#state.session?.envelope.data;
  }
}
