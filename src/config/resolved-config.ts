import type { CryptoKey, ServerMetadata } from 'openid-client';
import type { CookieAttributes } from '../cookies/cookie-header.ts';
import type { SenderConstraintSettings } from './resolve-sender-constraints.ts';
import type { SessionHook } from '../session/session-hook.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { DpopSettings, MetadataSettings } from './resolve-dpop.ts';
import type { Claims } from '../claims.ts';
import type { ClientRegistrationMetadata } from '../registration/register-client.ts';
import type { IntrospectionAuthMethod, Logger, OpenIDConnectOptions, ProviderFetch, TokenEndpointAuthMethod, TokenValidationStrategy } from './options.ts';

/** One provider's settings after validation and defaults. */
export interface ProviderSettings extends SenderConstraintSettings {
  /** The provider's name (`default` for the top-level one). */
  readonly name: string;
  /** Discover metadata from this issuer, unless `metadata` is complete. */
  readonly issuer: string;
  /** Metadata given statically; overrides what discovery returns, key by key. */
  readonly metadata: Partial<ServerMetadata>;
  /** Whether discovery is needed (static metadata incomplete). */
  readonly discover: boolean;
  /** Empty only in resource-server-only mode without a client (local JWT validation needs none). */
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly authMethod: TokenEndpointAuthMethod;
  readonly privateKey: CryptoKey | { key: CryptoKey; kid?: string } | undefined;
  /** Space-separated, always containing `openid`. */
  readonly scope: string;
  readonly authorizationParams: Readonly<Record<string, string>>;
  /** RFC 8707 resource indicators sent with every login (the `resource` option). */
  readonly resources: readonly string[];
  /** How the login response comes back: a redirect's query, or a cross-site POST (`form_post`). */
  readonly responseMode: 'query' | 'form_post';
  readonly idTokenSigningAlg: string;
  readonly clockTolerance: number;
  readonly httpTimeoutMs: number;
  /** What every call to the provider goes out with (`fetch` / `proxy`); undefined: the runtime's `fetch`, looked up at each call. */
  readonly fetch: ProviderFetch | undefined;
  /** How long past their 10 fresh minutes the signing keys serve while they cannot be fetched (ms). */
  readonly jwksMaxStalenessMs: number;
  /** Whether UserInfo is called, and with which method. */
  readonly userInfo: boolean;
  readonly userInfoMethod: 'GET' | 'POST';
  /** Required signature algorithm of UserInfo answers; undefined: JSON accepted. */
  readonly userInfoSigningAlg: string | undefined;
  /** The exact `post_logout_redirect_uri` registered at this provider. */
  readonly postLogoutRedirectUri: string;
  readonly googleAppsDomain: string | undefined;
  readonly requireVerifiedEmail: boolean;
  /** Audiences besides the client accepted in ID and logout tokens (none by default). */
  readonly trustedAudiences: readonly string[];
  /** Plain http to the provider is allowed only for loopback issuers (development). */
  readonly allowHttp: boolean;
  /** Set when the client registers itself at run time: what it registers, and with which token. */
  readonly registration: RegistrationSettings | undefined;
}

/** A provider's dynamic registration at run time, resolved: the whole request to send. */
export interface RegistrationSettings {
  readonly redirectUris: readonly string[];
  readonly metadata: ClientRegistrationMetadata;
  readonly initialAccessToken: string | undefined;
}

/** The resource server's settings after validation and defaults. */
export interface ResourceServerSettings {
  /** DPoP (RFC 9449) proof rules and the routes' default mode. */
  readonly dpop: DpopSettings;
  /** RFC 9728 metadata; undefined: not served. */
  readonly metadata: MetadataSettings | undefined;
  /** Audiences of which a token's `aud` must contain one; undefined: not checked. */
  readonly audience: readonly string[] | undefined;
  readonly strategy: TokenValidationStrategy;
  readonly algorithms: readonly string[];
  /** Which RFC 9068 rules are enforced (both by default). */
  readonly strictJwt: { readonly typ: boolean; readonly claims: boolean };
  readonly allowFormToken: boolean;
  readonly allowQueryToken: boolean;
  readonly realm: string;
  readonly cacheMaxEntries: number;
  /** The name of the provider that issues the tokens by default. */
  readonly provider: string;
  readonly introspection: {
    /** Undefined: follow the provider's token endpoint method. */
    readonly authMethod: IntrospectionAuthMethod | undefined;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly tokenTypeHint: string | undefined;
    readonly cacheTtl: number;
    readonly inactiveCacheTtl: number;
    /** The most calls in flight at once, per provider. */
    readonly maxConcurrent: number;
    /** Shared second-level cache of answers; undefined: in-memory only. */
    readonly store: SessionStore | undefined;
  };
}

