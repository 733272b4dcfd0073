import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fromFlaskSettings, type FlaskOidcSettings } from '../../src/config/from-flask-settings.ts';
import { resolveOptions } from '../../src/config/resolve-options.ts';
import { OpenIDConnect } from '../../src/express.ts';
import { ConfigurationError, MemoryStore, type Logger } from '../../src/index.ts';

const clientSecrets = {
  web: {
    client_id: 'flask-app',
    client_secret: 'client-secret-value',
    issuer: 'https://op.example',
    auth_uri: 'https://op.example/authorize',
    token_uri: 'https://op.example/token',
    userinfo_uri: 'https://op.example/userinfo',
    token_introspection_uri: 'https://op.example/introspect',
    redirect_uris: ['https://app.example/oidc_callback'],
  },
};
const secretKey = 'k'.repeat(40);

/** A logger that keeps what it is told. */
function recorder(): Logger & { lines: string[]; details: unknown[] } {
  const lines: string[] = [];
  const details: unknown[] = [];
  return { lines, details, warn: (message, detail) => { lines.push(message); details.push(detail); } };
}

/** Maps settings that TypeScript would refuse (the wrong types a Python config may hold). */
function map(settings: Record<string, unknown>, logger: Logger = recorder()): ReturnType<typeof fromFlaskSettings> {
  return fromFlaskSettings(settings, { logger });
}

function refuses(settings: Record<string, unknown>, setting: string, message: RegExp): void {
  assert.throws(() => map(settings), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.option, setting);
    assert.match(error.message, message);
    return true;
  });
}

test('OIDC_CLIENT_SECRETS: the path or the object, with client_secret_post and the /oidc_callback route', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'oidc-kit-flask-')), 'client_secrets.json');
  writeFileSync(path, JSON.stringify(clientSecrets));
  assert.deepEqual(map({ OIDC_CLIENT_SECRETS: path }), {
    clientSecrets: path,
    tokenEndpointAuthMethod: 'client_secret_post',
    routes: { callback: '/oidc_callback' },
  });
  // A file written by `oidc-kit register` says how its client authenticates: that wins.
  const registered = { web: { ...clientSecrets.web, token_endpoint_auth_method: 'client_secret_basic' } };
  assert.equal(map({ OIDC_CLIENT_SECRETS: registered }).tokenEndpointAuthMethod, undefined);
  assert.equal(resolveOptions({ ...map({ OIDC_CLIENT_SECRETS: registered }), baseUrl: 'https://app.example', secret: 's'.repeat(32) }).provider.authMethod, 'client_secret_basic');
  assert.throws(() => map({ OIDC_CLIENT_SECRETS: join(tmpdir(), 'no-such-dir-oidc-kit', 'client_secrets.json') }), /no such file/);
  assert.equal(map({ OIDC_CLIENT_SECRETS: clientSecrets }).clientSecrets, clientSecrets);
  assert.equal(map({ OIDC_CLIENT_SECRETS: clientSecrets, OIDC_RESOURCE_SERVER_ONLY: true }).routes, undefined, 'no login routes for an API');
  assert.deepEqual(map({}), {}, 'nothing set, nothing mapped');
});

test('SECRET_KEY → secret, not length-checked here', () => {
  assert.equal(map({ SECRET_KEY: secretKey }).secret, secretKey);
  assert.equal(map({ SECRET_KEY: 'short' }).secret, 'short');
});

test('OIDC_SCOPES → scope, as a list or a string', () => {
  assert.deepEqual(map({ OIDC_SCOPES: ['openid', 'email', 'profile'] }).scope, ['openid', 'email', 'profile']);
  assert.equal(map({ OIDC_SCOPES: 'openid email' }).scope, 'openid email');
});

test('OIDC_GOOGLE_APPS_DOMAIN → googleAppsDomain', () => {
  assert.equal(map({ OIDC_GOOGLE_APPS_DOMAIN: 'example.com' }).googleAppsDomain, 'example.com');
});

test('the ID token cookie settings → session', () => {
  assert.deepEqual(map({ OIDC_ID_TOKEN_COOKIE_NAME: 'app1_session', OIDC_ID_TOKEN_COOKIE_PATH: '/app1', OIDC_ID_TOKEN_COOKIE_TTL: 3600 }).session, {
    cookieName: 'app1_session', cookiePath: '/app1', absoluteDuration: 3600,
  });
});

