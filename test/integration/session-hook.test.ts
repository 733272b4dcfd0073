/**
 * Issue 27, item 1: the `onSession` hook decides the claims a session keeps, after each login and
 * each refresh, on every adapter, against the dev provider over real HTTP. Its failures fail the
 * login cleanly (503 with a "Try again" link, or the app's own OidcError), and after a refresh
 * they never lose the provider's new tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OidcError } from '../../src/errors.ts';
import { OpenIDConnect } from '../../src/fetch.ts';
import type { SessionHookEvent } from '../../src/session/session-hook.ts';
import { loginThroughProvider } from '../support/browser.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';

type Profile = { sub: string; claims: Record<string, unknown>; email: unknown };

/** What the hook does, by user: each test logs in its own user. */
function onSession(events: SessionHookEvent[]) {
  return async (event: SessionHookEvent): Promise<Record<string, unknown>> => {
    events.push(event);
    const { sub } = event.claims;
    await Promise.resolve(); // an async hook, as one that asks a database
    if (sub === 'broken') throw new Error('the roles database is down');
    if (sub === 'denied') throw new OidcError('claim_check_failed', 'This account may not use the app.');
    if (sub === 'impostor') return { ...event.claims, sub: 'someone-else' };
    if (event.isRefresh && sub === 'flaky') throw new Error('the roles database is down');
    if (event.isRefresh && sub === 'revoked') throw new OidcError('session_expired', 'Access was withdrawn.');
    // Trim a big claim, add the app's own, leave `sub` out (it is put back).
    const rest: Record<string, unknown> = { ...event.claims };
    delete rest['groups'];
    delete rest['sub'];
    return { ...rest, roles: ['reader'], logins: event.isRefresh ? Number(event.previous?.['logins']) : 1, refreshed: event.isRefresh };
  };
}

