/**
 * Several public URLs (issue 27, item 7), over real HTTP against the dev provider, on every
 * adapter: one app listening on 127.0.0.1 is reached as `http://127.0.0.1:PORT` and as
 * `http://localhost:PORT` (two origins, one server), with `baseUrl` listing both. A login and a
 * logout on each come back to it with its own URIs; any other host gets 400 `origin_not_allowed`
 * and never a redirect; `X-Forwarded-Host` counts only with `trustProxy`, and only within the
 * list; a callback on the other origin than its login's is refused before anything is redeemed.
 * (One `baseUrl` ignores the request's host entirely: public-url.test.ts.)
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { loginThroughProvider, parseForms, type TestBrowser } from '../support/browser.ts';
import { ADAPTERS, startTestbed, type Testbed, type TestbedOptions } from '../support/testbed.ts';

/** A GET with headers fetch() will not send (`Host`), answered with its status, Location and body. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, location: response.headers.location, body }));
    });
    sent.once('error', reject);
    sent.end();
  });
}

/** The same app as seen under the name `localhost`. */
const localhostOf = (appUrl: string): string => appUrl.replace('//127.0.0.1:', '//localhost:');

/** Both names of the app, registered at the provider and listed in `baseUrl`. */
function twoNames(extra: TestbedOptions['oidc'] = {}): Pick<TestbedOptions, 'oidc' | 'client'> {
  return {
    oidc: (urls) => ({ baseUrl: [urls.appUrl, localhostOf(urls.appUrl)], ...(typeof extra === 'function' ? extra(urls) : extra) }),
    client: ({ appUrl }) => {
      const origins = [appUrl, localhostOf(appUrl)];
      return {
        redirect_uris: origins.map((origin) => `${origin}/callback`),
        post_logout_redirect_uris: origins.flatMap((origin) => [`${origin}/logout/callback`, `${origin}/`]),
      };
    },
  };
}

/** The redirect_uri of the authorization request among the URLs a navigation visited. */
function redirectUriSent(visited: readonly URL[], issuer: string): string | null | undefined {
  return visited.find((url) => url.origin === issuer && url.searchParams.has('redirect_uri'))?.searchParams.get('redirect_uri');
}

function hasSession(browser: TestBrowser, url: string): boolean {
  return [...browser.cookies(url).keys()].some((name) => name === 'oidc_session' || name.startsWith('oidc_session.'));
}