test('OIDC_COOKIE_SECURE and OIDC_ID_TOKEN_COOKIE_SECURE → session.secure, Secure only when both are true', () => {
  assert.equal(map({ OIDC_COOKIE_SECURE: false }).session?.secure, false);
  assert.equal(map({ OIDC_ID_TOKEN_COOKIE_SECURE: false }).session?.secure, false);
  assert.equal(map({ OIDC_COOKIE_SECURE: true, OIDC_ID_TOKEN_COOKIE_SECURE: false }).session?.secure, false);
  assert.equal(map({ OIDC_COOKIE_SECURE: true }).session?.secure, true);
  assert.equal(map({ OIDC_COOKIE_SECURE: true, OIDC_ID_TOKEN_COOKIE_SECURE: true }).session?.secure, true);
  assert.equal(map({ OIDC_SCOPES: ['openid'] }).session, undefined, 'neither given: oidc-kit decides from baseUrl');
});

test('OIDC_VALID_ISSUERS → acceptedIssuers; a string becomes a one-element list', () => {
  assert.deepEqual(map({ OIDC_VALID_ISSUERS: 'https://op.example' }).acceptedIssuers, ['https://op.example']);
  assert.deepEqual(map({ OIDC_VALID_ISSUERS: ['https://op.example', 'op.example'] }).acceptedIssuers, ['https://op.example', 'op.example']);
});

test('OIDC_CLOCK_SKEW → clockTolerance', () => {
  assert.equal(map({ OIDC_CLOCK_SKEW: 120 }).clockTolerance, 120);
  assert.equal(map({ OIDC_CLOCK_SKEW: 0 }).clockTolerance, 0);
});

test('OIDC_REQUIRE_VERIFIED_EMAIL → requireVerifiedEmail', () => {
  assert.equal(map({ OIDC_REQUIRE_VERIFIED_EMAIL: true }).requireVerifiedEmail, true);
});

test('OIDC_OPENID_REALM → authorizationParams["openid.realm"], with a warning', () => {
  const logger = recorder();
  const options = map({ OIDC_OPENID_REALM: 'https://app.example/', OIDC_EXTRA_REQUEST_AUTH_PARAMS: { 'openid.realm': 'other' } }, logger);
  assert.deepEqual(options.authorizationParams, { 'openid.realm': 'https://app.example/' }, 'applied over the extra parameters');
  assert.equal(logger.lines.length, 1);
  assert.match(logger.lines[0]!, /^fromFlaskSettings: OIDC_OPENID_REALM .*OpenID 2\.0/);
  assert.deepEqual(logger.details[0], { setting: 'OIDC_OPENID_REALM' });
});

test('OIDC_USER_INFO_ENABLED → userInfo', () => {
  assert.equal(map({ OIDC_USER_INFO_ENABLED: false }).userInfo, false);
  assert.equal(map({ OIDC_USER_INFO_ENABLED: true }).userInfo, true);
});

test('OIDC_CALLBACK_ROUTE → routes.callback', () => {
  assert.deepEqual(map({ OIDC_CALLBACK_ROUTE: '/oidc/callback' }).routes, { callback: '/oidc/callback' });
  assert.deepEqual(map({ OIDC_CLIENT_SECRETS: clientSecrets, OIDC_CALLBACK_ROUTE: '/cb' }).routes, { callback: '/cb' });
});

test('OVERWRITE_REDIRECT_URI → redirectUri; false means unset', () => {
  const options = map({ OVERWRITE_REDIRECT_URI: 'https://public.example/oidc_callback' });
  assert.equal(options.redirectUri, 'https://public.example/oidc_callback');
  assert.equal(options.routes, undefined, 'the route stays OIDC_CALLBACK_ROUTE, as in Flask-OIDC');
  assert.equal('redirectUri' in map({ OVERWRITE_REDIRECT_URI: false }), false);
  assert.equal(map({ OIDC_OVERWRITE_REDIRECT_URI: 'https://public.example/authorize' }).redirectUri, 'https://public.example/authorize');
});

