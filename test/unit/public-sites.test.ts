/**
 * Several public URLs (issue 27, item 7): the `baseUrl` list and `trustProxy` options at start-up,
 * and how a request's host picks one of the URLs (siteOf). Over real HTTP on every adapter:
 * test/integration/many-hostnames.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveOptions } from '../../src/config/resolve-options.ts';
import { startupNote } from '../../src/config/startup-note.ts';
import { siteOf, siteOrFirst } from '../../src/core/request-site.ts';
import { ConfigurationError, OidcError, type OpenIDConnectOptions, type RequestView } from '../../src/index.ts';

const valid: OpenIDConnectOptions = {
  baseUrl: ['https://app.example', 'https://preview.app.example'],
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
    assert.ok(error.message.includes(`\`${option}\``), 'the message names the option');
    return true;
  });
}

/** A request with these headers (lower-case names). */
function request(headers: Record<string, string>, host?: () => string | undefined): RequestView {
  return { method: 'GET', url: '/login', header: (name) => headers[name], ...(host === undefined ? {} : { host }) };
}

test('a baseUrl list: each entry its own redirect URI, post-logout URIs and default logout target; the first is baseUrl', () => {
  const config = resolveOptions({ ...valid, baseUrl: ['https://app.example/', 'https://preview.app.example'], postLogoutRedirect: '/bye' });
  assert.deepEqual(config.sites.map((site) => [site.origin, site.redirectUri, site.postLogoutRedirectUri, site.postLogoutRedirect]), [
    ['https://app.example', 'https://app.example/callback', 'https://app.example/logout/callback', 'https://app.example/bye'],
    ['https://preview.app.example', 'https://preview.app.example/callback', 'https://preview.app.example/logout/callback', 'https://preview.app.example/bye'],
  ]);
  assert.equal(config.baseUrl.href, 'https://app.example/');
  assert.equal(config.redirectUri, 'https://app.example/callback');
  assert.equal(config.trustProxy, false);
  // One path for every entry: the cookies' paths are the same on each.
  const prefixed = resolveOptions({ ...valid, baseUrl: ['https://app.example/shop', 'https://other.example/shop/'] });
  assert.deepEqual(prefixed.sites.map((site) => site.redirectUri), ['https://app.example/shop/callback', 'https://other.example/shop/callback']);
  assert.equal(prefixed.transaction.cookie.path, '/shop/callback');
});

test('one baseUrl, as a string or a list of one: one site, and no host is ever looked up', () => {
  for (const baseUrl of ['https://app.example', ['https://app.example']]) {
    const config = resolveOptions({ ...valid, baseUrl, trustProxy: true });
    assert.equal(config.sites.length, 1);
    assert.equal(config.sitesByHost.size, 0);
    const forged = request({ host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }, () => 'evil.example');
    assert.equal(siteOf(config, forged), config.sites[0]);
  }
});

test('an entry named twice counts once (lists built from environment variables)', () => {
  const config = resolveOptions({ ...valid, baseUrl: ['https://app.example', 'https://app.example/', 'https://preview.app.example'] });
  assert.deepEqual(config.sites.map((site) => site.origin), ['https://app.example', 'https://preview.app.example']);
});

test('a baseUrl list and the options it cannot serve fail at start-up, naming the option and the fix', () => {
  rejects({ baseUrl: [] }, 'baseUrl', /empty list/);
  rejects({ baseUrl: ['https://app.example', 'http://other.example'] }, 'baseUrl[1]', /must be https/);
  rejects({ baseUrl: ['https://app.example', 'other.example'] }, 'baseUrl[1]', /not an absolute URL/);
  rejects({ baseUrl: ['https://app.example', 42 as never] }, 'baseUrl[1]', /required/);
  rejects({ baseUrl: ['https://app.example', 'https://other.example/?x=1'] }, 'baseUrl[1]', /query/);
  rejects({ baseUrl: ['https://app.example/a', 'https://other.example/b'] }, 'baseUrl[1]', /has the path "\/b" where baseUrl\[0\] has "\/a"; the entries may differ in scheme, host and port only/);
  rejects({ baseUrl: ['https://app.example', 'https://other.example/b'] }, 'baseUrl[1]', /has the path "\/b" where baseUrl\[0\] has "\/"/);
  rejects({ baseUrl: ['https://localhost:3000', 'http://localhost:3000'] }, 'baseUrl[1]', /has the host localhost:3000 of another entry with another scheme; a request names its host but not its scheme/);
  rejects({ redirectUri: 'https://app.example/callback' }, 'redirectUri', /cannot serve the several URLs of baseUrl; drop it and set routes\.callback/);
  rejects({ postLogoutRedirect: 'https://app.example/bye' }, 'postLogoutRedirect', /must be a path \(such as "\/"\) when baseUrl lists several URLs/);
  rejects({ postLogoutRedirectUri: 'https://app.example/logout/callback' }, 'postLogoutRedirectUri', /cannot serve the several URLs of baseUrl; drop it and set routes\.postLogout/);
  rejects({ providers: { op: { issuer: 'https://op.example', clientId: 'a', clientSecret: 'b', postLogoutRedirectUri: 'https://app.example/x' } }, issuer: undefined, clientId: undefined, clientSecret: undefined },
    'providers.op.postLogoutRedirectUri', /cannot serve the several URLs/);
  rejects({ trustProxy: 'yes' as never }, 'trustProxy', /must be true \(a reverse proxy in front of the app sets X-Forwarded-Host and X-Forwarded-Proto\) or false/);
  // With one baseUrl these options mean what they always meant.
  assert.equal(resolveOptions({ ...valid, baseUrl: ['https://app.example'], redirectUri: 'https://cb.example/cb' }).redirectUri, 'https://cb.example/cb');
});

