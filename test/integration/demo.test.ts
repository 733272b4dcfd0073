/**
 * The demo app (`npm run demo`, examples/demo) run as a user runs it: a child process configured
 * by its environment, driven over HTTP by the test browser — login, the access token refresh
 * button, logout at the provider (RP-initiated, then back-channel) and logout of the app only.
 * The same tests run on every framework the demo runs on (`DEMO_FRAMEWORK`): the pages, routes and
 * environment contract are the same on each.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { devClient, startDevProvider } from '../../src/dev-provider/dev-provider.ts';
import { loginThroughProvider, type NavigateResult, parseForms, TestBrowser } from '../support/browser.ts';
import { redisUnavailable, startRedis } from '../support/redis-server.ts';
import { DEMO_FRAMEWORKS, type Demo, freePort, startDemo } from '../support/demo-process.ts';

const JSON_ACCEPT = { headers: { accept: 'application/json' } };

interface ProfileBody {
  sub: string;
  claims: Record<string, unknown>;
  accessTokenFingerprint?: string;
  accessTokenExpiresAt?: string;
}

async function profileJson(browser: TestBrowser, baseUrl: string): Promise<{ status: number; body: unknown }> {
  const res = await browser.request(`${baseUrl}/profile`, JSON_ACCEPT);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return { status: res.status, body: JSON.parse(res.body) as unknown };
}

/** The profile of the logged-in user, as JSON (fails the test when nobody is logged in). */
async function loggedInProfile(browser: TestBrowser, baseUrl: string): Promise<ProfileBody> {
  const profile = await profileJson(browser, baseUrl);
  assert.equal(profile.status, 200, `the profile answers 200 while logged in: ${JSON.stringify(profile.body)}`);
  return profile.body as ProfileBody;
}

/** Picks the form whose action is this path (for {@link TestBrowser.submitForm}). */
const formTo = (pathname: string) => (action: URL): boolean => action.pathname === pathname;

/** The embedded provider's issuer, from the demo's start-up lines. */
function embeddedIssuer(demo: Demo): string {
  const match = /^Embedded dev provider .*issuer (http:\/\/127\.0\.0\.1:\d+)$/m.exec(demo.stdout());
  assert.ok(match, `the demo names its embedded provider:\n${demo.stdout()}`);
  return match[1]!;
}

/** Whether the page is the dev provider's login form (it asks for a username). */
function isProviderLoginForm(page: NavigateResult): boolean {
  return parseForms(page.response.body, page.url).some((form) => form.fields.some(([name, value]) => name === 'prompt' && value === 'login'));
}

