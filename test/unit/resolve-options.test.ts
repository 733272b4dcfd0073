import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveOptions } from '../../src/config/resolve-options.ts';
import { ConfigurationError, MemoryStore, type OpenIDConnectOptions } from '../../src/index.ts';

const valid: OpenIDConnectOptions = {
  baseUrl: 'https://app.example',
  secret: 's'.repeat(32),
  issuer: 'https://op.example',
  clientId: 'app',
  clientSecret: 'client-secret',
};

function rejects(options: Partial<OpenIDConnectOptions> & Record<string, unknown>, option: string, message: RegExp): void {
  assert.throws(() => resolveOptions({ ...valid, ...options }), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.option, option);
    assert.match(error.message, message);
    assert.match(error.message, new RegExp(`\`${option.replace('.', '\\.')}\``), 'the message names the option');
    return true;
  });
}

test('BCP-24: defaults: Flask-OIDC scopes, code flow routes, secure cookies, lifetimes', () => {
  const config = resolveOptions(valid);
  assert.equal(config.provider.scope, 'openid email');
  assert.equal(config.provider.authMethod, 'client_secret_basic');
  assert.equal(config.provider.idTokenSigningAlg, 'RS256');
  assert.equal(config.provider.clockTolerance, 60);
  assert.equal(config.provider.discover, true);
  assert.equal(config.redirectUri, 'https://app.example/callback');
  assert.deepEqual(config.routes, { login: '/login', callback: '/callback', logout: '/logout', postLogout: '/logout/callback', backchannelLogout: undefined });
  assert.equal(config.provider.name, 'default');
  assert.equal(config.provider.userInfo, true);
  assert.equal(config.provider.userInfoMethod, 'GET');
  assert.equal(config.provider.postLogoutRedirectUri, 'https://app.example/logout/callback');
  assert.equal(config.refreshBefore, 60);
  assert.equal(config.silentReauthInterval, undefined);
  assert.equal(config.logoutAtProvider, true);
  assert.equal(config.testMode, undefined);
  assert.equal(config.logoutTransaction.cookie.path, '/logout/callback');
  assert.equal(config.postLogoutRedirect, 'https://app.example/');
  assert.deepEqual(config.session.cookie, { path: '/', domain: undefined, httpOnly: true, secure: true, sameSite: 'Lax' });
  assert.equal(config.session.absoluteDuration, 7 * 86400);
  assert.equal(config.session.rollingDuration, 86400);
  assert.equal(config.session.touchInterval, 900);
  assert.equal(config.transaction.cookie.path, '/callback');
});

test('BAS-18, BCP-19: http is allowed for localhost only, and then cookies are not Secure', () => {
  assert.equal(resolveOptions({ ...valid, baseUrl: 'http://localhost:3000' }).session.cookie.secure, false);
  assert.equal(resolveOptions({ ...valid, baseUrl: 'http://127.0.0.1:3000' }).session.cookie.secure, false);
  rejects({ baseUrl: 'http://app.example' }, 'baseUrl', /https/);
  rejects({ issuer: 'http://op.example' }, 'issuer', /https/);
  assert.equal(resolveOptions({ ...valid, issuer: 'http://127.0.0.1:9000' }).provider.allowHttp, true);
  rejects({ session: { secure: false } }, 'session.secure', /localhost/);
});

test('a base URL path prefix is kept in redirect URIs', () => {
  const config = resolveOptions({ ...valid, baseUrl: 'https://host.example/app/' });
  assert.equal(config.redirectUri, 'https://host.example/app/callback');
  assert.equal(config.transaction.cookie.path, '/app/callback');
});