test('cookies go without Secure only when every entry is plain http to this machine', () => {
  assert.equal(resolveOptions({ ...valid, baseUrl: ['http://localhost:3000', 'http://127.0.0.1:3000'] }).session.cookie.secure, false);
  assert.equal(resolveOptions({ ...valid, baseUrl: ['https://tunnel.example', 'http://localhost:3000'] }).session.cookie.secure, true);
  rejects({ baseUrl: ['https://tunnel.example', 'http://localhost:3000'], session: { secure: false } }, 'session.secure', /localhost/);
});

test('the start-up line and a run-time registration name every entry\'s redirect URI and post-logout redirect URI', () => {
  const config = resolveOptions({ ...valid, routes: { backchannelLogout: '/backchannel-logout' } });
  assert.equal(startupNote(config), 'register at the provider exactly: redirect URIs https://app.example/callback https://preview.app.example/callback, '
    + 'post-logout redirect URIs https://app.example/logout/callback https://preview.app.example/logout/callback, back-channel logout URI https://app.example/backchannel-logout');
  const registering = resolveOptions({ ...valid, clientId: undefined, clientSecret: undefined, registration: {} });
  assert.deepEqual(registering.provider.registration?.redirectUris, ['https://app.example/callback', 'https://preview.app.example/callback']);
  assert.deepEqual(registering.provider.registration?.metadata.post_logout_redirect_uris, ['https://app.example/logout/callback', 'https://preview.app.example/logout/callback']);
});

test('the request\'s Host picks the entry, whatever its case or an explicit default port; the scheme is the entry\'s', () => {
  const config = resolveOptions({ ...valid, baseUrl: ['https://app.example', 'http://localhost:3000', 'http://[::1]:3000'] });
  const [app, local, ipv6] = config.sites;
  assert.equal(siteOf(config, request({ host: 'app.example' })), app);
  assert.equal(siteOf(config, request({ host: 'APP.Example' })), app);
  assert.equal(siteOf(config, request({ host: 'app.example:443' })), app);
  assert.equal(siteOf(config, request({ host: 'localhost:3000' })), local);
  assert.equal(siteOf(config, request({ host: '[::1]:3000' })), ipv6);
  // A view's own host (HTTP/2's :authority, a Web Request's URL) comes before the header.
  assert.equal(siteOf(config, request({ host: 'evil.example' }, () => 'localhost:3000')), local);
});

test('a host in no entry is refused with 400 origin_not_allowed: another host, port or scheme\'s port, none, or a malformed one', () => {
  const config = resolveOptions(valid);
  for (const host of ['evil.example', 'app.example:80', 'app.example:8443', 'app.example.', 'app.example@evil.example', 'evil.example/app.example', undefined]) {
    const view = request(host === undefined ? {} : { host });
    assert.throws(() => siteOf(config, view), (error: unknown) => {
      assert.ok(error instanceof OidcError);
      assert.equal(error.code, 'origin_not_allowed');
      assert.equal(error.status, 400);
      assert.equal(error.reason, 'host');
      // A host of plain name syntax is named for the operator; anything else is not repeated.
      if (host === 'evil.example') assert.match(error.message, /\(evil\.example\) is not one of the application's/);
      if (host?.includes('@') === true || host?.includes('/') === true) assert.doesNotMatch(error.message, /evil/);
      return true;
    }, String(host));
    // What only links to the app links to its first URL.
    assert.equal(siteOrFirst(config, view), config.sites[0]);
  }
});

test('X-Forwarded-Host and -Proto: ignored without trustProxy; with it, their last value, still within the list', () => {
  const untrusting = resolveOptions(valid);
  const trusting = resolveOptions({ ...valid, trustProxy: true });
  const [app, preview] = trusting.sites;
  const forwarded = request({ host: 'internal:8080', 'x-forwarded-host': 'preview.app.example', 'x-forwarded-proto': 'https' });
  assert.throws(() => siteOf(untrusting, forwarded), { code: 'origin_not_allowed', reason: 'host' });
  assert.equal(siteOf(untrusting, request({ host: 'app.example', 'x-forwarded-host': 'preview.app.example' })), untrusting.sites[0]);
  assert.equal(siteOf(trusting, forwarded), preview);
  // The proxy nearest the app appends its own value last; the first may be the client's.
  assert.equal(siteOf(trusting, request({ host: 'internal', 'x-forwarded-host': 'evil.example, app.example', 'x-forwarded-proto': 'http,https' })), app);
  // Without X-Forwarded-Host, the Host the proxy passed on.
  assert.equal(siteOf(trusting, request({ host: 'preview.app.example' })), preview);
  assert.throws(() => siteOf(trusting, request({ host: 'app.example', 'x-forwarded-host': 'evil.example' })), { code: 'origin_not_allowed', reason: 'host' });
  // The proxy says the browser came over http, and the entry is https: not an address of the app.
  assert.throws(() => siteOf(trusting, request({ host: 'internal', 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'http' })), { code: 'origin_not_allowed', reason: 'scheme' });
  // RFC 7239 Forwarded is not read.
  assert.throws(() => siteOf(trusting, request({ host: 'internal', forwarded: 'host=app.example;proto=https' })), { code: 'origin_not_allowed', reason: 'host' });
});
