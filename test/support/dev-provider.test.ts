// Proves the dev provider (src/dev-provider) and the scripted test browser work together: a plain
// node:http "client app" receives the callback, and openid-client redeems the code.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';

import * as client from 'openid-client';

import { devClient, startDevProvider } from '../../src/dev-provider/dev-provider.ts';
import type { DevProvider, DevProviderOptions } from '../../src/dev-provider/dev-provider.ts';
import { TestBrowser, loginThroughProvider } from './browser.ts';
import { CookieJar } from './cookie-jar.ts';

const SCOPE = 'openid email profile offline_access';

/** A client app that only records the callback requests it receives. */
let appUrl: string;
const callbacks: URL[] = [];
const app = createServer((req, res) => {
  const url = new URL(req.url ?? '/', appUrl);
  if (url.pathname === '/callback') callbacks.push(url);
  res.setHeader('content-type', 'text/plain');
  res.end('ok');
});

before(async () => {
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => {
    app.close(() => resolve());
    app.closeAllConnections();
  });
});

async function setup(t: { after: (fn: () => Promise<void>) => void }, options: Partial<DevProviderOptions> = {}) {
  const registration = devClient(`${appUrl}/callback`);
  const op: DevProvider = await startDevProvider({ clients: [registration], ...options });
  t.after(() => op.close());
  const config = await client.discovery(
    new URL(op.issuer),
    registration.client_id,
    undefined,
    client.ClientSecretBasic(registration.client_secret),
    { execute: [client.allowInsecureRequests] },
  );
  return { op, config };
}

async function authorizationRequest(config: client.Configuration) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: `${appUrl}/callback`,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
    prompt: 'consent',
  });
  return { url, checks: { pkceCodeVerifier, expectedState, expectedNonce, idTokenExpected: true } };
}

void test('a login through the dev provider returns code, state and iss, and the code redeems', async (t) => {
  const { op, config } = await setup(t);
  const { url, checks } = await authorizationRequest(config);
  const browser = new TestBrowser();

  const result = await loginThroughProvider(browser, url, 'alice');

  assert.equal(result.response.status, 200);
  assert.equal(result.url.origin + result.url.pathname, `${appUrl}/callback`);
  assert.ok(result.visited.some((u) => u.origin === op.issuer && u.pathname.startsWith('/interaction/')));
  const callback = callbacks.at(-1)!;
  assert.equal(callback.href, result.url.href);
  assert.ok(callback.searchParams.get('code'));
  assert.equal(callback.searchParams.get('state'), checks.expectedState);
  assert.equal(callback.searchParams.get('iss'), op.issuer);

  const tokens = await client.authorizationCodeGrant(config, callback, checks);
  const claims = tokens.claims()!;
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.email, 'alice@example.com');
  assert.equal(claims.email_verified, true);
  assert.equal(claims.name, 'alice');
  assert.ok(tokens.refresh_token, 'a refresh token is issued');
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token);

  // The provider session and the automatic consent make a second authorization form-free.
  const again = await authorizationRequest(config);
  const sso = await browser.navigate(again.url);
  assert.equal(sso.url.origin + sso.url.pathname, `${appUrl}/callback`);
  assert.ok(!sso.visited.some((u) => u.pathname.startsWith('/interaction/')));
  assert.equal(sso.url.searchParams.get('state'), again.checks.expectedState);
});

void test('accountClaims can put a big groups array into the ID token; stopWhen intercepts the callback', async (t) => {
  const groups = Array.from({ length: 500 }, (_, i) => `group-${String(i).padStart(3, '0')}`);
  const { config } = await setup(t, { accountClaims: () => ({ groups }) });
  const { url, checks } = await authorizationRequest(config);
  const before = callbacks.length;

  const result = await loginThroughProvider(new TestBrowser(), url, 'bob', {
    stopWhen: (u) => u.pathname === '/callback',
  });

  assert.ok(result.stoppedAt, 'stopped before the callback');
  assert.equal(callbacks.length, before, 'the callback was not requested');
  const tokens = await client.authorizationCodeGrant(config, result.stoppedAt, checks);
  const claims = tokens.claims()!;
  assert.equal(claims.sub, 'bob');
  assert.deepEqual(claims.groups, groups);
});

void test('the cookie jar honours Path, Max-Age and Expires', () => {
  const jar = new CookieJar();
  const site = 'http://127.0.0.1:1/a/page';
  jar.store(site, [
    'root=1; Path=/; HttpOnly',
    'deep=2; path=/a',
    'implicit=3',
    'gone=4; Max-Age=0',
    'old=5; Expires=Thu, 01 Jan 1970 00:00:01 GMT',
  ]);
  assert.equal(jar.header('http://127.0.0.1:1/a/b'), 'deep=2; implicit=3; root=1');
  assert.equal(jar.header('http://127.0.0.1:1/ab'), 'root=1');
  assert.equal(jar.header('http://127.0.0.1:2/'), undefined, 'cookies are per host:port');
  jar.store(site, ['root=; Path=/; Max-Age=-1']);
  assert.equal(jar.header('http://127.0.0.1:1/'), undefined);
});