test('every invalid option fails at start-up naming the option and the fix', () => {
  rejects({ baseUrl: undefined }, 'baseUrl', /required/);
  rejects({ baseUrl: 'app.example' }, 'baseUrl', /absolute URL/);
  // A URL without its scheme parses (as the scheme "localhost:"): the message says what is missing, not "https".
  rejects({ baseUrl: 'localhost:3000' }, 'baseUrl', /"localhost:3000" is not an absolute URL \(it has no http:\/\/ or https:\/\/\); write it like "http:\/\/localhost:3000"/);
  rejects({ baseUrl: 'https://app.example/?x=1' }, 'baseUrl', /query/);
  rejects({ secret: undefined }, 'secret', /randomBytes/);
  rejects({ secret: 'short' }, 'secret', /at least 32/);
  rejects({ secret: [] }, 'secret', /required/);
  rejects({ secret: ['s'.repeat(32), 'short'] }, 'secret', /each secret/);
  rejects({ clientId: undefined }, 'clientId', /required/);
  rejects({ clientSecret: undefined }, 'clientSecret', /required/);
  rejects({ issuer: undefined }, 'issuer', /required/);
  rejects({ issuer: 'not a url' }, 'issuer', /absolute URL/);
  for (const given of ['https://op.example/realms/x/.well-known/openid-configuration', 'https://op.example/.well-known/openid-configuration/']) {
    rejects({ issuer: given }, 'issuer', /is the URL of the discovery document, not the issuer; set issuer to "https:\/\/op\.example(\/realms\/x)?"/);
  }
  rejects({ scope: ['email'] }, 'scope', /openid/);
  rejects({ tokenEndpointAuthMethod: 'none' as 'client_secret_post' }, 'tokenEndpointAuthMethod', /client_secret_basic/);
  rejects({ tokenEndpointAuthMethod: 'private_key_jwt' }, 'privateKey', /importPKCS8/);
  rejects({ authorizationParams: { state: 'x' } }, 'authorizationParams.state', /sets "state" itself/);
  rejects({ authorizationParams: { scope: 'x' } }, 'authorizationParams.scope', /`scope` option/);
  rejects({ idTokenSigningAlg: 'none' }, 'idTokenSigningAlg', /RS256/);
  rejects({ idTokenSigningAlg: 'HS256' }, 'idTokenSigningAlg', /asymmetric/);
  rejects({ clockTolerance: -1 }, 'clockTolerance', /≥ 0/);
  rejects({ httpTimeout: 0 }, 'httpTimeout', /milliseconds/);
  rejects({ routes: { callback: 'callback' } }, 'routes.callback', /starting with one/);
  rejects({ routes: { login: '//evil' } }, 'routes.login', /starting with one/);
  rejects({ redirectUri: '/callback' }, 'redirectUri', /absolute URL/);
  rejects({ postLogoutRedirect: 'https://evil.example/' }, 'postLogoutRedirect', /origin/);
  rejects({ session: { cookieName: 'bad name' } }, 'session.cookieName', /valid cookie name/);
  rejects({ session: { sameSite: 'Wrong' as 'Lax' } }, 'session.sameSite', /Lax/);
  rejects({ baseUrl: 'http://localhost:3000', session: { sameSite: 'None' } }, 'session.sameSite', /Secure/);
  rejects({ session: { absoluteDuration: 0 } }, 'session.absoluteDuration', /positive/);
  rejects({ session: { maxLogoutRecords: 0 } }, 'session.maxLogoutRecords', /whole number of records from 1 to 100 000 000/);
  rejects({ session: { maxLogoutRecords: 1.5 } }, 'session.maxLogoutRecords', /whole number of records/);
  rejects({ session: { rollingDuration: -5 } }, 'session.rollingDuration', /positive/);
  rejects({ session: { store: {} as never } }, 'session.store', /get\(key\)/);
  rejects({ googleAppsDomain: 'not a domain!' }, 'googleAppsDomain', /domain/);
  rejects({ acceptedIssuers: 'https://op.example' as never }, 'acceptedIssuers', /array/);
  rejects({ acceptedIssuers: ['https://op.example/'] }, 'acceptedIssuers', /does not include the issuer "https:\/\/op\.example"/);
  rejects({ trustedAudiences: 'https://api.example' as never }, 'trustedAudiences', /array of audience strings/);
  rejects({ trustedAudiences: [''] }, 'trustedAudiences', /array of audience strings/);
  rejects({ session: { rollingDuration: 600, touchInterval: 600 } }, 'session.touchInterval', /shorter than/);
  rejects({ redirectUri: 'http://app.example/callback' }, 'redirectUri', /https/);
  rejects({ providerMetadata: { issuer: 'https://other.example' } }, 'providerMetadata.issuer', /identical/);
  rejects({ providerMetadata: { token_endpoint: 'http://op.example/token' } }, 'providerMetadata.token_endpoint', /https/);
});

test('static metadata with the four required endpoints needs no discovery', () => {
  const config = resolveOptions({
    ...valid,
    issuer: undefined,
    providerMetadata: { issuer: 'https://op.example', authorization_endpoint: 'https://op.example/a', token_endpoint: 'https://op.example/t', jwks_uri: 'https://op.example/j' },
  });
  assert.equal(config.provider.discover, false);
  assert.equal(config.provider.issuer, 'https://op.example');
});