for (const adapter of ADAPTERS) {
  describe(`several hostnames in baseUrl (${adapter})`, () => {
    let bed: Testbed;
    let local: string;
    before(async () => {
      bed = await startTestbed({ adapter, ...twoNames() });
      local = localhostOf(bed.appUrl);
    });
    after(() => bed.close());

    test('a login on each hostname comes back to that hostname, with its own redirect_uri and its own session', async () => {
      for (const [here, other] of [[bed.appUrl, local], [local, bed.appUrl]] as const) {
        const browser = bed.browser();
        const { response, url, visited } = await loginThroughProvider(browser, `${here}/profile`, 'alice');
        assert.equal(url.href, `${here}/profile`);
        assert.equal(response.status, 200);
        assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
        assert.equal(redirectUriSent(visited, bed.op.issuer), `${here}/callback`, 'the authorization request names this hostname\'s redirect URI');
        assert.ok(visited.some((visit) => visit.origin === here && visit.pathname === '/callback'), 'the provider came back to this hostname');
        assert.ok(hasSession(browser, `${here}/`), 'a session here');
        assert.equal(hasSession(browser, `${other}/`), false, 'none on the other hostname');
      }
    });

    test('a logout on each hostname names its own post_logout_redirect_uri and comes back to it', async () => {
      for (const here of [bed.appUrl, local]) {
        const browser = bed.browser();
        await loginThroughProvider(browser, `${here}/login`, 'alice');
        const out = await browser.request(`${here}/logout`, { headers: { 'sec-fetch-site': 'same-origin' } });
        assert.equal(out.status, 303);
        const endSession = new URL(out.headers.get('location')!);
        assert.equal(endSession.origin, bed.op.issuer);
        assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), `${here}/logout/callback`);
        const page = await browser.navigate(endSession);
        assert.ok(parseForms(page.response.body, page.url).length > 0, 'the provider asks to confirm the sign-out');
        const done = await browser.submitForm(page.response, {});
        assert.equal(done.url.href, `${here}/`, 'back on the hostname the logout started on');
        assert.equal(hasSession(browser, `${here}/`), false);
      }
    });

    test('a host that is none of them: 400 origin_not_allowed and no Location on every route that builds a URL of the app; other routes answer', async () => {
      const forged = { host: 'evil.example' };
      const html = { ...forged, accept: 'text/html' };
      for (const [path, headers] of [
        ['/login?returnTo=%2Fprofile', html],
        ['/profile', html], // requireLogin() would send the browser to log in
        ['/callback?code=abc&state=abcdefghijklmnopqrstuvwxyz', html],
        ['/logout', { ...html, 'sec-fetch-site': 'same-origin' }],
        ['/logout/callback?state=abcdefghijklmnop', html],
      ] as const) {
        const answer = await rawGet(`${bed.appUrl}${path}`, headers);
        assert.equal(answer.status, 400, path);
        assert.equal(answer.location, undefined, `${path}: no redirect`);
        assert.match(answer.body, /origin_not_allowed:host/, path);
        assert.match(answer.body, new RegExp(`href="${bed.appUrl}/"`), `${path}: the page links to the app's own first URL`);
        assert.doesNotMatch(answer.body, /href="[^"]*evil/, `${path}: never to the request's host`);
      }
      const json = await rawGet(`${bed.appUrl}/login`, { ...forged, accept: 'application/json' });
      assert.equal(json.status, 400);
      assert.deepEqual((({ error, reason }) => ({ error, reason }))(JSON.parse(json.body) as Record<string, string>), { error: 'origin_not_allowed', reason: 'host' });
      // What needs no URL of the app still answers: an open page, a 401 for an API client.
      assert.equal((await rawGet(`${bed.appUrl}/`, { ...forged, accept: 'application/json' })).status, 200);
      assert.equal((await rawGet(`${bed.appUrl}/profile`, { ...forged, accept: 'application/json' })).status, 401);
    });

    test('X-Forwarded-Host and -Proto are ignored without trustProxy: the Host decides', async () => {
      const port = new URL(bed.appUrl).port;
      const kept = await rawGet(`${bed.appUrl}/login`, { 'x-forwarded-host': `localhost:${port}`, 'x-forwarded-proto': 'https' });
      assert.equal(kept.status, 302);
      assert.equal(new URL(kept.location!).searchParams.get('redirect_uri'), `${bed.appUrl}/callback`);
      const internal = await rawGet(`${bed.appUrl}/login`, { host: 'app-internal:8080', 'x-forwarded-host': `localhost:${port}` });
      assert.equal(internal.status, 400);
      assert.equal(internal.location, undefined);
    });

    test('with trustProxy, X-Forwarded-Host picks among them, and nothing outside the list; X-Forwarded-Proto must be the entry\'s scheme', async () => {
      bed.reconfigure(twoNames({ trustProxy: true }).oidc);
      try {
        const port = new URL(bed.appUrl).port;
        const proxied = { host: 'app-internal:8080', 'x-forwarded-proto': 'http' };
        const picked = await rawGet(`${bed.appUrl}/login`, { ...proxied, 'x-forwarded-host': `localhost:${port}` });
        assert.equal(picked.status, 302);
        assert.equal(new URL(picked.location!).searchParams.get('redirect_uri'), `${local}/callback`);
        // A proxy that appends: its own value, the last, counts.
        const appended = await rawGet(`${bed.appUrl}/login`, { ...proxied, 'x-forwarded-host': `evil.example, 127.0.0.1:${port}` });
        assert.equal(new URL(appended.location!).searchParams.get('redirect_uri'), `${bed.appUrl}/callback`);
        for (const headers of [
          { ...proxied, 'x-forwarded-host': 'evil.example' },
          { ...proxied, 'x-forwarded-host': `localhost:${port}`, 'x-forwarded-proto': 'https' },
        ]) {
          const refused = await rawGet(`${bed.appUrl}/login`, { ...headers, accept: 'application/json' });
          assert.equal(refused.status, 400);
          assert.equal(refused.location, undefined);
          assert.equal((JSON.parse(refused.body) as { error: string }).error, 'origin_not_allowed');
        }
      } finally {
        bed.reconfigure(twoNames().oidc);
      }
    });

    test('a callback on the other hostname than its login\'s fails cleanly, and its code is never redeemed', async () => {
      const browser = bed.browser();
      const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice', { stopWhen: (url) => url.pathname === '/callback' });
      assert.ok(stoppedAt, 'the provider sends the browser back to the callback');
      assert.equal(stoppedAt.origin, bed.appUrl);
      const elsewhere = `${local}${stoppedAt.pathname}${stoppedAt.search}`;
      const json = { headers: { accept: 'application/json' } };
      const redemptions = (): number => bed.op.requests.filter((r) => r.method === 'POST' && r.path === '/token').length;
      const redeemed = redemptions();
      // Host-only cookies: the login's cookie never reaches the other hostname.
      const plain = await browser.request(elsewhere, json);
      assert.equal(plain.status, 400);
      assert.equal((JSON.parse(plain.body) as { error: string }).error, 'no_pending_transaction');
      // A cookie both hostnames share (session.cookieDomain) brings the login there: refused all the same.
      for (const [name, value] of browser.cookies(stoppedAt)) {
        if (name.startsWith('oidc_session_tx.')) browser.setCookie(local, name, value, '/callback');
      }
      const shared = await browser.request(elsewhere, json);
      assert.equal(shared.status, 400);
      assert.equal(shared.headers.get('location'), null);
      const { error, reason } = JSON.parse(shared.body) as { error: string; reason: string };
      assert.deepEqual({ error, reason }, { error: 'origin_not_allowed', reason: 'login_origin' });
      assert.equal(redemptions(), redeemed, 'the code was never sent to the token endpoint');
    });
  });
}

