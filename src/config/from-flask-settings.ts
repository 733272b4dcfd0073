import { ConfigurationError } from '../errors.ts';
import type { SessionStore } from '../session/session-store.ts';
import { loadClientSecrets, type ClientSecretsEntry, type ClientSecretsFile } from './client-secrets.ts';
import type {
  IntrospectionAuthMethod, IntrospectionOptions, Logger, OpenIDConnectOptions, ResourceServerOptions, RouteOptions, SessionOptions,
} from './options.ts';

/**
 * A Flask `app.config` holding Flask-OIDC 1.x settings (plus Flask-pyoidc's `OIDC_REDIRECT_URI` and
 * a few Flask-OIDC 2.x ones). `null` (Python's `None`) means "not set". Any other key is accepted:
 * unknown `OIDC_*` keys are reported, Flask's own (`DEBUG`, …) are ignored.
 *
 * @example
 * ```ts
 * const settings: FlaskOidcSettings = { OIDC_CLIENT_SECRETS: 'client_secrets.json', OIDC_SCOPES: ['openid', 'email'] };
 * ```
 */
export interface FlaskOidcSettings {
  /** → `clientSecrets` (a path or the parsed file); without a `token_endpoint_auth_method` in it, also `tokenEndpointAuthMethod: 'client_secret_post'`, as Flask-OIDC 1.x sent. */
  OIDC_CLIENT_SECRETS?: string | ClientSecretsFile | null;
  /** → `secret` (at least 32 characters; a list rotates). */
  SECRET_KEY?: string | readonly string[] | null;
  /** → `scope`. */
  OIDC_SCOPES?: string | readonly string[] | null;
  /** → `acceptedIssuers`, compared exactly (Flask-OIDC tested a string as a substring). */
  OIDC_VALID_ISSUERS?: string | readonly string[] | null;
  /** → `googleAppsDomain`. */
  OIDC_GOOGLE_APPS_DOMAIN?: string | null;
  /** → `session.cookieName`. */
  OIDC_ID_TOKEN_COOKIE_NAME?: string | null;
  /** → `session.cookiePath`. */
  OIDC_ID_TOKEN_COOKIE_PATH?: string | null;
  /** → `authorizationParams['openid.realm']`, with a warning: Google's OpenID 2.0 migration has ended; drop it. */
  OIDC_OPENID_REALM?: string | null;
  /** → `routes.callback`. Unset: the path of `OIDC_REDIRECT_URI`, else `/oidc_callback` (Flask-OIDC's default) with `OIDC_CLIENT_SECRETS`. */
  OIDC_CALLBACK_ROUTE?: string | null;
  /** → `resourceServer.introspection.tokenTypeHint` (`'none'` → `false`). */
  OIDC_TOKEN_TYPE_HINT?: string | null;
  /** → `session.absoluteDuration` (seconds). */
  OIDC_ID_TOKEN_COOKIE_TTL?: number | null;
  /** → `clockTolerance` (seconds). */
  OIDC_CLOCK_SKEW?: number | null;
  /** → `session.secure`, together with `OIDC_ID_TOKEN_COOKIE_SECURE`: Secure only when neither is `false`, as in Flask-OIDC. */
  OIDC_COOKIE_SECURE?: boolean | null;
  /** See `OIDC_COOKIE_SECURE`. */
  OIDC_ID_TOKEN_COOKIE_SECURE?: boolean | null;
  /** → `requireVerifiedEmail`. */
  OIDC_REQUIRE_VERIFIED_EMAIL?: boolean | null;
  /** → `userInfo`. */
  OIDC_USER_INFO_ENABLED?: boolean | null;
  /** → `resourceServerOnly`. */
  OIDC_RESOURCE_SERVER_ONLY?: boolean | null;
  /** `true` → `resourceServer.audience`: the client id (of `OIDC_CLIENT_SECRETS`, which it then needs). */
  OIDC_RESOURCE_CHECK_AUD?: boolean | null;
  /** → `redirectUri`; `false` is "not set", Flask-OIDC's default. */
  OVERWRITE_REDIRECT_URI?: string | false | null;
  /** → `authorizationParams`; numbers and booleans become strings, objects JSON; the parameters oidc-kit sends itself are dropped, with a warning. */
  OIDC_EXTRA_REQUEST_AUTH_PARAMS?: Readonly<Record<string, unknown>> | null;
  /** → `resourceServer.introspection.authMethod`. */
  OIDC_INTROSPECTION_AUTH_METHOD?: IntrospectionAuthMethod | null;
  /** A {@link SessionStore}; anything else (a dict-like, a `Map`) is ignored with a warning. */
  OIDC_CREDENTIALS_STORE?: SessionStore | object | null;
  /** Flask-pyoidc: the full redirect URI; its path is the callback route. */
  OIDC_REDIRECT_URI?: string | null;
  /** Flask-OIDC 2.x: → `clientId`. */
  OIDC_CLIENT_ID?: string | null;
  /** Flask-OIDC 2.x: → `clientSecret`. */
  OIDC_CLIENT_SECRET?: string | null;
  /** Flask-OIDC 2.x: `<issuer>/.well-known/openid-configuration` → `issuer`; any other URL is ignored, with a warning. */
  OIDC_SERVER_METADATA_URL?: string | null;
  /** Flask-OIDC 2.x: → `redirectUri`, like `OVERWRITE_REDIRECT_URI`. */
  OIDC_OVERWRITE_REDIRECT_URI?: string | false | null;
  [setting: string]: unknown;
}

