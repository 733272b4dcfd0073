/**
 * The minimal apps of examples/<framework>/app.ts, run as their doc comments say (`node
 * --conditions=oidc-kit-source examples/<framework>/app.ts` with the environment of
 * examples/dev-provider/dev.env) against the development provider: home, 401 for JSON, login
 * through the provider, the profile, logout here and at the provider. They are what docs/
 * fastify.md, hono.md and fetch.md and the README's quick starts show; this keeps them running.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { devClient, startDevProvider } from '../../src/dev-provider/dev-provider.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { freePort, startExample } from '../support/demo-process.ts';

const EXAMPLES = ['express', 'fastify', 'hono', 'fetch'] as const;
/** The environment the examples' doc comments give them (its URLs are replaced by the test's). */
const DEV_ENV = Object.fromEntries(
  readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'dev-provider', 'dev.env'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

for (const framework of EXAMPLES) {
  describe(`examples/${framework}/app.ts`, () => {
    test('log in through the development provider, see the profile, log out here and at the provider', async (t) => {
      const port = await freePort();
      const baseUrl = `http://localhost:${port}`;
      const op = await startDevProvider({
        clients: [devClient(`${baseUrl}/callback`, {
          client_id: DEV_ENV['OIDC_CLIENT_ID']!,
          client_secret: DEV_ENV['OIDC_CLIENT_SECRET']!,
          post_logout_redirect_uris: [`${baseUrl}/logout/callback`, `${baseUrl}/`],
        })],
      });
      t.after(() => op.close());
      const app = await startExample(t, `examples/${framework}/app.ts`, {
        ...DEV_ENV,
        OIDC_ISSUER: op.issuer,
        BASE_URL: baseUrl,
        PORT: String(port),
      }, /^Listening on (\S+)$/m);
      t.after(() => app.stop());
      assert.equal(app.baseUrl, baseUrl);
      const browser = new TestBrowser();

      const home = await browser.navigate(`${baseUrl}/`);
      assert.equal(home.response.status, 200);
      assert.match(home.response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(home.response.body, /Not logged in\. <a href="\/login">Log in<\/a>/);

      const anonymous = await browser.request(`${baseUrl}/profile`, { headers: { accept: 'application/json' } });
      assert.equal(anonymous.status, 401);
      assert.equal((JSON.parse(anonymous.body) as { error?: unknown }).error, 'unauthenticated');

      const login = await loginThroughProvider(browser, `${baseUrl}/profile`, 'alice');
      assert.equal(login.url.href, `${baseUrl}/profile`, 'requireLogin() sent the browser to log in and back');
      assert.equal(login.response.status, 200);
      const profile = JSON.parse(login.response.body) as { user: { sub: string }; email: string; sessionExpiresAt: string };
      assert.equal(profile.user.sub, 'alice');
      assert.equal(profile.email, 'alice@example.com');
      assert.ok(Date.parse(profile.sessionExpiresAt) > Date.now(), profile.sessionExpiresAt);

      const loggedIn = await browser.navigate(`${baseUrl}/`);
      assert.match(loggedIn.response.body, /Hello alice\./);

      // The page's logout link, followed from the app's own page: here, then at the provider, and back.
      const endSession = await browser.navigate(`${baseUrl}/logout`, { headers: { 'sec-fetch-site': 'same-origin' } });
      assert.equal(endSession.url.origin, op.issuer, 'logout goes on to the provider');
      const signedOut = await browser.submitForm(endSession.response, {});
      assert.equal(signedOut.url.href, `${baseUrl}/`);
      assert.match(signedOut.response.body, /Not logged in\./);
      assert.equal((await browser.request(`${baseUrl}/profile`, { headers: { accept: 'application/json' } })).status, 401);

      const missing = await browser.request(`${baseUrl}/nowhere`);
      assert.equal(missing.status, 404);
    });
  });
}