test('client_secrets.json: client, issuer and endpoints from the file; explicit options win', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'oidc-kit-')), 'client_secrets.json');
  writeFileSync(file, JSON.stringify({ web: { client_id: 'from-file', client_secret: 'file-secret', issuer: 'https://op.example', token_uri: 'https://op.example/token', redirect_uris: ['https://app.example/oidc_callback'] } }));
  const config = resolveOptions({ ...valid, issuer: undefined, clientId: undefined, clientSecret: undefined, clientSecrets: file });
  assert.equal(config.provider.clientId, 'from-file');
  assert.equal(config.provider.clientSecret, 'file-secret');
  assert.equal(config.provider.metadata.token_endpoint, 'https://op.example/token');
  assert.equal(resolveOptions({ ...valid, clientSecrets: file }).provider.clientId, 'app');
});

test('client_secrets.json problems are start-up errors naming clientSecrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-kit-'));
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const base = { ...valid, clientId: undefined, clientSecret: undefined };
  rejects({ ...base, clientSecrets: join(dir, 'missing.json') }, 'clientSecrets', /no such file.*Flask-OIDC/);
  rejects({ ...base, clientSecrets: write('bad.json', '{nope') }, 'clientSecrets', /not valid JSON/);
  rejects({ ...base, clientSecrets: write('noweb.json', '{"other":{}}') }, 'clientSecrets', /"web"/);
  rejects({ ...base, clientSecrets: { web: { client_secret: 'x' } as never } }, 'clientSecrets', /client_id/);
  rejects({ ...base, clientSecrets: { web: { client_id: 'x', client_secret: 5 as never } } }, 'clientSecrets', /web\.client_secret/);
  rejects({ ...base, issuer: undefined, clientSecrets: { web: { client_id: 'x', client_secret: 'y' } } }, 'issuer', /client_secrets\.json/);
});

/** The options without a top-level provider, for `providers` and test mode. */
const noProvider: OpenIDConnectOptions = { baseUrl: valid.baseUrl, secret: valid.secret };
const op = (name: string): { issuer: string; clientId: string; clientSecret: string } => ({ issuer: `https://${name}.example`, clientId: `app-${name}`, clientSecret: `secret-${name}` });

function rejectsExactly(options: OpenIDConnectOptions, option: string, message: RegExp): void {
  assert.throws(() => resolveOptions(options), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.option, option);
    assert.match(error.message, message);
    assert.ok(error.message.includes(`\`${option}\``), 'the message names the option');
    return true;
  });
}

test('providers: named providers inherit top-level defaults; the first is the default unless defaultProvider says', () => {
  const config = resolveOptions({
    ...noProvider,
    scope: 'openid email profile',
    userInfo: 'POST',
    providers: { corp: op('corp'), partner: { ...op('partner'), scope: 'openid', userInfo: false } },
  });
  assert.deepEqual([...config.providers.keys()], ['corp', 'partner']);
  assert.equal(config.provider.name, 'corp');
  assert.equal(config.provider.scope, 'openid email profile', 'inherited');
  assert.equal(config.provider.userInfoMethod, 'POST', 'inherited');
  const partner = config.providers.get('partner')!;
  assert.equal(partner.scope, 'openid', 'own value wins');
  assert.equal(partner.userInfo, false);
  assert.equal(partner.clientId, 'app-partner');
  assert.equal(resolveOptions({ ...noProvider, providers: { corp: op('corp'), partner: op('partner') }, defaultProvider: 'partner' }).provider.name, 'partner');
});