/** The authorization parameters oidc-kit sends itself; `resolveOptions` refuses them in `authorizationParams`. */
const RESERVED_PARAMS = new Set(['state', 'nonce', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'response_type', 'client_id', 'scope']);
const INTROSPECTION_AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'bearer']);
const DISCOVERY_SUFFIX = '/.well-known/openid-configuration';

/** Known settings without a counterpart, and what to do instead: each is reported, not silently lost. */
const NO_COUNTERPART = new Map([
  ['OIDC_USER_CLASS', 'read req.oidc.user instead of a user model'],
  ['OIDC_ENABLED', 'for tests without a provider use the testMode option'],
  ['OIDC_TESTING_PROFILE', 'use testMode: { user }'],
  ['OIDC_PRESERVE_NEXT_ON_ERROR', 'an expired session always sends the browser to log in and back to the page it asked for'],
  ['OIDC_USERINFO_URL', 'set providerMetadata.userinfo_endpoint, or userinfo_uri in client_secrets.json'],
  ['OIDC_SESSION_PERMANENT', 'the session cookie always lasts session.absoluteDuration, ended earlier by session.rollingDuration'],
  ['OIDC_REDIRECT_DOMAIN', 'set OIDC_REDIRECT_URI, or the redirectUri option'],
  ['OIDC_REDIRECT_ENDPOINT', 'set OIDC_REDIRECT_URI, or the redirectUri option'],
]);

const consoleLogger: Logger = { warn: (message, details) => console.warn(`oidc-kit: ${message}`, details ?? '') };

/**
 * Turns a Flask-OIDC (1.x) or Flask-pyoidc `app.config` into oidc-kit options, so an application
 * moves with its settings. Spread the result and add what Flask derived from the request
 * (`baseUrl`); anything given after the spread wins. Badly typed settings throw a
 * `ConfigurationError` naming the Flask setting; settings without a counterpart are reported to
 * `options.logger` (default `console.warn`), one line each, never with a value. The result has no
 * `onError` (its core and Express signatures differ), so it spreads into either constructor.
 *
 * @example
 * ```ts
 * const oidc = new OpenIDConnect({
 *   ...fromFlaskSettings({ OIDC_CLIENT_SECRETS: 'client_secrets.json', SECRET_KEY: process.env.SECRET_KEY, OIDC_SCOPES: ['openid', 'email'] }),
 *   baseUrl: 'https://app.example.com',
 * });
 * ```
 */
