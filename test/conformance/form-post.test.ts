/**
 * The Form Post RP profile (FP-01…03, BCP-24): `responseMode: 'form_post'` against the hostile
 * provider, whose authorization endpoint answers with an auto-submitting form that the test browser
 * submits like a browser would — from the provider's origin, and (with the provider on `localhost`
 * and the app on 127.0.0.1) as a cross-site POST that carries no SameSite=Lax cookie.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { parseForms, TestBrowser, type NavigateResult } from '../support/browser.ts';
import { startHostileBed, type HostileBed, type HostileBedOptions } from '../support/hostile-bed.ts';
import { ADAPTERS } from '../support/test-app.ts';

/** Starts a form_post login and submits the provider's auto-submitting form; returns where it ended. */
async function formPostLogin(bed: HostileBed, browser: TestBrowser, values: Record<string, string> = {}): Promise<NavigateResult> {
  const page = await bed.login({ browser, returnTo: '/profile' });
  assert.equal(page.response.status, 200, 'the provider answers with its auto-submitting form');
  assert.equal(page.url.origin, bed.op.origin);
  return browser.submitForm(page.response, values, { headers: { accept: 'application/json' } });
}

const json = (result: NavigateResult): { error?: string; reason?: string; sub?: string } => JSON.parse(result.response.body) as { error?: string; sub?: string };