test('OIDC_REDIRECT_URI (Flask-pyoidc) → redirectUri, and its path is the callback route', () => {
  const options = map({ OIDC_REDIRECT_URI: 'https://app.example/redirect_uri' });
  assert.equal(options.redirectUri, 'https://app.example/redirect_uri');
  assert.deepEqual(options.routes, { callback: '/redirect_uri' });
  assert.deepEqual(map({ OIDC_REDIRECT_URI: 'https://app.example/redirect_uri', OIDC_CALLBACK_ROUTE: '/cb' }).routes, { callback: '/cb' });
  assert.equal(map({ OIDC_REDIRECT_URI: 'https://app.example/r', OVERWRITE_REDIRECT_URI: 'https://app.example/r' }).redirectUri, 'https://app.example/r');
  refuses({ OIDC_REDIRECT_URI: 'https://app.example/r', OVERWRITE_REDIRECT_URI: 'https://app.example/other' }, 'OVERWRITE_REDIRECT_URI, OIDC_REDIRECT_URI', /keep one/);
  refuses({ OIDC_REDIRECT_URI: '/redirect_uri' }, 'OIDC_REDIRECT_URI', /absolute URL/);
});

test('OIDC_EXTRA_REQUEST_AUTH_PARAMS → authorizationParams as strings; parameters oidc-kit owns are dropped with a warning', () => {
  const logger = recorder();
  const options = map({
    OIDC_EXTRA_REQUEST_AUTH_PARAMS: {
      prompt: 'login', max_age: 300, foo: true, claims: { id_token: { email: null } }, skipped: null,
      state: 'attacker-state', scope: 'openid admin', redirect_uri: 'https://evil.example', nonce: 'n', client_id: 'c',
      response_type: 'token', code_challenge: 'x', code_challenge_method: 'plain',
    },
  }, logger);
  assert.deepEqual(options.authorizationParams, { prompt: 'login', max_age: '300', foo: 'true', claims: '{"id_token":{"email":null}}' });
  assert.equal(logger.lines.length, 1);
  assert.match(logger.lines[0]!, /OIDC_EXTRA_REQUEST_AUTH_PARAMS.*state, scope, redirect_uri, nonce, client_id, response_type, code_challenge, code_challenge_method/);
  assert.match(logger.lines[0]!, /OIDC_SCOPES/);
  assert.doesNotMatch(logger.lines[0]!, /attacker-state|evil\.example/, 'names only, never values');
  // What is left passes oidc-kit's own check of authorizationParams.
  assert.doesNotThrow(() => resolveOptions({ ...options, baseUrl: 'https://app.example', secret: secretKey, clientSecrets }));
  refuses({ OIDC_EXTRA_REQUEST_AUTH_PARAMS: 'prompt=login' }, 'OIDC_EXTRA_REQUEST_AUTH_PARAMS', /object/);
  refuses({ OIDC_EXTRA_REQUEST_AUTH_PARAMS: { f: () => 1 } }, 'OIDC_EXTRA_REQUEST_AUTH_PARAMS', /"f"/);
});

test('OIDC_RESOURCE_SERVER_ONLY → resourceServerOnly', () => {
  assert.equal(map({ OIDC_RESOURCE_SERVER_ONLY: true }).resourceServerOnly, true);
});

test('OIDC_RESOURCE_CHECK_AUD → resourceServer.audience = the client id, from the object, a file or OIDC_CLIENT_ID', () => {
  assert.deepEqual(map({ OIDC_CLIENT_SECRETS: clientSecrets, OIDC_RESOURCE_CHECK_AUD: true }).resourceServer, { audience: 'flask-app' });
  const path = join(mkdtempSync(join(tmpdir(), 'oidc-kit-flask-')), 'client_secrets.json');
  writeFileSync(path, JSON.stringify(clientSecrets));
  assert.deepEqual(map({ OIDC_CLIENT_SECRETS: path, OIDC_RESOURCE_CHECK_AUD: true }).resourceServer, { audience: 'flask-app' });
  assert.deepEqual(map({ OIDC_CLIENT_ID: 'other', OIDC_RESOURCE_CHECK_AUD: true }).resourceServer, { audience: 'other' });
  assert.equal(map({ OIDC_CLIENT_SECRETS: clientSecrets, OIDC_RESOURCE_CHECK_AUD: false }).resourceServer, undefined);
  refuses({ OIDC_RESOURCE_CHECK_AUD: true }, 'OIDC_RESOURCE_CHECK_AUD', /OIDC_CLIENT_SECRETS/);
  refuses({ OIDC_CLIENT_SECRETS: join(path, 'missing.json'), OIDC_RESOURCE_CHECK_AUD: true }, 'clientSecrets', /no such file|cannot be read/);
});