export function fromFlaskSettings(settings: FlaskOidcSettings, options: { logger?: Logger } = {}): Omit<OpenIDConnectOptions, 'onError'> {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new ConfigurationError('settings', 'fromFlaskSettings() needs an object of Flask settings, e.g. { OIDC_CLIENT_SECRETS: "client_secrets.json" }.');
  }
  const logger = options.logger ?? consoleLogger;
  const warn = (setting: string, problem: string): void => logger.warn(`fromFlaskSettings: ${setting} ${problem}`, { setting });
  const read = settingReader(settings);
  const out: Omit<OpenIDConnectOptions, 'onError'> = {};
  const session: SessionOptions = {};
  const routes: RouteOptions = {};
  const resourceServer: ResourceServerOptions = {};
  const introspection: IntrospectionOptions = {};

  const secrets = read.value('OIDC_CLIENT_SECRETS');
  let entry: ClientSecretsEntry | undefined;
  const clientSecrets = (): ClientSecretsEntry | undefined => (secrets === undefined ? undefined : (entry ??= loadClientSecrets(secrets as string | ClientSecretsFile)));
  if (secrets !== undefined) {
    if (typeof secrets !== 'string' && (typeof secrets !== 'object' || Array.isArray(secrets))) {
      throw new ConfigurationError('OIDC_CLIENT_SECRETS', 'must be the path of a client_secrets.json or its parsed content ({ "web": { "client_id": … } }).');
    }
    out.clientSecrets = secrets as string | ClientSecretsFile;
    // Flask-OIDC 1.x always authenticated at the token endpoint with client_secret_post (oauth2client),
    // and oidc-register registered clients that way; oidc-kit's own default, client_secret_basic, may
    // be refused for such a client. A file written by `oidc-kit register` says how its client was
    // registered (token_endpoint_auth_method), and that wins. Override it after the spread if needed.
    if (clientSecrets()?.['token_endpoint_auth_method'] === undefined) out.tokenEndpointAuthMethod = 'client_secret_post';
  }
  const secretKey = read.value('SECRET_KEY');
  if (secretKey !== undefined) {
    // Length is left to `new OpenIDConnect`, whose message says how to generate a good secret.
    if (typeof secretKey !== 'string' && !(Array.isArray(secretKey) && secretKey.every((s) => typeof s === 'string'))) {
      throw new ConfigurationError('SECRET_KEY', 'must be a string (oidc-kit encrypts the session cookie with it; at least 32 characters).');
    }
    out.secret = secretKey;
  }
  assign(out, 'clientId', read.string('OIDC_CLIENT_ID'));
  assign(out, 'clientSecret', read.string('OIDC_CLIENT_SECRET'));
  const metadataUrl = read.string('OIDC_SERVER_METADATA_URL');
  if (metadataUrl !== undefined && !metadataUrl.endsWith(DISCOVERY_SUFFIX)) {
    warn('OIDC_SERVER_METADATA_URL', `is ignored: oidc-kit discovers from <issuer>${DISCOVERY_SUFFIX}; set the issuer option (or providerMetadata).`);
  } else if (metadataUrl !== undefined) {
    const issuer = metadataUrl.slice(0, -DISCOVERY_SUFFIX.length);
    // Flask-OIDC 2.x built this URL from the file's issuer minus its trailing slash: that issuer is the exact one.
    const fileIssuer = clientSecrets()?.issuer;
    if (fileIssuer?.replace(/\/+$/, '') !== issuer) out.issuer = issuer;
  }

  assign(out, 'scope', read.list('OIDC_SCOPES', 'a list of scopes such as ["openid", "email"], or a space-separated string'));
  assign(out, 'googleAppsDomain', read.string('OIDC_GOOGLE_APPS_DOMAIN'));
  const issuers = read.list('OIDC_VALID_ISSUERS', 'an issuer URL or a list of them');
  // Flask-OIDC tested membership, so a string was a substring test; oidc-kit compares exactly.
  assign(out, 'acceptedIssuers', typeof issuers === 'string' ? [issuers] : issuers);
  assign(out, 'clockTolerance', read.seconds('OIDC_CLOCK_SKEW', 0));
  assign(out, 'requireVerifiedEmail', read.boolean('OIDC_REQUIRE_VERIFIED_EMAIL'));
  assign(out, 'userInfo', read.boolean('OIDC_USER_INFO_ENABLED'));
  const rsOnly = read.boolean('OIDC_RESOURCE_SERVER_ONLY');
  assign(out, 'resourceServerOnly', rsOnly);

  assign(session, 'cookieName', read.string('OIDC_ID_TOKEN_COOKIE_NAME'));
  assign(session, 'cookiePath', read.string('OIDC_ID_TOKEN_COOKIE_PATH'));
  assign(session, 'absoluteDuration', read.seconds('OIDC_ID_TOKEN_COOKIE_TTL', 1));
  const cookieSecure = read.boolean('OIDC_COOKIE_SECURE');
  const legacySecure = read.boolean('OIDC_ID_TOKEN_COOKIE_SECURE');
  // Flask-OIDC set Secure only when both were true (an unset one counted as true).
  if (cookieSecure !== undefined || legacySecure !== undefined) session.secure = (cookieSecure ?? true) && (legacySecure ?? true);
  const store = read.value('OIDC_CREDENTIALS_STORE');
  if (store !== undefined) {
    if (isSessionStore(store)) session.store = store;
    else warn('OIDC_CREDENTIALS_STORE', 'is ignored: it is not a SessionStore (async get, set with a TTL, delete); use new MemoryStore() or your own store as session.store.');
  }

  const pyoidcRedirect = read.string('OIDC_REDIRECT_URI');
  const redirectUris = (['OVERWRITE_REDIRECT_URI', 'OIDC_OVERWRITE_REDIRECT_URI', 'OIDC_REDIRECT_URI'] as const)
    .map((name) => [name, read.string(name, true)] as const).filter(([, uri]) => uri !== undefined);
  if (new Set(redirectUris.map(([, uri]) => uri)).size > 1) {
    throw new ConfigurationError(redirectUris.map(([name]) => name).join(', '), 'all name the redirect URI, with different values; keep one.');
  }
  assign(out, 'redirectUri', redirectUris[0]?.[1]);
  const callbackRoute = read.string('OIDC_CALLBACK_ROUTE');
  if (callbackRoute !== undefined) routes.callback = callbackRoute;
  else if (pyoidcRedirect !== undefined) routes.callback = pathOf('OIDC_REDIRECT_URI', pyoidcRedirect); // Flask-pyoidc served its path
  // Flask-OIDC's default route: the redirect URI registered at the provider (by oidc-register too) ends with it.
  else if (secrets !== undefined && rsOnly !== true) routes.callback = '/oidc_callback';

  const params = authorizationParams(read.value('OIDC_EXTRA_REQUEST_AUTH_PARAMS'), warn);
  const realm = read.string('OIDC_OPENID_REALM');
  if (realm !== undefined) {
    params['openid.realm'] = realm; // applied over the extra parameters, as Flask-OIDC did
    warn('OIDC_OPENID_REALM', 'is sent as authorizationParams["openid.realm"], but Google\'s OpenID 2.0 migration has ended; it is most likely ignored, so drop it.');
  }
  if (Object.keys(params).length > 0) out.authorizationParams = params;

  if (read.boolean('OIDC_RESOURCE_CHECK_AUD') === true) {
    const clientId = out.clientId ?? clientSecrets()?.client_id;
    if (clientId === undefined) throw new ConfigurationError('OIDC_RESOURCE_CHECK_AUD', 'needs OIDC_CLIENT_SECRETS: its client_id becomes resourceServer.audience.');
    resourceServer.audience = clientId;
  }
  const authMethod = read.string('OIDC_INTROSPECTION_AUTH_METHOD');
  if (authMethod !== undefined && !INTROSPECTION_AUTH_METHODS.has(authMethod)) {
    throw new ConfigurationError('OIDC_INTROSPECTION_AUTH_METHOD', 'use "client_secret_post", "client_secret_basic" or "bearer".');
  }
  assign(introspection, 'authMethod', authMethod as IntrospectionAuthMethod | undefined);
  const hint = read.string('OIDC_TOKEN_TYPE_HINT');
  assign(introspection, 'tokenTypeHint', hint === 'none' ? false : hint);
  // No `strategy`: Flask-OIDC introspected every token, but the default 'auto' keeps that for opaque
  // tokens and verifies JWTs locally (no round trip, works without an introspection endpoint).
  // Set resourceServer.strategy: 'introspection' when a revoked JWT must be refused before it expires.

  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined || value === null || read.read.has(key)) continue;
    const instead = NO_COUNTERPART.get(key);
    if (instead !== undefined) warn(key, `has no oidc-kit counterpart and is ignored: ${instead}.`);
    else if (key.startsWith('OIDC_')) warn(key, 'is not a Flask-OIDC or Flask-pyoidc setting oidc-kit knows; ignored.');
  }

  if (Object.keys(session).length > 0) out.session = session;
  if (Object.keys(routes).length > 0) out.routes = routes;
  if (Object.keys(introspection).length > 0) resourceServer.introspection = introspection;
  if (Object.keys(resourceServer).length > 0) out.resourceServer = resourceServer;
  return out;
}

