/**
 * Requests an outsider shapes (issue 25):
 * - item 5, odd callbacks: an authorization response with a valid pending state but neither a
 *   `code` nor an `error` (RFC 6749 §4.1.2, §4.1.2.1: it must carry one) cannot be completed; it is
 *   the request's fault, a 400 with a stable code — not a 502 that blames the provider — and no
 *   token request is made;
 * - item 6, hostile cookie headers: hundreds of session chunk cookies get back only the deletions
 *   of the chunks oidc-kit could have written, not one `Set-Cookie` per cookie sent.
 * Over real HTTP, on every adapter the package ships.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoSession, startHostileBed, type HostileBed } from '../support/hostile-bed.ts';
import { MAX_COOKIE_CHUNKS } from '../../src/cookies/chunked-cookie.ts';
import { TestBrowser } from '../support/browser.ts';
import { CookieJar } from '../support/cookie-jar.ts';
import { PACKAGE_ADAPTERS } from '../support/test-app.ts';

for (const adapter of PACKAGE_ADAPTERS) {
  describe(`requests an outsider shapes (${adapter})`, () => {
    let bed: HostileBed;
    before(async () => {
      bed = await startHostileBed({ adapter });
    });
    after(async () => {
      await bed?.close();
    });

    /** A login stopped at the callback, with the authorization response's parameters edited. */
    async function callbackWith(edit: (params: URLSearchParams) => void): Promise<{ status: number; body: Record<string, unknown>; browser: Awaited<ReturnType<HostileBed['login']>>['browser'] }> {
      const { stoppedAt, browser } = await bed.login({ stopAtCallback: true });
      assert.ok(stoppedAt !== undefined, 'the login reached the callback');
      edit(stoppedAt.searchParams);
      bed.op.clear();
      const answer = await browser.request(stoppedAt, { headers: { accept: 'application/json' } });
      return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown>, browser };
    }

    test('a valid state without code or error → 400 invalid_request (reason code_missing), no token request, no session', async () => {
      for (const edit of [(p: URLSearchParams) => p.delete('code'), (p: URLSearchParams) => p.set('code', '')]) {
        const { status, body, browser } = await callbackWith(edit);
        assert.equal(status, 400, JSON.stringify(body));
        assert.equal(body['error'], 'invalid_request');
        assert.equal(body['reason'], 'code_missing');
        assert.equal(bed.op.count('/token'), 0, 'nothing to redeem, so no token request');
        await assertNoSession(bed, browser);
      }
    });

    test('an error response without a code is still the provider\'s answer (op_error), and a complete response still logs in', async () => {
      const refused = await callbackWith((p) => {
        p.delete('code');
        p.set('error', 'access_denied');
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.body['error'], 'op_error');
      const { stoppedAt, browser } = await bed.login({ stopAtCallback: true });
      const answer = await browser.request(stoppedAt!, { headers: { accept: 'application/json' } });
      assert.ok(answer.status === 200 || answer.status === 303, `${answer.status} ${answer.body}`);
    });

    test('hundreds of empty session chunk cookies beside a live session: /logout clears only the chunks that can exist', async () => {
      const jar = new CookieJar();
      const browser = new TestBrowser(jar);
      const { response } = await bed.login({ browser });
      assert.equal(response.status, 200, response.body);
      // Past the chunks the session itself uses (its real .0, .1 … stay as they are).
      jar.store(bed.appUrl, Array.from({ length: 400 }, (_, i) => `oidc_session.${i + 20}=; Path=/`));
      assert.ok((jar.header(`${bed.appUrl}/logout`) ?? '').split('; ').length > 400, 'the hostile cookies are sent');
      const answer = await browser.request(`${bed.appUrl}/logout`, { headers: { 'sec-fetch-site': 'same-origin' } });
      assert.ok(answer.status < 500, `answered ${answer.status}`);
      const cleared = answer.setCookies.filter((c) => c.startsWith('oidc_session'));
      assert.ok(cleared.length > 0, `the session is cleared (${answer.status} ${answer.headers.get('location') ?? ''})`);
      assert.ok(cleared.length <= MAX_COOKIE_CHUNKS + 1, `${cleared.length} session cookies cleared`);
      const bytes = answer.setCookies.join('\n').length;
      assert.ok(bytes < 4096, `${bytes} bytes of Set-Cookie`);
    });

    test('a provider that sends more about the user than cookies can carry: 502 provider_error (session_too_large), no session cookie written, not a 500', async () => {
      const before = bed.op.userClaims;
      bed.op.userClaims = { ...before, groups: Array.from({ length: 4000 }, (_, i) => `group-with-a-long-name-${i}`) };
      try {
        const { response, browser } = await bed.login();
        assert.equal(response.status, 502, response.body.slice(0, 200));
        const body = JSON.parse(response.body) as { error: string; reason: string };
        assert.deepEqual([body.error, body.reason], ['provider_error', 'session_too_large']);
        await assertNoSession(bed, browser);
      } finally {
        bed.op.userClaims = before;
      }
    });

    test('hundreds of pending-login cookies: /login opens and deletes at most 20 of them, and still starts the login', async () => {
      const cookie = Array.from({ length: 300 }, (_, i) => `oidc_session_tx.state-${String(i).padStart(16, '0')}=junk`).join('; ');
      const answer = await fetch(`${bed.appUrl}/login`, { headers: { cookie }, redirect: 'manual' });
      await answer.arrayBuffer();
      assert.equal(answer.status, 302, 'the login starts');
      const deletions = answer.headers.getSetCookie().filter((c) => c.startsWith('oidc_session_tx.state-'));
      assert.ok(deletions.length > 0 && deletions.length <= 20, `${deletions.length} deletions`);
      assert.ok(answer.headers.getSetCookie().join('\n').length < 8192, 'a bounded answer');
    });
  });
}