test('providers: every mistake is a start-up error naming the option', () => {
  rejectsExactly({ ...noProvider, providers: {} }, 'providers', /named providers/);
  rejectsExactly({ ...noProvider, providers: 'corp' as never }, 'providers', /named providers/);
  rejectsExactly({ ...noProvider, providers: null as never }, 'providers', /named providers/);
  rejectsExactly({ ...noProvider, providers: { 'bad name': op('x') } }, 'providers.bad name', /letters, digits/);
  rejectsExactly({ ...noProvider, providers: { ['x'.repeat(65)]: op('x') } }, `providers.${'x'.repeat(65)}`, /at most 64/);
  rejectsExactly({ ...valid, providers: { corp: op('corp') } }, 'issuer', /cannot be combined with `providers`/);
  rejectsExactly({ ...noProvider, clientId: 'app', providers: { corp: op('corp') } }, 'clientId', /cannot be combined/);
  rejectsExactly({ ...noProvider, clientSecret: 'x', providers: { corp: op('corp') } }, 'clientSecret', /cannot be combined/);
  rejectsExactly({ ...noProvider, providerMetadata: { issuer: 'https://corp.example' }, providers: { corp: op('corp') } }, 'providerMetadata', /cannot be combined/);
  rejectsExactly({ ...noProvider, clientSecrets: { web: { client_id: 'a', client_secret: 'b' } }, providers: { corp: op('corp') } }, 'clientSecrets', /cannot be combined/);
  // Single-provider settings at the top level would silently not apply to named providers.
  rejectsExactly({ ...noProvider, googleAppsDomain: 'corp.example', providers: { corp: op('corp') } }, 'googleAppsDomain', /cannot be combined/);
  rejectsExactly({ ...noProvider, acceptedIssuers: ['https://corp.example'], providers: { corp: op('corp') } }, 'acceptedIssuers', /cannot be combined/);
  rejectsExactly({ ...noProvider, postLogoutRedirectUri: 'https://app.example/bye', providers: { corp: op('corp') } }, 'postLogoutRedirectUri', /cannot be combined/);
  rejectsExactly({ ...noProvider, providers: { corp: op('corp') }, defaultProvider: 'other' }, 'defaultProvider', /"other" is not one of the providers \(corp\)/);
  rejectsExactly({ ...valid, defaultProvider: 'other' }, 'defaultProvider', /not one of the providers/);
  rejectsExactly({ ...noProvider, providers: { corp: { ...op('corp'), clientId: undefined } } }, 'providers.corp.clientId', /required/);
  rejectsExactly({ ...noProvider, providers: { corp: { ...op('corp'), issuer: 'http://corp.example' } } }, 'providers.corp.issuer', /https/);
  rejectsExactly({ ...noProvider, providers: { corp: { ...op('corp'), userInfo: 'PUT' as never } } }, 'providers.corp.userInfo', /POST/);
});

test('userInfo, postLogoutRedirectUri, refreshBefore, silentReauthInterval, logoutAtProvider: accepted values', () => {
  assert.equal(resolveOptions({ ...valid, userInfo: 'POST' }).provider.userInfoMethod, 'POST');
  assert.equal(resolveOptions({ ...valid, userInfo: 'GET' }).provider.userInfo, true);
  assert.equal(resolveOptions({ ...valid, userInfo: false }).provider.userInfo, false);
  assert.equal(resolveOptions({ ...valid, postLogoutRedirectUri: 'https://app.example/bye' }).provider.postLogoutRedirectUri, 'https://app.example/bye');
  assert.equal(resolveOptions({ ...valid, baseUrl: 'http://localhost:3000', postLogoutRedirectUri: 'http://localhost:3000/bye' }).provider.postLogoutRedirectUri, 'http://localhost:3000/bye');
  assert.equal(resolveOptions({ ...valid, routes: { postLogout: '/signed-out' } }).provider.postLogoutRedirectUri, 'https://app.example/signed-out');
  assert.equal(resolveOptions({ ...valid, refreshBefore: 0 }).refreshBefore, 0);
  assert.equal(resolveOptions({ ...valid, silentReauthInterval: 300 }).silentReauthInterval, 300);
  assert.equal(resolveOptions({ ...valid, logoutAtProvider: false }).logoutAtProvider, false);
  assert.equal(resolveOptions({ ...valid, routes: { backchannelLogout: '/backchannel-logout' } }).routes.backchannelLogout, '/backchannel-logout');
  assert.equal(resolveOptions({ ...valid, routes: { backchannelLogout: false } }).routes.backchannelLogout, undefined);
});

test('the new options refuse invalid values at start-up', () => {
  rejects({ userInfo: 'PUT' as never }, 'userInfo', /"POST"/);
  rejects({ userInfo: 'get' as never }, 'userInfo', /"GET"/);
  rejects({ postLogoutRedirectUri: 'http://app.example/logout/callback' }, 'postLogoutRedirectUri', /https/);
  rejects({ postLogoutRedirectUri: '/logout/callback' }, 'postLogoutRedirectUri', /absolute URL/);
  rejects({ refreshBefore: -1 }, 'refreshBefore', /≥ 0/);
  rejects({ refreshBefore: Number.NaN }, 'refreshBefore', /≥ 0/);
  rejects({ silentReauthInterval: 0 }, 'silentReauthInterval', /positive/);
  rejects({ silentReauthInterval: -60 }, 'silentReauthInterval', /positive/);
  rejects({ logoutAtProvider: 'yes' as never }, 'logoutAtProvider', /true .* or false/);
  rejects({ onError: 'page' as never }, 'onError', /function/);
  rejects({ routes: { postLogout: 'logout/callback' } }, 'routes.postLogout', /starting with one/);
  rejects({ routes: { backchannelLogout: 'https://evil.example/' } }, 'routes.backchannelLogout', /starting with one/);
});