describe('several hostnames and a client that registers itself', () => {
  const INITIAL_ACCESS_TOKEN = 'initial-access-token-0123456789';
  let bed: Testbed;
  before(async () => {
    bed = await startTestbed({
      providerConfiguration: { features: { registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN, idFactory: () => 'registered-app' } } },
      oidc: (urls) => ({
        baseUrl: [urls.appUrl, localhostOf(urls.appUrl)],
        clientId: undefined,
        clientSecret: undefined,
        registration: { initialAccessToken: INITIAL_ACCESS_TOKEN },
      }),
    });
  });
  after(() => bed.close());

  test('registers every hostname\'s redirect URI and post-logout redirect URI, and logs in on the second', async () => {
    const local = localhostOf(bed.appUrl);
    const { url, visited } = await loginThroughProvider(bed.browser(), `${local}/profile`, 'alice');
    assert.equal(url.href, `${local}/profile`);
    assert.equal(redirectUriSent(visited, bed.op.issuer), `${local}/callback`);
    const client = await bed.op.provider.Client.find('registered-app');
    assert.ok(client, 'registered');
    assert.deepEqual(client.redirectUris, [`${bed.appUrl}/callback`, `${local}/callback`]);
    assert.deepEqual(client.postLogoutRedirectUris, [`${bed.appUrl}/logout/callback`, `${local}/logout/callback`]);
  });
});
