import type { ResolvedConfig } from '../config/resolved-config.ts';
import { CookieSealer } from '../cookies/cookie-sealer.ts';
import { OidcError } from '../errors.ts';
import type { ResponsePlan } from '../http.ts';
import type { LoginDependencies } from '../login/login-dependencies.ts';
import { TransactionCookies } from '../login/transaction.ts';
import { LogoutRecords } from '../logout/logout-records.ts';
import { logoutRecordsCapacityWarning } from '../logout/logout-records-capacity.ts';
import { LogoutTokenVerifier } from '../logout/logout-token.ts';
import { LogoutTransactionCookie } from '../logout/logout-transaction.ts';
import { ProviderClient } from '../provider/provider-client.ts';
import { SharedRegistration } from '../registration/shared-registration.ts';
import type { RequestContext } from '../request-context.ts';
import { ClientCredentialsGrants } from '../grants/client-credentials.ts';
import type { TokenTransports } from '../resource/read-bearer-token.ts';
import { TokenValidator } from '../resource/token-validator.ts';
import { CookieSessionBackend } from '../session/cookie-session-backend.ts';
import { MemoryStore } from '../session/memory-store.ts';
import { DpopChecker } from '../resource/dpop/dpop-checker.ts';
import type { SessionBackend } from '../session/session-backend.ts';
import { SessionManager } from '../session/session-manager.ts';
import { isLockable, SessionRefreshes } from '../session/shared-refresh.ts';
import { StoreSessionBackend } from '../session/store-session-backend.ts';
import { TokenRefresher } from '../session/token-refresher.ts';
import { SessionHookRunner } from '../session/session-hook-runner.ts';
import type { LoginResult } from './login-result.ts';
import { FailureLog } from './failure-log.ts';

/** What a request waits for another instance's refresh beyond one provider timeout (ms): a store round trip or two. */
const REFRESH_WAIT_MARGIN_MS = 1000;

/**
 * What an adapter lets the core call back into, with the framework's own request (`N`) that the
 * adapter passed to `open()`. Both are optional: without them the core answers on its own.
 *
 * @example
 * ```ts
 * const hooks: CoreHooks<express.Request> = {
 *   renderError: async (error, context, req) => { await myErrorView(error, req, req.res!); return undefined; },
 * };
 * ```
 */
export interface CoreHooks<N = unknown> {
  /** After a successful login, before the default redirect; a returned plan replaces the redirect. */
  readonly onLoginComplete?: (context: RequestContext, result: LoginResult, native: N) => Promise<ResponsePlan | undefined> | ResponsePlan | undefined;
  /** With every error answered by a route or a guard, before the default page; a returned plan replaces it. */
  readonly renderError?: (error: OidcError, context: RequestContext, native: N) => Promise<ResponsePlan | undefined> | ResponsePlan | undefined;
}

/** Seconds since the epoch: the clock of every session and transaction decision. */
export const now = (): number => Math.floor(Date.now() / 1000);

/**
 * Everything the core's routes and guards work with, built once from the configuration. The core's
 * pieces (routes, guards, refresh, error answers) are functions of it, so that none of them needs
 * the core class. @internal
 *
 * @example
 * ```ts
 * const services = buildCoreServices(resolveOptions(options), {});
 * ```
 */
export interface CoreServices {
  readonly config: ResolvedConfig;
  readonly providers: ReadonlyMap<string, ProviderClient>;
  readonly sessions: SessionManager;
  readonly backend: SessionBackend;
  /** The login and callback steps' own services (login/). */
  readonly login: LoginDependencies;
  readonly refresher: TokenRefresher;
  /** Refreshes of server-side sessions, shared by this process's requests and under the store's lock; undefined for cookie sessions. */
  readonly refreshes: SessionRefreshes | undefined;
  readonly logoutTransactions: LogoutTransactionCookie;
  /** Present while the back-channel logout route is mounted. */
  readonly logoutRecords: LogoutRecords | undefined;
  readonly logoutTokens: LogoutTokenVerifier;
  readonly tokens: TokenValidator;
  /** DPoP proof checks (RFC 9449) for token routes that accept DPoP. */
  readonly dpop: DpopChecker;
  readonly transports: TokenTransports;
  readonly grants: ClientCredentialsGrants;
  /** Where failed requests are logged: refusals summarised, outages once per change of state (down, back). */
  readonly log: FailureLog;
  /** The adapter's hooks; their request type is the adapter's own, so the core only hands back what it was given. */
  readonly hooks: CoreHooks<never>;
}