test('two routes sharing a path is a start-up error', () => {
  rejects({ routes: { login: '/callback' } }, 'routes', /its own path/);
  rejects({ routes: { postLogout: '/logout' } }, 'routes', /its own path/);
  rejects({ routes: { backchannelLogout: '/callback' } }, 'routes', /its own path/);
  rejects({ routes: { logout: '/signout', postLogout: '/signout' } }, 'routes', /its own path/);
  // A route that is turned off frees its path.
  assert.equal(resolveOptions({ ...valid, routes: { logout: false, postLogout: '/logout' } }).routes.postLogout, '/logout');
});

test('test mode: no provider options needed; a default user; refused with NODE_ENV=production; the user needs a sub', () => {
  const saved = process.env['NODE_ENV'];
  try {
    process.env['NODE_ENV'] = 'test';
    const config = resolveOptions({ ...noProvider, testMode: true });
    assert.deepEqual(config.testMode, { user: { sub: 'test-user' }, accessToken: 'test-access-token' });
    assert.equal(config.provider.name, 'default');
    const custom = resolveOptions({ ...noProvider, testMode: { user: { sub: 'alice', email: 'a@example.com' }, accessToken: 'tok' } });
    assert.deepEqual(custom.testMode, { user: { sub: 'alice', email: 'a@example.com' }, accessToken: 'tok' });
    assert.equal(resolveOptions({ ...valid, testMode: true }).provider.issuer, 'https://op.example', 'a configured provider is kept');
    assert.equal(resolveOptions({ ...valid, testMode: false }).testMode, undefined);

    rejectsExactly({ ...noProvider, testMode: { user: {} as never } }, 'testMode.user', /sub/);
    rejectsExactly({ ...noProvider, testMode: { user: { sub: '' } } }, 'testMode.user', /sub/);
    rejectsExactly({ ...noProvider, testMode: 'yes' as never }, 'testMode', /true or/);
    rejectsExactly({ ...noProvider }, 'clientId', /required/);

    process.env['NODE_ENV'] = 'production';
    rejectsExactly({ ...noProvider, testMode: true }, 'testMode', /production/);
    rejectsExactly({ ...valid, testMode: { user: { sub: 'alice' } } }, 'testMode', /production/);
    assert.equal(resolveOptions({ ...valid, testMode: false }).testMode, undefined, 'test mode off is fine in production');
  } finally {
    if (saved === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = saved;
  }
});

test('resource server defaults: audience unset, auto strategy, asymmetric algorithms, header only, realm "api", introspection hint and caches', () => {
  const rs = resolveOptions(valid).resourceServer;
  assert.equal(rs.audience, undefined);
  assert.equal(rs.strategy, 'auto');
  assert.ok(rs.algorithms.includes('RS256') && rs.algorithms.includes('ES256') && rs.algorithms.includes('EdDSA'));
  assert.ok(!rs.algorithms.some((alg) => alg === 'none' || alg.startsWith('HS')));
  assert.deepEqual(rs.strictJwt, { typ: true, claims: true }, 'RFC 9068 to the letter unless relaxed');
  const relaxed = (strictJwt: boolean | { typ?: boolean; claims?: boolean }): unknown => resolveOptions({ ...valid, resourceServer: { strictJwt } }).resourceServer.strictJwt;
  assert.deepEqual(relaxed(false), { typ: false, claims: false });
  assert.deepEqual(relaxed({ typ: false }), { typ: false, claims: true });
  assert.deepEqual(relaxed({ claims: false }), { typ: true, claims: false });
  assert.equal(rs.allowFormToken, false);
  assert.equal(rs.allowQueryToken, false);
  assert.equal(rs.realm, 'api');
  assert.equal(rs.provider, 'default');
  assert.deepEqual(rs.introspection, { authMethod: undefined, clientId: undefined, clientSecret: undefined, tokenTypeHint: 'access_token', cacheTtl: 60, inactiveCacheTtl: 5, maxConcurrent: 64, store: undefined });
  assert.equal(resolveOptions({ ...valid, resourceServer: { audience: 'https://api.example', introspection: { tokenTypeHint: false } } }).resourceServer.introspection.tokenTypeHint, undefined);
  assert.deepEqual(resolveOptions({ ...valid, resourceServer: { audience: 'https://api.example' } }).resourceServer.audience, ['https://api.example']);
});

test('resource server options are checked at start-up, naming the option', () => {
  rejects({ resourceServer: { audience: '' } }, 'resourceServer.audience', /non-empty string/);
  rejects({ resourceServer: { audience: [] } }, 'resourceServer.audience', /non-empty string/);
  rejects({ resourceServer: { strategy: 'magic' as never } }, 'resourceServer.strategy', /"auto"/);
  rejects({ resourceServer: { algorithms: ['HS256'] } }, 'resourceServer.algorithms', /asymmetric/);
  rejects({ resourceServer: { algorithms: ['none'] } }, 'resourceServer.algorithms', /never "none"/);
  rejects({ resourceServer: { algorithms: [] } }, 'resourceServer.algorithms', /non-empty/);
  rejects({ resourceServer: { realm: 'a"b' } }, 'resourceServer.realm', /printable/);
  rejects({ resourceServer: { strictJwt: 'yes' as never } }, 'resourceServer.strictJwt', /true \(the default\), false, or \{ typ\?: boolean, claims\?: boolean \}/);
  rejects({ resourceServer: { strictJwt: { aud: false } as never } }, 'resourceServer.strictJwt.aud', /is not a rule/);
  rejects({ resourceServer: { strictJwt: { typ: 'no' } as never } }, 'resourceServer.strictJwt.typ', /true or false/);
  rejects({ resourceServer: { provider: 'other' } }, 'resourceServer.provider', /not one of the providers/);
  rejects({ resourceServer: { introspection: { authMethod: 'private_key_jwt' as never } } }, 'resourceServer.introspection.authMethod', /bearer/);
  rejects({ resourceServer: { introspection: { clientId: 'api' } } }, 'resourceServer.introspection.clientSecret', /both/);
  rejects({ resourceServer: { introspection: { cacheTtl: -1 } } }, 'resourceServer.introspection.cacheTtl', /≥ 0/);
  rejects({ resourceServer: { introspection: { tokenTypeHint: '' } } }, 'resourceServer.introspection.tokenTypeHint', /false to send none/);
  for (const maxConcurrent of [0, 2.5, 1e6, Number.NaN, '8' as never]) {
    rejects({ resourceServer: { introspection: { maxConcurrent } } }, 'resourceServer.introspection.maxConcurrent', /whole number of calls from 1 to 10 000/);
  }
  rejects({ resourceServerOnly: 'yes' as never }, 'resourceServerOnly', /true/);
});

test('resourceServer.cacheMaxEntries is a whole number from 1 to 1 000 000 (the admission filter stops at 2^20 slots)', () => {
  for (const bad of [0.5, 1e12, 0, -1, 1_000_001, Number.NaN, Number.POSITIVE_INFINITY, '100' as never]) {
    rejects({ resourceServer: { cacheMaxEntries: bad } }, 'resourceServer.cacheMaxEntries', /must be a whole number of entries from 1 to 1 000 000 \(got /);
  }
  for (const good of [1, 16, 10_000, 1_000_000]) {
    assert.equal(resolveOptions({ ...valid, resourceServer: { cacheMaxEntries: good } }).resourceServer.cacheMaxEntries, good);
  }
});

test('resource-server-only mode needs no baseUrl, secret or client; static metadata needs only issuer and jwks_uri', () => {
  const config = resolveOptions({ resourceServerOnly: true, issuer: 'https://op.example' });
  assert.equal(config.resourceServerOnly, true);
  assert.equal(config.provider.clientId, '');
  assert.equal(config.provider.discover, true);
  const statically = resolveOptions({ resourceServerOnly: true, providerMetadata: { issuer: 'https://op.example', jwks_uri: 'https://op.example/jwks' } });
  assert.equal(statically.provider.discover, false);
  // Without resourceServerOnly, the login options stay required.
  assert.throws(() => resolveOptions({ issuer: 'https://op.example' }), /`baseUrl`/);
  assert.throws(() => resolveOptions({ resourceServerOnly: true, issuer: 'https://op.example', testMode: true }), /`testMode`/);
});

test('registration at run time: the request is built from the configuration; conflicts fail at start-up', () => {
  const withoutClient = { ...valid, clientId: undefined, clientSecret: undefined };
  const config = resolveOptions({
    ...withoutClient,
    routes: { backchannelLogout: '/backchannel-logout' },
    tokenEndpointAuthMethod: 'client_secret_post',
    idTokenSigningAlg: 'ES256',
    registration: { metadata: { client_name: 'App', grant_types: ['authorization_code'] }, initialAccessToken: 'iat' },
  });
  assert.equal(config.provider.clientId, '', 'learnt at run time');
  assert.deepEqual(config.provider.registration, {
    redirectUris: ['https://app.example/callback'],
    metadata: {
      application_type: 'web',
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'ES256',
      post_logout_redirect_uris: ['https://app.example/logout/callback'],
      backchannel_logout_uri: 'https://app.example/backchannel-logout',
      client_name: 'App',
    },
    initialAccessToken: 'iat',
  });
  assert.equal(resolveOptions(valid).provider.registration, undefined);
  const named = resolveOptions({ baseUrl: valid.baseUrl, secret: valid.secret, providers: { op: { issuer: 'https://op.example', registration: {} } } });
  assert.deepEqual(named.providers.get('op')?.registration?.redirectUris, ['https://app.example/callback']);

  rejects({ registration: {} }, 'clientId', /cannot be combined with `registration`/);
  rejects({ clientId: undefined, registration: {} }, 'clientSecret', /cannot be combined with `registration`/);
  rejects({ clientId: undefined, clientSecret: undefined, registration: 'yes' as never }, 'registration', /must be an object/);
  rejects({ clientId: undefined, clientSecret: undefined, registration: { initialAccessToken: '' } }, 'registration.initialAccessToken', /non-empty/);
  rejects({ clientId: undefined, clientSecret: undefined, registration: { metadata: { redirect_uris: ['https://x'] } } }, 'registration.metadata.redirect_uris', /routes\.callback/);
  rejects({ clientId: undefined, clientSecret: undefined, registration: { metadata: { client_id: 'x' } } }, 'registration.metadata.client_id', /assigned by the provider/);
  rejects({ clientId: undefined, clientSecret: undefined, resourceServerOnly: true, registration: {} }, 'registration', /oidc-kit register/);
  const overriding = (metadata: Record<string, unknown>) => ({ clientId: undefined, clientSecret: undefined, registration: { metadata } });
  rejects(overriding({ token_endpoint_auth_method: 'private_key_jwt' }), 'registration.metadata.token_endpoint_auth_method', /client_secret_basic/);
  rejects(overriding({ application_type: 'desktop' }), 'registration.metadata.application_type', /"web"/);
  rejects(overriding({ grant_types: ['client_credentials'] }), 'registration.metadata.grant_types', /authorization_code/);
  rejects(overriding({ id_token_signed_response_alg: 'none' }), 'registration.metadata.id_token_signed_response_alg', /idTokenSigningAlg/);
  rejects(overriding({ userinfo_signed_response_alg: 'RS256' }), 'registration.metadata.userinfo_signed_response_alg', /userInfoSigningAlg/);
});

test('a client_secrets.json written by oidc-kit register sets the default token endpoint method', () => {
  const web = { client_id: 'app', client_secret: 's', issuer: 'https://op.example', token_endpoint_auth_method: 'client_secret_post' };
  const withoutClient = { ...valid, clientId: undefined, clientSecret: undefined };
  assert.equal(resolveOptions({ ...withoutClient, clientSecrets: { web } }).provider.authMethod, 'client_secret_post');
  assert.equal(resolveOptions({ ...withoutClient, clientSecrets: { web }, tokenEndpointAuthMethod: 'client_secret_basic' }).provider.authMethod, 'client_secret_basic', 'the option wins');
  assert.equal(resolveOptions({ ...withoutClient, clientSecrets: { web: { ...web, token_endpoint_auth_method: 'none' } } }).provider.authMethod, 'client_secret_basic', 'an unusable value is ignored');
});

test('userInfoSigningAlg: asymmetric only, GET only, inherited by named providers', () => {
  assert.equal(resolveOptions(valid).provider.userInfoSigningAlg, undefined);
  assert.equal(resolveOptions({ ...valid, userInfoSigningAlg: 'ES256' }).provider.userInfoSigningAlg, 'ES256');
  const named = resolveOptions({ baseUrl: valid.baseUrl, secret: valid.secret, userInfoSigningAlg: 'PS256', providers: { op: { issuer: 'https://op.example', clientId: 'a', clientSecret: 'b' } } });
  assert.equal(named.providers.get('op')?.userInfoSigningAlg, 'PS256');
  rejects({ userInfoSigningAlg: 'none' }, 'userInfoSigningAlg', /not an accepted asymmetric/);
  rejects({ userInfoSigningAlg: 'HS256' }, 'userInfoSigningAlg', /not an accepted asymmetric/);
  rejects({ userInfoSigningAlg: 'RS256', userInfo: 'POST' }, 'userInfoSigningAlg', /fetched with GET/);
});

test('stores: session.store and resourceServer.introspection.store need the SessionStore methods', () => {
  rejects({ session: { store: {} as never } }, 'session.store', /get\(key\), set\(key, value, ttlSeconds\) and delete\(key\)/);
  rejects({ resourceServer: { introspection: { store: { get: () => Promise.resolve() } as never } } }, 'resourceServer.introspection.store', /like MemoryStore or RedisStore/);
  // The optional methods, when given, must be methods too: a store with a stray compareAndSet would fail every session write.
  const methods = { get: () => Promise.resolve(), set: () => Promise.resolve(), delete: () => Promise.resolve() };
  rejects({ session: { store: { ...methods, compareAndSet: true } as never } }, 'session.store', /optionally add\(key, value, ttlSeconds\) and compareAndSet\(key, expected, value, ttlSeconds\)/);
  rejects({ session: { store: { ...methods, add: 'yes' } as never } }, 'session.store', /optionally add/);
  // An in-process store shares nothing, and made-up tokens would fill it (with the sessions, when it is also session.store).
  const memory = new MemoryStore();
  rejects({ session: { store: memory }, resourceServer: { introspection: { store: memory } } }, 'resourceServer.introspection.store', /is a MemoryStore, which shares nothing between instances .* use a RedisStore, or leave the option out/);
});

test('an API-only app sharing introspection answers needs its own secret (they are sealed with it)', () => {
  // A store every instance reaches (here a stand-in with the SessionStore methods, as a RedisStore has).
  const shared = { get: () => Promise.resolve(undefined), set: () => Promise.resolve(), delete: () => Promise.resolve() };
  const api = { resourceServerOnly: true, issuer: 'https://op.example', resourceServer: { introspection: { store: shared } } };
  assert.throws(() => resolveOptions(api), (error: unknown) => error instanceof ConfigurationError && error.option === 'secret' && /same secret/.test(error.message));
  assert.doesNotThrow(() => resolveOptions({ ...api, secret: 's'.repeat(32) }));
});

test('maxPendingLogins: 5 by default, 1 to 10; the markers reach every path a login starts or ends at', () => {
  const config = resolveOptions(valid);
  assert.equal(config.transaction.maxPending, 5);
  assert.equal(config.transaction.markerPrefix, 'oidc_session_pending.');
  assert.equal(config.transaction.cookie.path, '/callback', 'transactions stay scoped to the callback');
  assert.equal(config.transaction.markerCookie.path, '/');
  assert.equal(resolveOptions({ ...valid, maxPendingLogins: 1 }).transaction.maxPending, 1);
  assert.equal(resolveOptions({ ...valid, maxPendingLogins: 10 }).transaction.maxPending, 10);
  const mounted = resolveOptions({ ...valid, baseUrl: 'https://host.example/app', session: { cookiePath: '/app' } });
  assert.equal(mounted.transaction.markerCookie.path, '/app');
  const narrow = resolveOptions({ ...valid, session: { cookiePath: '/auth' }, routes: { login: '/auth/login', logout: '/auth/logout', callback: '/auth/callback' } });
  assert.equal(narrow.transaction.markerCookie.path, '/auth');
  assert.equal(resolveOptions({ ...valid, session: { cookiePath: '/shop' } }).transaction.markerCookie.path, '/', 'the login route is outside /shop');
  rejects({ maxPendingLogins: 0 }, 'maxPendingLogins', /whole number of pending logins from 1 to 10 \(got 0\)/);
  rejects({ maxPendingLogins: 11 }, 'maxPendingLogins', /from 1 to 10/);
  rejects({ maxPendingLogins: 2.5 }, 'maxPendingLogins', /whole number/);
  rejects({ maxPendingLogins: '5' as never }, 'maxPendingLogins', /whole number/);
});