/** Reads settings by type: `null` (Python's None) is "not set"; a wrong type throws, naming the Flask setting. */
function settingReader(settings: FlaskOidcSettings) {
  const read = new Set<string>(); // every setting asked for: the others are unknown
  const value = (name: string): unknown => {
    read.add(name);
    return settings[name] ?? undefined;
  };
  return {
    read,
    value,
    /** A non-empty string; with `falseIsUnset`, `false` is "not set" too (OVERWRITE_REDIRECT_URI's default). */
    string(name: string, falseIsUnset = false): string | undefined {
      const v = value(name);
      if (v === undefined || (falseIsUnset && v === false)) return undefined;
      if (typeof v !== 'string' || v === '') throw new ConfigurationError(name, 'must be a non-empty string.');
      return v;
    },
    boolean(name: string): boolean | undefined {
      const v = value(name);
      if (v !== undefined && typeof v !== 'boolean') throw new ConfigurationError(name, 'must be true or false.');
      return v;
    },
    seconds(name: string, min: 0 | 1): number | undefined {
      const v = value(name);
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min)) {
        throw new ConfigurationError(name, `must be a number of seconds${min === 0 ? ' ≥ 0' : ' > 0'}.`);
      }
      return v;
    },
    /** A string as is, or a non-empty array of non-empty strings, copied. */
    list(name: string, expected: string): string | string[] | undefined {
      const v = value(name);
      if (v === undefined || (typeof v === 'string' && v !== '')) return v;
      if (Array.isArray(v) && v.length > 0 && v.every((item) => typeof item === 'string' && item !== '')) return [...(v as string[])];
      throw new ConfigurationError(name, `must be ${expected}.`);
    },
  };
}