for (const adapter of ADAPTERS) {
  /** The hostile bed on this adapter. */
  const startBed = (options: HostileBedOptions = {}): Promise<HostileBed> => startHostileBed({ adapter, ...options });

  describe(`Form Post RP: the login response as a cross-site POST (${adapter})`, () => {
    let bed: HostileBed;

    before(async () => {
      // The provider on localhost, the app on 127.0.0.1: two sites. `secure: true` stands in for the
      // https a real deployment has (the test browser, like Chrome on loopback, keeps Secure cookies).
      bed = await startBed({ provider: { host: 'localhost' }, oidc: { responseMode: 'form_post', session: { secure: true } } });
    });
    after(() => bed.close());

    test('FP-01, BCP-24: the request says response_mode=form_post, the provider POSTs code and state cross-site, and the login completes', async () => {
      bed.op.clear();
      const browser = new TestBrowser(undefined, { enforceSameSite: true });
      const page = await bed.login({ browser });
      const [authorize] = bed.op.requestsTo('/authorize');
      assert.equal(authorize!.query.get('response_mode'), 'form_post');
      // The pending-login cookie must survive a cross-site POST: SameSite=None; Secure.
      assert.equal([...browser.cookies(`${bed.appUrl}/callback`).keys()].filter((n) => n.includes('_tx.')).length, 1, 'one pending login');
      const [form] = parseForms(page.response.body, page.url);
      assert.equal(form!.method, 'POST');
      assert.equal(form!.action.href, `${bed.appUrl}/callback`);
      assert.deepEqual(form!.fields.map(([name]) => name).sort(), ['code', 'iss', 'state']);

      const done = await browser.submitForm(page.response, {});
      assert.equal(done.response.status, 200);
      assert.equal(json(done).sub, 'alice');
      assert.deepEqual(done.visited.map((u) => u.pathname), ['/callback', '/profile']);
      assert.equal(bed.op.count('/token'), 1);
      assert.equal(bed.op.count('/userinfo'), 1);
    });

    test('FP-01, BCP-24: the pending-login cookie is SameSite=None; Secure; HttpOnly under form_post', async () => {
      const browser = new TestBrowser();
      const res = await browser.request(`${bed.appUrl}/login`);
      const cookie = res.setCookies.find((c) => c.includes('Path=/callback'));
      assert.ok(cookie, 'a transaction cookie scoped to the callback');
      assert.match(cookie, /; SameSite=None/);
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /; HttpOnly/);
    });

    for (const [id, what, change, reason] of [
      ['FP-01, BAS-02', 'iss + "1"', { iss: 'ISSUER1' }, 'iss'],
      ['FP-01, BAS-04', 'aud of another client', { aud: 'another-client' }, 'aud'],
      ['FP-01, BAS-12', 'a nonce other than the one sent', { nonce: 'NONCE1' }, 'nonce'],
    ] as const) {
      test(`${id}: under form_post an ID token with ${what} is refused (id_token_invalid:${reason}), no UserInfo call, no session`, async () => {
        bed.op.clear();
        bed.op.idToken = (claims, grant) => {
          const changed: Record<string, unknown> = { ...claims, ...change };
          if (changed.iss === 'ISSUER1') changed.iss = `${bed.op.issuer}1`;
          if (changed.nonce === 'NONCE1') changed.nonce = `${grant.nonce}1`;
          return changed;
        };
        try {
          const browser = new TestBrowser(undefined, { enforceSameSite: true });
          const done = await formPostLogin(bed, browser);
          assert.equal(done.response.status, 400);
          assert.deepEqual({ error: json(done).error, reason: json(done).reason }, { error: 'id_token_invalid', reason });
          assert.equal(bed.op.count('/userinfo'), 0);
          const home = await browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
          assert.deepEqual(JSON.parse(home.body), { authenticated: false, sub: null });
        } finally {
          bed.op.idToken = undefined;
        }
      });
    }

    test('FP-01, FX-01: under form_post a POSTed state of another login is refused (state_mismatch), no token request', async () => {
      bed.op.clear();
      const browser = new TestBrowser(undefined, { enforceSameSite: true });
      const done = await formPostLogin(bed, browser, { state: 'A'.repeat(43) });
      assert.equal(done.response.status, 400);
      assert.equal(json(done).error, 'state_mismatch');
      assert.equal(bed.op.count('/token'), 0);
    });

    test('FP-02, BCP-25: a POSTed error=login_required with a hostile error_description shows an escaped error page, no token request', async () => {
      bed.op.clear();
      bed.op.authorizeResponse = (params) => new URLSearchParams({
        error: 'login_required',
        error_description: '<script>alert(1)</script>\r\nSet-Cookie: x=y',
        state: params.get('state') ?? '',
        iss: bed.op.issuer,
      });
      try {
        const browser = new TestBrowser(undefined, { enforceSameSite: true });
        const page = await browser.navigate(`${bed.appUrl}/login?returnTo=/profile`);
        const done = await browser.submitForm(page.response, {});
        assert.equal(done.response.status, 400);
        assert.match(done.response.headers.get('content-type') ?? '', /text\/html/);
        assert.match(done.response.body, /op_error/);
        assert.match(done.response.body, /login_required/);
        assert.doesNotMatch(done.response.body, /<script>alert/);
        assert.equal(done.response.headers.get('x'), null);
        assert.equal(bed.op.count('/token'), 0);
      } finally {
        bed.op.authorizeResponse = undefined;
      }
    });

    test('FP-03: a form_post login answered with code and state in a GET query is refused (response_mode_mismatch), no token request', async () => {
      bed.op.clear();
      const browser = new TestBrowser(undefined, { enforceSameSite: true });
      const page = await bed.login({ browser });
      const [form] = parseForms(page.response.body, page.url);
      const callback = new URL(form!.action);
      for (const [name, value] of form!.fields) callback.searchParams.set(name, value);
      const done = await browser.navigate(callback, { headers: { accept: 'application/json' } });
      assert.equal(done.response.status, 400);
      assert.equal(json(done).error, 'response_mode_mismatch');
      assert.equal(bed.op.count('/token'), 0);
      // The transaction is spent: the genuine POST cannot complete afterwards either.
      const late = await browser.submitForm(page.response, {}, { headers: { accept: 'application/json' } });
      assert.equal(late.response.status, 400);
      assert.equal(bed.op.count('/token'), 0);
    });

    test('FP-01: a callback POST that is not a form (JSON) is refused (invalid_request), no token request', async () => {
      bed.op.clear();
      const browser = new TestBrowser();
      const page = await bed.login({ browser });
      const [form] = parseForms(page.response.body, page.url);
      const res = await browser.request(form!.action, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(Object.fromEntries(form!.fields)) });
      assert.equal(res.status, 400);
      assert.equal((JSON.parse(res.body) as { error: string }).error, 'invalid_request');
      assert.equal(bed.op.count('/token'), 0);
    });
  });

  describe(`Form Post RP: without https, and the query mode (${adapter})`, () => {
    test('FP-01: without Secure cookies (http development) the pending login stays SameSite=Lax, so only a same-site provider can POST it back', async () => {
      const sameSite = await startBed({ oidc: { responseMode: 'form_post' } });
      const crossSite = await startBed({ provider: { host: 'localhost' }, oidc: { responseMode: 'form_post' } });
      try {
        const ok = await formPostLogin(sameSite, new TestBrowser(undefined, { enforceSameSite: true }));
        assert.equal(ok.response.status, 200);
        assert.equal(json(ok).sub, 'alice');
        const refused = await formPostLogin(crossSite, new TestBrowser(undefined, { enforceSameSite: true }));
        assert.equal(refused.response.status, 400);
        assert.equal(json(refused).error, 'no_pending_transaction');
        assert.equal(crossSite.op.count('/token'), 0);
      } finally {
        await sameSite.close();
        await crossSite.close();
      }
    });

    test('FP-03: a query-mode login answered with a POST is refused (response_mode_mismatch), no token request', async () => {
      const bed = await startBed();
      try {
        const browser = new TestBrowser();
        const { stoppedAt } = await bed.login({ browser, stopAtCallback: true });
        const body = new URLSearchParams(stoppedAt!.search);
        const res = await browser.request(`${bed.appUrl}/callback`, { method: 'POST', body, headers: { accept: 'application/json' } });
        assert.equal(res.status, 400);
        assert.equal((JSON.parse(res.body) as { error: string }).error, 'response_mode_mismatch');
        assert.equal(bed.op.count('/token'), 0);
      } finally {
        await bed.close();
      }
    });
  });
}