for (const adapter of ADAPTERS) {
  describe(`onSession (${adapter})`, () => {
    let bed: Testbed;
    const events: SessionHookEvent[] = [];
    const eventsOf = (sub: string): SessionHookEvent[] => events.filter((event) => event.claims.sub === sub);

    before(async () => {
      bed = await startTestbed({
        adapter,
        accountClaims: () => ({ groups: Array.from({ length: 50 }, (_, i) => `group-${i}`) }),
        oidc: { onSession: onSession(events) },
      });
    });
    after(() => bed.close());

    test('after a login its claims are req.oidc.user: enriched, trimmed, sub kept; it was told the claims, tokens and provider', async () => {
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
      assert.equal(response.status, 200, response.body);
      const profile = JSON.parse(response.body) as Profile;
      assert.equal(profile.sub, 'alice');
      assert.deepEqual(profile.claims['roles'], ['reader']);
      assert.equal(profile.claims['groups'], undefined, 'trimmed');
      assert.equal(profile.claims['refreshed'], false);
      assert.equal(profile.email, 'alice@example.com', 'getField reads the kept claims');
      const [event] = eventsOf('alice');
      assert.ok(event !== undefined);
      assert.equal(event.isRefresh, false);
      assert.equal(event.previous, undefined);
      assert.equal(event.provider, 'default');
      assert.equal((event.claims['groups'] as unknown[]).length, 50, 'the hook saw the claims as oidc-kit would keep them');
      assert.equal(event.claims['nonce'], undefined, 'without the protocol claims');
      assert.match(event.tokens.idToken, /^ey/);
      assert.equal(typeof event.tokens.accessToken, 'string');
      assert.equal(typeof event.tokens.refreshToken, 'string');
    });

    test('after a refresh it runs once for concurrent requests, told isRefresh and its previous claims', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'bob');
      const before = eventsOf('bob').length;
      const answers = await Promise.all([1, 2, 3].map(() => browser.request(`${bed.appUrl}/api/token?force=1`)));
      for (const answer of answers) assert.equal(answer.status, 200, answer.body);
      const refreshes = eventsOf('bob').slice(before);
      assert.equal(refreshes.length, 1, 'one refresh, one hook call');
      assert.equal(refreshes[0]!.isRefresh, true);
      assert.deepEqual(refreshes[0]!.previous?.['roles'], ['reader']);
      const profile = JSON.parse((await browser.request(`${bed.appUrl}/profile`)).body) as Profile;
      assert.equal(profile.claims['refreshed'], true);
      assert.equal(profile.claims['logins'], 1, 'built on the previous claims');
    });

    test('a hook that throws fails the login with 503 session_hook_failed and a way to try again; no session', async () => {
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'broken');
      assert.equal(response.status, 503);
      assert.match(response.body, /session_hook_failed/);
      assert.match(response.body, /Try again/);
      assert.equal(JSON.parse((await browser.request(`${bed.appUrl}/`)).body).authenticated, false);
      const logged = JSON.stringify([...bed.warnings, ...bed.debug]);
      assert.match(logged, /session_hook_failed/, 'logged');
      assert.match(logged, /the roles database is down/, 'with the cause');
    });

    test('a hook that throws an OidcError refuses the login with it; one that changes sub fails it', async () => {
      const denied = bed.browser();
      const refused = await loginThroughProvider(denied, `${bed.appUrl}/profile`, 'denied');
      assert.equal(refused.response.status, 403);
      assert.match(refused.response.body, /claim_check_failed/);
      assert.equal(JSON.parse((await denied.request(`${bed.appUrl}/`)).body).authenticated, false);

      const impostor = bed.browser();
      const changed = await loginThroughProvider(impostor, `${bed.appUrl}/profile`, 'impostor');
      assert.equal(changed.response.status, 503);
      assert.equal(JSON.parse((await impostor.request(`${bed.appUrl}/`)).body).authenticated, false);
    });

    test('after a refresh a failing hook keeps the claims and the new tokens, and is logged; session_expired ends the session', async () => {
      const flaky = bed.browser();
      await loginThroughProvider(flaky, `${bed.appUrl}/profile`, 'flaky');
      const first = JSON.parse((await flaky.request(`${bed.appUrl}/api/token`)).body) as { accessToken: string };
      const refreshed = await flaky.request(`${bed.appUrl}/api/token?force=1`);
      assert.equal(refreshed.status, 200, refreshed.body);
      const second = JSON.parse(refreshed.body) as { accessToken: string };
      assert.notEqual(second.accessToken, first.accessToken, 'the new tokens are kept');
      const profile = JSON.parse((await flaky.request(`${bed.appUrl}/profile`)).body) as Profile;
      assert.deepEqual(profile.claims['roles'], ['reader'], 'the claims from before');
      assert.equal(profile.claims['refreshed'], false);
      assert.ok(bed.warnings.some((w) => w.message.includes('onSession failed after a refresh')), JSON.stringify(bed.warnings));
      assert.ok(!JSON.stringify(bed.warnings).includes(second.accessToken), 'no token in the log');

      const revoked = bed.browser();
      await loginThroughProvider(revoked, `${bed.appUrl}/profile`, 'revoked');
      const ended = await revoked.request(`${bed.appUrl}/api/strict`);
      assert.equal(ended.status, 200);
      const answer = await revoked.request(`${bed.appUrl}/api/token?force=1`, { headers: { accept: 'application/json' } });
      assert.equal(answer.status, 401, answer.body);
      assert.equal(JSON.parse((await revoked.request(`${bed.appUrl}/`)).body).authenticated, false, 'the session ended');
    });
  });
}

describe('onSession in test mode and at start-up', () => {
  test('test mode runs it for /login and createTestSession, as a real login would', async () => {
    const bed = await startTestbed({ adapter: 'node-http', oidc: { testMode: { user: { sub: 'tester', groups: ['g'] } }, onSession: ({ claims }) => ({ ...claims, roles: ['tester'] }) } });
    try {
      const browser = bed.browser();
      const login = await browser.navigate(`${bed.appUrl}/login?returnTo=/profile`);
      const profile = JSON.parse(login.response.body) as Profile;
      assert.deepEqual(profile.claims['roles'], ['tester']);
      const cookie = await bed.oidc.createTestSession({ sub: 'other' });
      const other = await fetch(`${bed.appUrl}/profile`, { headers: { cookie } });
      assert.deepEqual(((await other.json()) as Profile).claims['roles'], ['tester']);
    } finally {
      await bed.close();
    }
  });

  test('an onSession that is not a function fails at start-up naming the option', () => {
    const options = { baseUrl: 'http://localhost:3000', secret: 's'.repeat(32), issuer: 'http://127.0.0.1:1', clientId: 'app', clientSecret: 'x', onSession: 'roles' as never };
    assert.throws(() => new OpenIDConnect(options), /invalid option `onSession`: must be a function/);
  });
});