/** Waits (briefly) for output of the demo process, which arrives through a pipe. */
async function waitForOutput(read: () => string, pattern: RegExp, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) assert.fail(`${what}: ${pattern} not found in:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The session cookies the browser holds for the app (the session is chunked: `oidc_session.0`, …);
 * not the marker a logout leaves (`oidc_session_ended`), which holds no session.
 */
function sessionCookies(browser: TestBrowser, baseUrl: string): string[] {
  return [...browser.cookies(baseUrl).keys()].filter((name) => /^oidc_session(\.\d+)?$/.test(name));
}

/**
 * Presses the profile's logout button (a POST from the app's page, so with the app's Origin) and
 * stops on the provider's end-session page; checks the redirect oidc-kit sent there.
 */
async function logOutAtProvider(browser: TestBrowser, profilePage: NavigateResult, baseUrl: string, issuer: string, clientId: string): Promise<NavigateResult> {
  const endSession = await browser.submitForm(profilePage.response, {}, { form: formTo('/logout') });
  assert.equal(endSession.visited[0]?.href, `${baseUrl}/logout`);
  assert.equal(endSession.url.origin, issuer, 'the logout button leads to the provider');
  assert.equal(endSession.url.pathname, '/session/end');
  const query = endSession.url.searchParams;
  assert.equal(query.get('post_logout_redirect_uri'), `${baseUrl}/logout/callback`);
  assert.equal(query.get('client_id'), clientId);
  assert.ok(query.get('id_token_hint'), 'the ID token is the hint of who logs out');
  assert.ok(query.get('state'), 'a state binds the way back to this browser');
  assert.equal(endSession.response.status, 200);
  assert.match(endSession.response.body, /<h1>Sign out<\/h1>/);
  return endSession;
}

for (const framework of DEMO_FRAMEWORKS) {
  describe(`demo on ${framework}`, () => {
    test('demo with the embedded provider: home, 401, login, profile, refresh, logout here and at the provider', async (t) => {
      const demo = await startDemo(t, { PORT: '0', DEMO_FRAMEWORK: framework });
      assert.match(demo.baseUrl, /^http:\/\/localhost:\d+$/);
      const issuer = embeddedIssuer(demo);
      assert.match(demo.stdout(), /log in with any username and password/);
      assert.match(demo.stdout(), /sessions won't survive a restart/);
      assert.ok(
        demo.stdout().includes(`post-logout redirect URI: ${demo.baseUrl}/logout/callback; back-channel logout URI: ${demo.baseUrl}/backchannel-logout`),
        demo.stdout(),
      );
      const browser = new TestBrowser();

      const home = await browser.navigate(`${demo.baseUrl}/`);
      assert.equal(home.response.status, 200);
      assert.match(home.response.body, /Nobody is logged in\./);
      assert.match(home.response.body, /href="\/login\?returnTo=\/profile"/);
      assert.match(home.response.headers.get('content-security-policy') ?? '', new RegExp(`form-action 'self' ${issuer.replaceAll('.', '\\.')};`));

      const anonymous = await profileJson(browser, demo.baseUrl);
      assert.equal(anonymous.status, 401);
      assert.equal((anonymous.body as { error?: unknown }).error, 'unauthenticated');

      // Log in.
      const login = await loginThroughProvider(browser, `${demo.baseUrl}/login?returnTo=/profile`, 'alice');
      assert.equal(login.url.href, `${demo.baseUrl}/profile`);
      assert.equal(login.response.status, 200);
      assert.match(login.response.body, /Profile of alice/);
      assert.match(login.response.body, /<th>email<\/th><td>alice@example\.com<\/td>/);
      assert.ok(login.visited.some((url) => url.hostname === '127.0.0.1'), 'the login went through the embedded provider');
      // The page's buttons are POST forms: logout (here and at the provider), logout here only, refresh.
      const forms = parseForms(login.response.body, login.url);
      for (const path of ['/logout', '/logout-local', '/refresh']) {
        assert.ok(forms.some((form) => form.action.href === `${demo.baseUrl}${path}` && form.method === 'POST'), `a POST form to ${path}`);
      }
      assert.doesNotMatch(login.response.body, /href="\/logout"/, 'no GET logout link');
      assert.match(login.response.body, /<th>Access token expires<\/th><td><time id="access-token-expires" datetime="[^"]+">/);

      const profile = await loggedInProfile(browser, demo.baseUrl);
      assert.equal(profile.sub, 'alice');
      assert.equal(profile.claims['sub'], 'alice');
      assert.equal(profile.claims['email'], 'alice@example.com');
      assert.match(profile.accessTokenFingerprint ?? '', /^[\w-]{12}$/);
      assert.ok(login.response.body.includes(`<code id="access-token">${profile.accessTokenFingerprint}</code>`), 'the page shows the same access token');
      const expiresAt = Date.parse(profile.accessTokenExpiresAt ?? '');
      assert.ok(expiresAt > Date.now() + 30 * 60_000, `the access token expires in about an hour: ${profile.accessTokenExpiresAt}`);

      // The refresh button: a new access token, saved in the session, without a trip through the browser to the provider.
      const refreshed = await browser.submitForm(login.response, {}, { form: formTo('/refresh') });
      // Redirect-after-POST: the page is a GET, which a reload repeats without posting again.
      assert.equal(refreshed.visited.length, 2);
      assert.equal(refreshed.visited[0]!.href, `${demo.baseUrl}/refresh`);
      assert.match(refreshed.visited[1]!.href, new RegExp(`^${demo.baseUrl}/profile\\?note=[\\w-]{22}$`));
      assert.equal(refreshed.response.status, 200);
      assert.match(refreshed.response.body, /Profile of alice/);
      const afterRefresh = await loggedInProfile(browser, demo.baseUrl);
      assert.match(afterRefresh.accessTokenFingerprint ?? '', /^[\w-]{12}$/);
      assert.notEqual(afterRefresh.accessTokenFingerprint, profile.accessTokenFingerprint, 'the refresh replaced the access token');
      assert.ok(refreshed.response.body.includes(`<code id="access-token">${afterRefresh.accessTokenFingerprint}</code>`));
      // The page says what changed.
      assert.ok(refreshed.response.body.includes(`The access token was refreshed: <code>${profile.accessTokenFingerprint}</code> became <code>${afterRefresh.accessTokenFingerprint}</code>`), refreshed.response.body);
      const reloaded = await browser.request(refreshed.visited[1]!.href);
      assert.ok(reloaded.body.includes('id="refreshed"'), 'a reload shows the same note, and refreshes nothing');
      assert.equal((await loggedInProfile(browser, demo.baseUrl)).accessTokenFingerprint, afterRefresh.accessTokenFingerprint);
      assert.ok(!(await browser.request(`${demo.baseUrl}/profile`)).body.includes('id="refreshed"'), 'the profile without the note says nothing');

      // "Call /api/me": the same, redirect-after-POST with the API's answer on the page.
      const called = await browser.submitForm(refreshed.response, { api: 'me' }, { form: formTo('/call-api') });
      assert.equal(called.visited[0]!.href, `${demo.baseUrl}/call-api`);
      assert.match(called.visited[1]!.href, /\/profile\?note=[\w-]{22}$/);
      assert.match(called.response.body, /<span id="api-status" class="status ok">200<\/span>/);
      // expires_in is whole seconds counted by the provider at its own moment: allow that rounding.
      assert.ok(Date.parse(afterRefresh.accessTokenExpiresAt ?? '') >= expiresAt - 2000, `the new access token does not expire earlier: ${afterRefresh.accessTokenExpiresAt} < ${profile.accessTokenExpiresAt}`);

      const homeLoggedIn = await browser.navigate(`${demo.baseUrl}/`);
      assert.match(homeLoggedIn.response.body, /Logged in as <strong>alice<\/strong>/);
      assert.doesNotMatch(homeLoggedIn.response.body, /Nobody is logged in/);

      // The logout button: the session ends here at once, then the provider asks to confirm.
      const endSession = await logOutAtProvider(browser, refreshed, demo.baseUrl, issuer, 'demo-client');
      assert.equal((await profileJson(browser, demo.baseUrl)).status, 401, 'the app session ended before the provider asked');
      assert.doesNotMatch(demo.stdout(), /back-channel logout delivered/);

      const signedOut = await browser.submitForm(endSession.response, {});
      assert.deepEqual(
        signedOut.visited.map((url) => url.origin + url.pathname),
        [`${issuer}/session/end/confirm`, `${demo.baseUrl}/logout/callback`, `${demo.baseUrl}/`],
      );
      assert.equal(signedOut.visited[1]?.searchParams.get('state'), endSession.url.searchParams.get('state'), 'the provider returned the state');
      assert.equal(signedOut.response.status, 200);
      assert.match(signedOut.response.body, /Nobody is logged in\./);
      assert.equal((await profileJson(browser, demo.baseUrl)).status, 401);
      assert.doesNotMatch(demo.stderr(), /post-logout redirect without a matching state/);

      // The provider told the app over the back channel, and the app answered 200 (oidc-provider
      // reports anything but 200/204 as `backchannel.error`, which the demo prints to stderr).
      await waitForOutput(
        demo.stdout,
        new RegExp(`^dev provider: back-channel logout delivered to demo-client \\(${demo.baseUrl.replaceAll('.', '\\.')}/backchannel-logout\\)$`, 'm'),
        'back-channel logout',
      );
      assert.doesNotMatch(demo.stderr(), /back-channel logout (refused|to demo-client failed)/);

      // The provider's session is over too: logging in again asks for a username.
      const again = await browser.navigate(`${demo.baseUrl}/login?returnTo=/profile`);
      assert.equal(again.url.origin, issuer);
      assert.ok(isProviderLoginForm(again), 'the provider shows its login form again');

      assert.equal(await demo.stop(), 0, 'SIGTERM closes the servers and exits 0');
    });

    test('demo: log out of this app only keeps the provider session; signing out at the provider ends the app session', async (t) => {
      const demo = await startDemo(t, { PORT: '0', DEMO_FRAMEWORK: framework });
      const issuer = embeddedIssuer(demo);
      const browser = new TestBrowser();
      const login = await loginThroughProvider(browser, `${demo.baseUrl}/login?returnTo=/profile`, 'bob');
      assert.match(login.response.body, /Profile of bob/);

      // The demo's own POST routes refuse other sites (as oidc-kit's /logout does).
      for (const path of ['/logout-local', '/refresh']) {
        const foreign = await browser.request(`${demo.baseUrl}${path}`, {
          method: 'POST',
          headers: { origin: 'http://localhost:1', 'sec-fetch-site': 'same-site' },
          body: new URLSearchParams(),
        });
        assert.equal(foreign.status, 403, `a foreign POST ${path} is refused`);
      }
      // A logout link followed from another site only shows oidc-kit's confirmation page.
      const crossSite = await browser.navigate(`${demo.baseUrl}/logout`, { headers: { 'sec-fetch-site': 'cross-site' } });
      assert.equal(crossSite.response.status, 200);
      assert.match(crossSite.response.body, /<form method="post" action="\/logout">/);
      assert.equal((await loggedInProfile(browser, demo.baseUrl)).sub, 'bob', 'still logged in');

      // "Log out of this app only": straight home, never through the provider.
      const local = await browser.submitForm(login.response, {}, { form: formTo('/logout-local') });
      assert.deepEqual(local.visited.map(String), [`${demo.baseUrl}/logout-local`, `${demo.baseUrl}/`]);
      assert.match(local.response.body, /Nobody is logged in\./);
      assert.equal((await profileJson(browser, demo.baseUrl)).status, 401);
      assert.deepEqual(sessionCookies(browser, demo.baseUrl), [], 'the session cookie is cleared');

      // The provider session lives on: a new login completes without the provider's login form.
      const relogin = await browser.navigate(`${demo.baseUrl}/login?returnTo=/profile`);
      assert.equal(relogin.url.href, `${demo.baseUrl}/profile`);
      assert.equal(relogin.response.status, 200);
      assert.match(relogin.response.body, /Profile of bob/);
      assert.ok(relogin.visited.some((url) => url.origin === issuer && url.pathname === '/auth'), 'the login went through the provider');
      assert.ok(!relogin.visited.some((url) => url.pathname.startsWith('/interaction/')), 'no login form at the provider');
      assert.equal((await loggedInProfile(browser, demo.baseUrl)).sub, 'bob');

      // Signing out at the provider (not through the app): its back-channel logout ends the app's
      // session, although the browser still holds the session cookie.
      const endSession = await browser.navigate(`${issuer}/session/end`);
      assert.match(endSession.response.body, /<h1>Sign out<\/h1>/);
      const signedOut = await browser.submitForm(endSession.response, {});
      assert.match(signedOut.response.body, /You are signed out\./);
      await waitForOutput(demo.stdout, /^dev provider: back-channel logout delivered to demo-client /m, 'back-channel logout');
      assert.notDeepEqual(sessionCookies(browser, demo.baseUrl), [], 'the browser still sends its session cookie');
      const ended = await profileJson(browser, demo.baseUrl);
      assert.equal(ended.status, 401, 'the back-channel logout ended the app session');
      const home = await browser.navigate(`${demo.baseUrl}/`);
      assert.match(home.response.body, /Nobody is logged in\./);
    });

    test('demo pointed at another provider by OIDC_ISSUER', async (t) => {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const clientSecret = 'external-client-secret-0123456789-abcdefgh';
      const op = await startDevProvider({
        clients: [devClient(`${baseUrl}/callback`, {
          client_id: 'external-client',
          client_secret: clientSecret,
          post_logout_redirect_uris: [`${baseUrl}/logout/callback`],
          backchannel_logout_uri: `${baseUrl}/backchannel-logout`,
          backchannel_logout_session_required: true,
        })],
      });
      t.after(() => op.close());
      const backchannel: Array<{ clientId: string; outcome: string }> = [];
      op.provider.on('backchannel.success', (_ctx, client) => backchannel.push({ clientId: client.clientId, outcome: 'success' }));
      op.provider.on('backchannel.error', (_ctx, error, client) => backchannel.push({ clientId: client.clientId, outcome: error.message }));
      const refreshTokens: Array<{ destroy(): Promise<void> }> = [];
      op.provider.on('refresh_token.saved', (token) => refreshTokens.push(token));

      const demo = await startDemo(t, {
        PORT: String(port),
        BASE_URL: baseUrl,
        OIDC_ISSUER: op.issuer,
        OIDC_CLIENT_ID: 'external-client',
        OIDC_CLIENT_SECRET: clientSecret,
        SESSION_SECRET: 'demo-test-session-secret-0123456789-abcdef',
        DEMO_FRAMEWORK: framework,
      });
      assert.equal(demo.baseUrl, baseUrl);
      assert.doesNotMatch(demo.stdout(), /embedded/i);
      assert.doesNotMatch(demo.stdout(), /any username/i);
      assert.match(demo.stdout(), new RegExp(`OpenID provider: ${op.issuer.replaceAll('.', '\\.')}$`, 'm'));
      assert.ok(demo.stdout().includes(`back-channel logout URI: ${baseUrl}/backchannel-logout`), 'the URIs to register are printed');

      // A username with markup: the pages must show it escaped.
      const username = 'eve<b>&co';
      const browser = new TestBrowser();
      const login = await loginThroughProvider(browser, `${baseUrl}/login?returnTo=/profile`, username);
      assert.equal(login.url.href, `${baseUrl}/profile`);
      assert.equal(login.response.status, 200);
      assert.ok(login.visited.some((url) => url.origin === op.issuer), 'the login went through the external provider');
      assert.match(login.response.body, /Profile of eve&lt;b&gt;&amp;co/);
      assert.ok(!login.response.body.includes(username), 'the raw username never reaches the page');

      const profile = await loggedInProfile(browser, baseUrl);
      assert.equal(profile.sub, username);

      // The refresh button: one refresh_token grant at the provider's token endpoint.
      const tokenCalls = (): number => op.requests.filter((r) => r.method === 'POST' && r.path === '/token').length;
      const callsBefore = tokenCalls();
      const refreshed = await browser.submitForm(login.response, {}, { form: formTo('/refresh') });
      assert.match(refreshed.url.href, new RegExp(`^${baseUrl}/profile\\?note=[\\w-]{22}$`));
      assert.equal(tokenCalls(), callsBefore + 1, 'one call to the token endpoint');
      const afterRefresh = await loggedInProfile(browser, baseUrl);
      assert.notEqual(afterRefresh.accessTokenFingerprint, profile.accessTokenFingerprint);

      // The refresh token is revoked at the provider: the button ends the session, and the browser
      // logs in again (the provider's session still stands, so without its form) and is back on the profile.
      assert.ok(refreshTokens.length > 0, 'the provider issued a refresh token');
      for (const token of refreshTokens) await token.destroy();
      const relogin = await browser.submitForm(refreshed.response, {}, { form: formTo('/refresh') });
      assert.equal(relogin.url.href, `${baseUrl}/profile`);
      assert.equal(relogin.response.status, 200);
      assert.ok(relogin.visited.some((url) => url.origin === op.issuer && url.pathname === '/auth'), 'sent to log in again');
      assert.ok(relogin.visited.some((url) => url.href.startsWith(`${baseUrl}/callback?`)));
      assert.match(demo.stderr(), /session ended: session_expired:invalid_grant/);
      assert.equal((await loggedInProfile(browser, baseUrl)).sub, username);

      // Logout at the provider, then its back-channel logout to the app, answered 200.
      const endSession = await logOutAtProvider(browser, relogin, baseUrl, op.issuer, 'external-client');
      assert.deepEqual(backchannel, []);
      const signedOut = await browser.submitForm(endSession.response, {});
      assert.equal(signedOut.url.href, `${baseUrl}/`);
      assert.match(signedOut.response.body, /Nobody is logged in\./);
      assert.deepEqual(backchannel, [{ clientId: 'external-client', outcome: 'success' }]);
      assert.doesNotMatch(demo.stderr(), /back-channel logout refused/);

      // The provider goes away: the refresh button's error reaches oidc.errorHandler(), which answers
      // 503 on the demo's friendly error page (its onError view; not the demo's own 500) with the error
      // code, and the session is kept.
      const third = await loginThroughProvider(browser, `${baseUrl}/login?returnTo=/profile`, username);
      assert.equal(third.url.href, `${baseUrl}/profile`);
      await op.close();
      const down = await browser.submitForm(third.response, {}, { form: formTo('/refresh') });
      assert.equal(down.url.href, `${baseUrl}/refresh`);
      assert.equal(down.response.status, 503);
      assert.match(down.response.body, /<h1>The login service is not answering<\/h1>/);
      assert.match(down.response.body, /<span id="error-code" class="error-code">provider_unavailable<\/span>/);
      assert.equal((await loggedInProfile(browser, baseUrl)).sub, username, 'the session is kept');
    });

    test('demo API: the home page\'s client-credentials command gets a token that /api/me and /api/admin accept; RFC 6750 answers otherwise', async (t) => {
      const demo = await startDemo(t, { PORT: '0', DEMO_FRAMEWORK: framework });
      const issuer = embeddedIssuer(demo);
      const audience = `${demo.baseUrl}/api`;
      assert.ok(demo.stdout().includes(`API: ${demo.baseUrl}/api/me and ${demo.baseUrl}/api/admin (bearer tokens for audience ${audience})`), demo.stdout());

      // The command as the home page shows it (HTML-escaped there), taken apart and sent as curl would.
      const browser = new TestBrowser();
      const home = await browser.navigate(`${demo.baseUrl}/`);
      const shown = /<pre id="token-command"><code>([^<]+)<\/code><\/pre>/.exec(home.response.body)?.[1]?.replaceAll('&#39;', '\'');
      assert.ok(shown, 'the home page shows how to get a token');
      const command = /-u '([^:']+):([^']+)' -d grant_type=client_credentials -d scope='([^']+)' -d resource='([^']+)' '([^']+)'/.exec(shown);
      assert.ok(command, shown);
      const [, clientId, clientSecret, scope, resource, tokenEndpoint] = command as unknown as [string, string, string, string, string, string];
      assert.equal(resource, audience);
      assert.equal(tokenEndpoint, `${issuer}/token`);
      assert.match(home.response.body, new RegExp(`curl -H "Authorization: Bearer \\$TOKEN" ${demo.baseUrl}/api/me`));

      const getToken = async (requested: string): Promise<string> => {
        const response = await fetch(tokenEndpoint, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', scope: requested, resource }),
        });
        assert.equal(response.status, 200);
        return ((await response.json()) as { access_token: string }).access_token;
      };
      const api = (path: string, token?: string) => fetch(`${demo.baseUrl}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

      const admin = await getToken(scope);
      const me = await api('/api/me', admin);
      assert.equal(me.status, 200);
      const body = (await me.json()) as { claims: Record<string, unknown>; scopes: string[] };
      assert.equal(body.claims['client_id'], clientId);
      assert.equal(body.claims['aud'], audience);
      assert.deepEqual(body.scopes, ['read', 'admin']);
      assert.equal((await api('/api/admin', admin)).status, 200);

      const readOnly = await getToken('read');
      const refused = await api('/api/admin', readOnly);
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks the scope this needs: admin.", scope="admin"');

      const anonymous = await api('/api/me');
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="api"');
      const forged = await api('/api/me', `${admin.slice(0, -4)}AAAA`);
      assert.equal(forged.status, 401);
      assert.match(forged.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

      // A logged-in browser's session cookie is not a bearer token.
      await loginThroughProvider(browser, `${demo.baseUrl}/login?returnTo=/profile`, 'alice');
      assert.equal((await browser.request(`${demo.baseUrl}/api/me`)).status, 401);
    });

    test('demo with REDIS_URL: sessions in Redis survive a restart of the demo', { skip: redisUnavailable() }, async (t) => {
      const redis = await startRedis();
      t.after(() => redis.close());
      const env = { DEMO_FRAMEWORK: framework, PORT: String(await freePort()), REDIS_URL: redis.url, SESSION_SECRET: 'demo-test-secret-0123456789-abcdefghij' };
      const first = await startDemo(t, env);
      assert.match(first.stdout(), new RegExp(`Sessions: in Redis at ${redis.url}`));
      const browser = new TestBrowser();
      const login = await loginThroughProvider(browser, `${first.baseUrl}/login?returnTo=/profile`, 'alice');
      assert.equal(login.response.status, 200);
      assert.equal(await first.stop(), 0);

      const second = await startDemo(t, env);
      const profile = await profileJson(browser, second.baseUrl);
      assert.equal(profile.status, 200, 'still logged in after the restart');
      assert.equal((profile.body as { sub?: unknown }).sub, 'alice');
      await second.stop();
    });
  });
}