test('OIDC_INTROSPECTION_AUTH_METHOD → resourceServer.introspection.authMethod', () => {
  for (const method of ['client_secret_post', 'client_secret_basic', 'bearer']) {
    assert.deepEqual(map({ OIDC_INTROSPECTION_AUTH_METHOD: method }).resourceServer, { introspection: { authMethod: method } });
  }
  refuses({ OIDC_INTROSPECTION_AUTH_METHOD: 'private_key_jwt' }, 'OIDC_INTROSPECTION_AUTH_METHOD', /client_secret_post/);
});

test('OIDC_TOKEN_TYPE_HINT → resourceServer.introspection.tokenTypeHint; "none" → false', () => {
  assert.equal(map({ OIDC_TOKEN_TYPE_HINT: 'none' }).resourceServer?.introspection?.tokenTypeHint, false);
  assert.equal(map({ OIDC_TOKEN_TYPE_HINT: 'refresh_token' }).resourceServer?.introspection?.tokenTypeHint, 'refresh_token');
});

test('no resourceServer.strategy is set: the default "auto" verifies JWTs locally and introspects the rest', () => {
  assert.equal(map({ OIDC_CLIENT_SECRETS: clientSecrets, OIDC_RESOURCE_CHECK_AUD: true, OIDC_TOKEN_TYPE_HINT: 'none' }).resourceServer?.strategy, undefined);
});

test('OIDC_CREDENTIALS_STORE → session.store when it is a SessionStore; otherwise a warning', () => {
  const store = new MemoryStore();
  assert.equal(map({ OIDC_CREDENTIALS_STORE: store }).session?.store, store);
  for (const notAStore of [new Map(), {}, { get: 1 }, 'redis://localhost']) {
    const logger = recorder();
    assert.equal(map({ OIDC_CREDENTIALS_STORE: notAStore }, logger).session, undefined);
    assert.equal(logger.lines.length, 1);
    assert.match(logger.lines[0]!, /OIDC_CREDENTIALS_STORE is ignored.*MemoryStore/);
    assert.doesNotMatch(logger.lines[0]!, /redis/);
  }
});

test('Flask-OIDC 2.x: client id and secret, the metadata URL as the issuer', () => {
  const logger = recorder();
  const options = map({ OIDC_CLIENT_ID: 'id', OIDC_CLIENT_SECRET: 'secret', OIDC_SERVER_METADATA_URL: 'https://op2.example/realms/x/.well-known/openid-configuration' }, logger);
  assert.equal(options.clientId, 'id');
  assert.equal(options.clientSecret, 'secret');
  assert.equal(options.issuer, 'https://op2.example/realms/x');
  assert.deepEqual(logger.lines, []);
  // The URL 2.x derived from the file's issuer (minus a trailing slash): the file's exact issuer stands.
  const slash = { web: { ...clientSecrets.web, issuer: 'https://op.example/' } };
  assert.equal(map({ OIDC_CLIENT_SECRETS: slash, OIDC_SERVER_METADATA_URL: 'https://op.example/.well-known/openid-configuration' }).issuer, undefined);
  map({ OIDC_SERVER_METADATA_URL: 'https://op.example/meta.json' }, logger);
  assert.match(logger.lines[0]!, /OIDC_SERVER_METADATA_URL is ignored/);
});

test('settings without a counterpart and unknown OIDC_ settings are reported; Flask\'s own and None are not', () => {
  const logger = recorder();
  const options = map({
    DEBUG: true, PERMANENT_SESSION_LIFETIME: 3600, SERVER_NAME: 'app.example', OIDC_GOOGLE_APPS_DOMAIN: null,
    OIDC_USER_CLASS: 'app.User', OIDC_SESSION_PERMANENT: false, OIDC_FOO: 'sensitive-value', OIDC_CLIENT_SECRET: 'top-secret',
  }, logger);
  assert.deepEqual(options, { clientSecret: 'top-secret' });
  assert.equal(logger.lines.length, 3);
  assert.match(logger.lines[0]!, /^fromFlaskSettings: OIDC_USER_CLASS has no oidc-kit counterpart/);
  assert.match(logger.lines[1]!, /^fromFlaskSettings: OIDC_SESSION_PERMANENT has no oidc-kit counterpart/);
  assert.match(logger.lines[2]!, /^fromFlaskSettings: OIDC_FOO is not a Flask-OIDC or Flask-pyoidc setting/);
  assert.deepEqual(logger.details, [{ setting: 'OIDC_USER_CLASS' }, { setting: 'OIDC_SESSION_PERMANENT' }, { setting: 'OIDC_FOO' }]);
  assert.doesNotMatch(JSON.stringify(logger.lines), /sensitive-value|top-secret|app\.User/);
});