/** @internal See {@link CoreServices}. */
export function buildCoreServices(config: ResolvedConfig, hooks: CoreHooks<never>): CoreServices {
  const { session, secrets } = config;
  const sessionSealer = new CookieSealer(secrets, 'session');
  const transactionSealer = new CookieSealer(secrets, 'transaction');
  // A session's lock outlives the longest refresh (a few provider calls); waiters give up a bit later.
  const longestTimeout = Math.max(...[...config.providers.values()].map((p) => p.httpTimeoutMs));
  const lockSeconds = Math.ceil((3 * config.provider.httpTimeoutMs) / 1000) + 1;
  const log = new FailureLog(config.logger);
  const backend = session.store === undefined
    ? new CookieSessionBackend(session.cookieName, session.cookie, sessionSealer, config.logger, session, now)
    : new StoreSessionBackend(session.cookieName, session.cookie, sessionSealer, session.store, session, now, lockSeconds, log.faults.subject('the session store'));
  const sessions = new SessionManager(backend, session, now);
  // Run-time registrations live in the session store, so that every instance shares one client;
  // without a shared store, in a store of their own in this process: in a MemoryStore that holds the
  // sessions too, a flood of logins would push the registration out (and a new client be registered).
  // A store in this process (none, or a MemoryStore) is shared with nobody, and drops entries when full.
  const sharedStore = session.store === undefined || session.store.inProcess === true ? undefined : session.store;
  const registrationStore = sharedStore ?? new MemoryStore();
  const registrationSealer = new CookieSealer(secrets, 'registration');
  const providers = new Map([...config.providers].map(([name, settings]) => [
    name,
    new ProviderClient(
      settings,
      settings.registration === undefined ? undefined : new SharedRegistration(settings, registrationStore, registrationSealer, config.logger),
      config.logger,
      log.faults.subject(`provider "${name}" (${settings.issuer})`),
    ),
  ]));
  const provider = (name: string): ProviderClient => {
    const found = providers.get(name);
    if (found === undefined) throw new OidcError('provider_unknown', 'There is no such identity provider here.', { reason: 'provider' });
    return found;
  };
  const rs = config.resourceServer;
  return {
    config,
    providers,
    sessions,
    backend,
    login: { config, provider, sessions, transactions: new TransactionCookies(config.transaction, transactionSealer), now },
    refresher: new TokenRefresher(provider, now, {
      hook: config.onSession === undefined ? undefined : new SessionHookRunner(config.onSession, config.logger),
      maxAuthenticationAge: config.session.maxAuthenticationAge,
    }),
    // A request waits for another instance's refresh at most one provider timeout and a margin.
    refreshes: isLockable(backend) ? new SessionRefreshes(backend, longestTimeout + REFRESH_WAIT_MARGIN_MS) : undefined,
    logoutTransactions: new LogoutTransactionCookie(
      config.logoutTransaction.cookieName, config.logoutTransaction.cookie, transactionSealer, config.transaction.ttl,
    ),
    // Cookie sessions have no store of their own: their logout records then live in this process,
    // never evicted early (dropping one would revive the sessions it ended), but swept once expired
    // (after the absolute session lifetime no session they could match exists) and bounded: past
    // session.maxLogoutRecords a new logout is answered 503 and the provider retries, with a warning
    // from 80 % on. The same for an in-process MemoryStore, whose own size bound evicts the oldest entries.
    logoutRecords: config.routes.backchannelLogout === undefined
      ? undefined
      : new LogoutRecords(
        sharedStore ?? new MemoryStore({
          maxEntries: session.maxLogoutRecords,
          whenFull: 'refuse',
          onFilling: logoutRecordsCapacityWarning(config.logger, session.absoluteDuration),
        }),
        session.absoluteDuration,
        now,
      ),
    logoutTokens: new LogoutTokenVerifier(providers.values()),
    tokens: new TokenValidator(providers, rs, config.logger, new CookieSealer(secrets, 'introspection')),
    dpop: new DpopChecker(config),
    transports: { form: rs.allowFormToken, query: rs.allowQueryToken, realm: rs.realm },
    grants: new ClientCredentialsGrants(config.refreshBefore),
    log,
    hooks,
  };
}