/** OIDC_EXTRA_REQUEST_AUTH_PARAMS as string values, without the parameters oidc-kit owns. */
function authorizationParams(extra: unknown, warn: (setting: string, problem: string) => void): Record<string, string> {
  const params: Record<string, string> = {};
  if (extra === undefined) return params;
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
    throw new ConfigurationError('OIDC_EXTRA_REQUEST_AUTH_PARAMS', 'must be an object of parameters, e.g. { prompt: "login" }.');
  }
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined || value === null) continue;
    if (RESERVED_PARAMS.has(name)) dropped.push(name);
    else if (typeof value === 'string') params[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') params[name] = String(value);
    else if (typeof value === 'object') params[name] = JSON.stringify(value); // e.g. the `claims` parameter
    else throw new ConfigurationError('OIDC_EXTRA_REQUEST_AUTH_PARAMS', `the value of "${name}" must be a string, number, boolean or object.`);
  }
  if (dropped.length > 0) {
    // Names only: the values may be anything, and are not logged.
    warn('OIDC_EXTRA_REQUEST_AUTH_PARAMS', `lost parameters that oidc-kit sets itself: ${dropped.join(', ')}${dropped.includes('scope') ? ' (put scopes in OIDC_SCOPES)' : ''}.`);
  }
  return params;
}

/** oidc-kit's store interface; a `Map` has the method names but neither promises nor expiry. */
function isSessionStore(value: unknown): value is SessionStore {
  if (typeof value !== 'object' || value === null || value instanceof Map) return false;
  const candidate = value as Partial<Record<keyof SessionStore, unknown>>;
  return typeof candidate.get === 'function' && typeof candidate.set === 'function' && typeof candidate.delete === 'function';
}

function pathOf(setting: string, uri: string): string {
  try {
    return new URL(uri).pathname;
  } catch {
    throw new ConfigurationError(setting, `"${uri}" is not an absolute URL such as "https://app.example.com/redirect_uri".`);
  }
}

/** Sets `target[key]` only for a defined value, so that the result carries no `undefined` keys. */
function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