test('the default logger is console.warn, prefixed like oidc-kit\'s own', (t) => {
  const warn = t.mock.method(console, 'warn', () => undefined);
  fromFlaskSettings({ OIDC_OPENID_REALM: 'https://app.example/' });
  assert.equal(warn.mock.callCount(), 1);
  assert.match(String(warn.mock.calls[0]?.arguments[0]), /^oidc-kit: fromFlaskSettings: OIDC_OPENID_REALM/);
});

test('wrong types throw a ConfigurationError naming the Flask setting', () => {
  refuses({ OIDC_SCOPES: 42 }, 'OIDC_SCOPES', /list of scopes/);
  refuses({ OIDC_SCOPES: [] }, 'OIDC_SCOPES', /list of scopes/);
  refuses({ OIDC_SCOPES: ['openid', 7] }, 'OIDC_SCOPES', /list of scopes/);
  refuses({ OIDC_CLOCK_SKEW: 'abc' }, 'OIDC_CLOCK_SKEW', /number of seconds ≥ 0/);
  refuses({ OIDC_CLOCK_SKEW: -1 }, 'OIDC_CLOCK_SKEW', /number of seconds/);
  refuses({ OIDC_ID_TOKEN_COOKIE_TTL: 0 }, 'OIDC_ID_TOKEN_COOKIE_TTL', /number of seconds > 0/);
  refuses({ OIDC_ID_TOKEN_COOKIE_TTL: '7d' }, 'OIDC_ID_TOKEN_COOKIE_TTL', /number of seconds/);
  refuses({ OIDC_CLIENT_SECRETS: 42 }, 'OIDC_CLIENT_SECRETS', /path of a client_secrets\.json/);
  refuses({ OIDC_CLIENT_SECRETS: ['web'] }, 'OIDC_CLIENT_SECRETS', /path of a client_secrets\.json/);
  refuses({ SECRET_KEY: 123 }, 'SECRET_KEY', /string/);
  refuses({ OIDC_GOOGLE_APPS_DOMAIN: '' }, 'OIDC_GOOGLE_APPS_DOMAIN', /non-empty string/);
  refuses({ OIDC_ID_TOKEN_COOKIE_NAME: 1 }, 'OIDC_ID_TOKEN_COOKIE_NAME', /non-empty string/);
  refuses({ OIDC_ID_TOKEN_COOKIE_PATH: false }, 'OIDC_ID_TOKEN_COOKIE_PATH', /non-empty string/);
  refuses({ OIDC_COOKIE_SECURE: 'False' }, 'OIDC_COOKIE_SECURE', /true or false/);
  refuses({ OIDC_ID_TOKEN_COOKIE_SECURE: 0 }, 'OIDC_ID_TOKEN_COOKIE_SECURE', /true or false/);
  refuses({ OIDC_VALID_ISSUERS: {} }, 'OIDC_VALID_ISSUERS', /issuer URL/);
  refuses({ OIDC_REQUIRE_VERIFIED_EMAIL: 'yes' }, 'OIDC_REQUIRE_VERIFIED_EMAIL', /true or false/);
  refuses({ OIDC_OPENID_REALM: 5 }, 'OIDC_OPENID_REALM', /non-empty string/);
  refuses({ OIDC_USER_INFO_ENABLED: 'GET' }, 'OIDC_USER_INFO_ENABLED', /true or false/);
  refuses({ OIDC_CALLBACK_ROUTE: ['/cb'] }, 'OIDC_CALLBACK_ROUTE', /non-empty string/);
  refuses({ OVERWRITE_REDIRECT_URI: true }, 'OVERWRITE_REDIRECT_URI', /non-empty string/);
  refuses({ OIDC_RESOURCE_SERVER_ONLY: 1 }, 'OIDC_RESOURCE_SERVER_ONLY', /true or false/);
  refuses({ OIDC_RESOURCE_CHECK_AUD: 'true' }, 'OIDC_RESOURCE_CHECK_AUD', /true or false/);
  refuses({ OIDC_TOKEN_TYPE_HINT: false }, 'OIDC_TOKEN_TYPE_HINT', /non-empty string/);
  refuses({ OIDC_REDIRECT_URI: 42 }, 'OIDC_REDIRECT_URI', /non-empty string/);
  assert.throws(() => fromFlaskSettings(null as unknown as FlaskOidcSettings), ConfigurationError);
});