/** One of the application's public URLs (`baseUrl`, or an entry of its list) and what derives from it. */
export interface PublicSite {
  /** The entry as a URL. */
  readonly baseUrl: URL;
  /** Its origin: the scheme a request on its host is served with comes from here, never from the request. */
  readonly origin: string;
  /** The redirect URI sent from this origin (`redirectUri` when given, possible with one entry only). */
  readonly redirectUri: string;
  /** The `post_logout_redirect_uri` from this origin; with one entry a provider's own `postLogoutRedirectUri` wins. */
  readonly postLogoutRedirectUri: string;
  /** Absolute URL logout sends users to by default on this origin (`postLogoutRedirect`). */
  readonly postLogoutRedirect: string;
}

/** The whole configuration after validation and defaults; what the core runs on. */
export interface ResolvedConfig {
  /** The first (or only) public URL; the request's own is picked from {@link sites}. */
  readonly baseUrl: URL;
  /** Every public URL, the first one first; more than one only when `baseUrl` is a list. */
  readonly sites: readonly PublicSite[];
  /** With several sites, each by every host a request may name it with (`host`, `host:default-port`), lower case. */
  readonly sitesByHost: ReadonlyMap<string, PublicSite>;
  /** Whether `X-Forwarded-Host` and `X-Forwarded-Proto` pick among several sites (`trustProxy`). */
  readonly trustProxy: boolean;
  readonly secrets: readonly string[];
  /** The default provider's settings. */
  readonly provider: ProviderSettings;
  /** Every provider by name; one provider alone is named `default`. */
  readonly providers: ReadonlyMap<string, ProviderSettings>;
  readonly routes: {
    readonly login: string | undefined;
    readonly callback: string;
    readonly logout: string | undefined;
    readonly postLogout: string;
    readonly backchannelLogout: string | undefined;
  };
  /** Seconds before its expiry an access token is refreshed. */
  readonly refreshBefore: number;
  /** Seconds after login a browser session is re-authenticated with prompt=none; undefined: never. */
  readonly silentReauthInterval: number | undefined;
  readonly logoutAtProvider: boolean;
  readonly onError: OpenIDConnectOptions['onError'];
  /** The app's claims hook, run after each login and refresh. */
  readonly onSession: SessionHook | undefined;
  /** Set in test mode: who `/login` logs in and the token test sessions carry. */
  readonly testMode: { readonly user: Claims; readonly accessToken: string } | undefined;
  /** The absolute redirect URI sent to the provider from the first site. */
  readonly redirectUri: string;
  /** Absolute URL `/logout` redirects to by default on the first site. */
  readonly postLogoutRedirect: string;
  readonly session: {
    readonly cookieName: string;
    /** Attributes of the session cookie, without Max-Age (set per write). */
    readonly cookie: CookieAttributes;
    readonly absoluteDuration: number;
    readonly rollingDuration: number | undefined;
    readonly touchInterval: number;
    readonly store: SessionStore | undefined;
    /** The most back-channel logout records kept in this process (without a shared store). */
    readonly maxLogoutRecords: number;
    /** Seconds after the user's authentication at the provider (`auth_time`) a session ends; sent as `max_age`. */
    readonly maxAuthenticationAge: number | undefined;
  };
  readonly transaction: {
    /** Prefix of the per-login transaction cookies: `<prefix><state>`. */
    readonly cookiePrefix: string;
    /** Attributes of transaction cookies (path = the callback path). */
    readonly cookie: CookieAttributes;
    readonly ttl: number;
    /** Most logins pending at once per browser (`maxPendingLogins`). */
    readonly maxPending: number;
    /** Prefix of the small cookies that list the pending logins where logins start and end: `<prefix><state>`. */
    readonly markerPrefix: string;
    /** Attributes of those (path = what the session cookie, login and logout routes share). */
    readonly markerCookie: CookieAttributes;
  };
  /** The cookie that binds an RP-initiated logout's `state` to the browser (path = the post-logout route). */
  readonly logoutTransaction: {
    readonly cookieName: string;
    readonly cookie: CookieAttributes;
  };
  readonly logger: Logger;
  /** No login, no cookies: bearer tokens only. */
  readonly resourceServerOnly: boolean;
  readonly resourceServer: ResourceServerSettings;
}
