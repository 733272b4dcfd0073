/**
 * Issue 25 item 4: a login whose code exchange failed because the provider was down can be tried
 * again at once. The callback's error page (503, Retry-After) links to "Try again": the login route
 * with the login's own page, which starts a new login (a new state) that completes and lands on that
 * page. Reloading the callback still fails (its transaction is used), and a refused response (a state
 * mismatch) gets no such link. Against the dev provider, stopped and started again on its port. On
 * every adapter.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { devClient, type DevProvider, startDevProvider } from '../../src/dev-provider/dev-provider.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { freePort } from '../support/app-process.ts';
import { serveTestApp } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import { ADAPTERS, CLIENT_SECRET, SECRET } from '../support/testbed.ts';

/** A page that needs a login. */
const report = get('/reports/q3', [['requireLogin']], ({ oidc }) => ({ json: { sub: oidc.user?.sub } }));

/** The href of the page's "Try again" link, unescaped. */
function tryAgainHref(html: string): string | undefined {
  const match = /<a href="([^"]*)">Try again<\/a>/.exec(html);
  return match?.[1]?.replaceAll('&amp;', '&');
}

for (const adapter of ADAPTERS) {
  describe(`a login whose code exchange failed is retryable (${adapter})`, () => {
    const closers: Array<() => Promise<void>> = [];
    after(async () => {
      for (const close of closers) await close();
    });

    async function setUp(): Promise<{ appUrl: string; port: number; startOp: () => Promise<DevProvider>; warnings: string[] }> {
      const port = await freePort();
      const warnings: string[] = [];
      const app = await serveTestApp(adapter, (url) => ({
        baseUrl: url, secret: SECRET, issuer: `http://127.0.0.1:${port}`, clientId: 'demo-client', clientSecret: CLIENT_SECRET,
        httpTimeout: 500, logger: { warn: (message) => warnings.push(message) },
      }), { routes: [report] });
      closers.push(() => app.close());
      const startOp = async (): Promise<DevProvider> => {
        const op = await startDevProvider({ port, clients: [{ ...devClient(`${app.url}/callback`), client_secret: CLIENT_SECRET }] });
        closers.push(() => op.close());
        return op;
      };
      return { appUrl: app.url, port, startOp, warnings };
    }

    test('provider down at the code exchange → 503 with Retry-After and a "Try again" link; it starts a new login that lands on the original page', async () => {
      const { appUrl, startOp, warnings } = await setUp();
      let op = await startOp();
      const browser = new TestBrowser();
      const { stoppedAt } = await loginThroughProvider(browser, `${appUrl}/reports/q3?tab=1`, 'alice', { stopWhen: (u) => u.pathname === '/callback' });
      const firstState = stoppedAt!.searchParams.get('state');
      await op.close();

      const failed = await browser.request(stoppedAt!);
      assert.equal(failed.status, 503, failed.body);
      assert.match(failed.headers.get('content-type')!, /text\/html/);
      assert.equal(failed.headers.get('retry-after'), '5');
      const href = tryAgainHref(failed.body);
      assert.ok(href !== undefined, failed.body);
      const retry = new URL(href);
      assert.equal(retry.origin + retry.pathname, `${appUrl}/login`);
      assert.equal(retry.searchParams.get('returnTo'), `${appUrl}/reports/q3?tab=1`);
      // Logged once, as the provider's outage (with its cause), not again as a failed login.
      assert.equal(warnings.filter((w) => / is down: provider_unavailable/.test(w)).length, 1, warnings.join('\n'));
      assert.deepEqual(warnings.filter((w) => /^login failed: provider_unavailable/.test(w)), [], warnings.join('\n'));

      // Reloading the callback does not help: its transaction is used.
      const reloaded = await browser.request(stoppedAt!);
      assert.equal(reloaded.status, 400);
      assert.match(reloaded.body, /no_pending_transaction/);
      assert.equal(tryAgainHref(reloaded.body), undefined, 'a refused response offers no retry');

      op = await startOp();
      const started = await browser.request(href);
      assert.equal(started.status, 302);
      const authorize = new URL(started.headers.get('location')!);
      assert.equal(authorize.origin, op.issuer);
      assert.notEqual(authorize.searchParams.get('state'), firstState, 'a new login');
      const { response, url } = await loginThroughProvider(browser, href, 'alice');
      assert.equal(response.status, 200, response.body);
      assert.equal(url.href, `${appUrl}/reports/q3?tab=1`);
      assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
    });

    test('a JSON client gets the retry URL as retry_url', async () => {
      const { appUrl, startOp } = await setUp();
      const op = await startOp();
      const browser = new TestBrowser();
      const { stoppedAt } = await loginThroughProvider(browser, `${appUrl}/reports/q3`, 'bob', { stopWhen: (u) => u.pathname === '/callback' });
      await op.close();
      const failed = await browser.request(stoppedAt!, { headers: { accept: 'application/json' } });
      assert.equal(failed.status, 503, failed.body);
      const body = JSON.parse(failed.body) as Record<string, string>;
      assert.equal(body['error'], 'provider_unavailable');
      assert.equal(body['retry_url'], `${appUrl}/login?returnTo=${encodeURIComponent(`${appUrl}/reports/q3`)}`);
    });
  });
}
