/**
 * The demo's DPoP mode (issue 28 item 6): `DEMO_DPOP=1 npm run demo` binds each session's tokens to
 * a key of its own, the profile page calls the demo API with `req.oidc.fetch()` (a proof per call),
 * and the API (`resourceServer.dpop: 'allowed'`) accepts the bound token — on every framework.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { DEMO_FRAMEWORKS, startDemo } from '../support/demo-process.ts';

for (const framework of DEMO_FRAMEWORKS) {
  describe(`demo with DEMO_DPOP=1 (${framework})`, () => {
    test('the login\'s token is DPoP-bound, and "Call /api/me" sends it with a proof that the API accepts', async (t) => {
      const demo = await startDemo(t, { DEMO_FRAMEWORK: framework, DEMO_DPOP: '1' });
      assert.match(demo.stdout(), /DPoP: each session's tokens are bound to its own key/);
      const browser = new TestBrowser();
      const login = await loginThroughProvider(browser, `${demo.baseUrl}/login?returnTo=/profile`, 'alice');
      assert.equal(login.response.status, 200, login.response.body);
      const called = await browser.submitForm(login.response, { api: 'me' }, { form: (action) => action.pathname === '/call-api' });
      assert.match(called.response.body, /<span id="api-status" class="status ok">200<\/span>/, called.response.body);
      // The API's answer shows the token's claims: bound to a key (cnf.jkt). The API refuses a bound
      // token sent as Bearer (bound_token), so its 200 means the proof was there and checked.
      assert.match(called.response.body, /&quot;cnf&quot;: \{\s*&quot;jkt&quot;: &quot;[\w-]{43}&quot;/);
    });
  });
}

describe('demo with DEMO_DPOP set wrong', () => {
  test('DEMO_DPOP=yes is a one-line start-up error', async (t) => {
    await assert.rejects(startDemo(t, { DEMO_DPOP: 'yes' }), /DEMO_DPOP must be 1 \(DPoP-bound tokens\) or 0 \(got "yes"\)/);
  });
});