test('end to end: a realistic Flask-OIDC config resolves to the same behaviour', () => {
  const logger = recorder();
  const flask: FlaskOidcSettings = {
    SECRET_KEY: secretKey,
    OIDC_CLIENT_SECRETS: clientSecrets,
    OIDC_SCOPES: ['openid', 'email', 'profile'],
    OIDC_ID_TOKEN_COOKIE_NAME: 'myapp_oidc',
    OIDC_ID_TOKEN_COOKIE_TTL: 86400,
    OIDC_COOKIE_SECURE: true,
    OIDC_VALID_ISSUERS: ['https://op.example'],
    OIDC_CLOCK_SKEW: 30,
    OIDC_REQUIRE_VERIFIED_EMAIL: true,
    OIDC_USER_INFO_ENABLED: true,
    OIDC_EXTRA_REQUEST_AUTH_PARAMS: { prompt: 'select_account' },
    OIDC_RESOURCE_CHECK_AUD: true,
    OIDC_INTROSPECTION_AUTH_METHOD: 'client_secret_basic',
    OIDC_TOKEN_TYPE_HINT: 'none',
    DEBUG: false,
  };
  const config = resolveOptions({ ...fromFlaskSettings(flask, { logger }), baseUrl: 'https://app.example', logger });
  assert.deepEqual(logger.lines, []);
  assert.equal(config.redirectUri, 'https://app.example/oidc_callback', 'the redirect URI registered for Flask-OIDC');
  assert.equal(config.routes.callback, '/oidc_callback');
  assert.equal(config.session.cookieName, 'myapp_oidc');
  assert.equal(config.session.absoluteDuration, 86400);
  assert.equal(config.session.cookie.secure, true);
  assert.equal(config.provider.scope, 'openid email profile');
  assert.equal(config.provider.clockTolerance, 30);
  assert.equal(config.provider.clientId, 'flask-app');
  assert.equal(config.provider.issuer, 'https://op.example');
  assert.equal(config.provider.authMethod, 'client_secret_post');
  assert.equal(config.provider.requireVerifiedEmail, true);
  assert.equal(config.provider.userInfo, true);
  assert.deepEqual(config.provider.authorizationParams, { prompt: 'select_account' });
  assert.equal(config.provider.metadata['introspection_endpoint'], 'https://op.example/introspect');
  assert.deepEqual(config.resourceServer.audience, ['flask-app']);
  assert.equal(config.resourceServer.strategy, 'auto');
  assert.equal(config.resourceServer.introspection.authMethod, 'client_secret_basic');
  assert.equal(config.resourceServer.introspection.tokenTypeHint, undefined);

  // The Express adapter takes the spread as is, and later options win.
  const oidc = new OpenIDConnect({ ...fromFlaskSettings(flask, { logger }), baseUrl: 'https://app.example', tokenEndpointAuthMethod: 'client_secret_basic', logger });
  assert.equal(oidc.config.provider.authMethod, 'client_secret_basic');
  assert.equal(oidc.config.routes.callback, '/oidc_callback');
});

test('end to end: a Flask-pyoidc style config, and a resource-server-only one', () => {
  const pyoidc = resolveOptions({
    ...fromFlaskSettings({ SECRET_KEY: secretKey, OIDC_REDIRECT_URI: 'https://app.example/redirect_uri', OIDC_CLOCK_SKEW: 10 }),
    baseUrl: 'https://app.example',
    issuer: 'https://op.example',
    clientId: 'client1',
    clientSecret: 'secret1',
  });
  assert.equal(pyoidc.redirectUri, 'https://app.example/redirect_uri');
  assert.equal(pyoidc.routes.callback, '/redirect_uri');
  assert.equal(pyoidc.provider.clockTolerance, 10);
  assert.equal(pyoidc.provider.authMethod, 'client_secret_basic', 'Flask-pyoidc\'s default too');

  const api = resolveOptions(fromFlaskSettings({ OIDC_CLIENT_SECRETS: clientSecrets, OIDC_RESOURCE_SERVER_ONLY: true, OIDC_RESOURCE_CHECK_AUD: true }));
  assert.equal(api.resourceServerOnly, true);
  assert.deepEqual(api.resourceServer.audience, ['flask-app']);
});
