/**
 * The ID token rules oidc-kit applies at login and at every refresh alike (issue 24): at_hash and
 * c_hash whenever present (OIDC Core §3.1.3.8, §3.3.2.11), explicit typing (RFC 8725 §3.11-3.12),
 * trusted audiences (§3.1.3.7 steps 3-4), a refreshed token's iat (§12.2), and the structural rules
 * of every JWT (duplicate members, implausible dates) — over real HTTP through the hostile
 * provider, on every adapter the package ships. A refused login makes no UserInfo call and leaves
 * no session; a refused refresh ends the session (session_expired, reason id_token:<rule>).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertRefused, attempt, startHostileBed, type HostileBed } from '../support/hostile-bed.ts';
import { PACKAGE_ADAPTERS } from '../support/test-app.ts';

/** The left half of the SHA-256 of `value`, base64url: at_hash / c_hash for an RS256 token. */
function halfHash(value: string): string {
  const digest = createHash('sha256').update(value).digest();
  return digest.subarray(0, 16).toString('base64url');
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

for (const adapter of PACKAGE_ADAPTERS) {
  describe(`ID token rules at login and refresh (${adapter})`, () => {
    let bed: HostileBed;
    before(async () => {
      bed = await startHostileBed({ adapter });
    });
    after(async () => {
      await bed?.close();
    });

    /** The provider honest again, its request log cleared. */
    function honest(): void {
      bed.op.idToken = undefined;
      bed.op.signIdToken = undefined;
      bed.op.tokenResponse = undefined;
      bed.op.clear();
      bed.reconfigure(undefined);
    }

    test('EXT-07: an at_hash that matches the access token is accepted; one that does not is refused (id_token_invalid:at_hash)', async () => {
      honest();
      // The provider computes at_hash over the access token it is about to send.
      bed.op.tokenResponse = async (body) => ({ ...body, id_token: await bed.op.sign({ ...decodePayload(body['id_token'] as string), at_hash: halfHash(body['access_token'] as string) }) });
      const good = await attempt(bed);
      assert.equal(good.status, 200, `${good.error ?? ''} ${good.reason ?? ''}`);
      honest();
      bed.op.tokenResponse = async (body) => ({ ...body, id_token: await bed.op.sign({ ...decodePayload(body['id_token'] as string), at_hash: halfHash(`${body['access_token'] as string}x`) }) });
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'at_hash');
    });

    test('EXT-07: a c_hash that does not match the code is refused (id_token_invalid:c_hash); one that matches is accepted', async () => {
      honest();
      bed.op.tokenResponse = async (body, context) => ({ ...body, id_token: await bed.op.sign({ ...decodePayload(body['id_token'] as string), c_hash: halfHash(context.request.form.get('code') ?? '') }) });
      const good = await attempt(bed);
      assert.equal(good.status, 200, `${good.error ?? ''} ${good.reason ?? ''}`);
      honest();
      bed.op.idToken = (claims) => ({ ...claims, c_hash: halfHash('another code') });
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'c_hash');
    });

    test('TR-08: an ID token typed as another kind of JWT (at+jwt, logout+jwt) or carrying events is refused; typ JWT is accepted', async () => {
      honest();
      bed.op.signIdToken = (claims) => bed.op.sign(claims, { header: { typ: 'JWT' } });
      assert.equal((await attempt(bed)).status, 200);
      for (const typ of ['at+jwt', 'application/logout+jwt', 'token-introspection+jwt']) {
        honest();
        bed.op.signIdToken = (claims) => bed.op.sign(claims, { header: { typ } });
        await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'typ');
      }
      honest();
      bed.op.idToken = (claims) => ({ ...claims, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'token_type');
    });

    test('TR-03, TR-06, TR-07, TR-09: hostile JSON in a validly signed ID token is refused before any key is fetched: a duplicate sub, an exp of 1e300, an empty sid', async () => {
      const cases: Array<[string, (claims: Record<string, unknown>) => string, string]> = [
        ['duplicate sub', (claims) => JSON.stringify({ ...claims, sub: 'admin' }).replace(/^\{/, `{"sub":${JSON.stringify(claims['sub'])},`), 'duplicate_member'],
        ['exp 1e300', (claims) => JSON.stringify({ ...claims, exp: 1e300 }), 'exp'],
        ['empty sid', (claims) => JSON.stringify({ ...claims, sid: '' }), 'sid'],
      ];
      for (const [what, payload, reason] of cases) {
        honest();
        bed.op.signIdToken = (claims) => bed.op.signRaw(payload(claims));
        const result = await attempt(bed);
        await assertRefused(bed, result, 'id_token_invalid', reason);
        assert.equal(bed.op.count('/jwks'), 0, `${what}: refused before the keys were fetched`);
      }
    });

    test('TR-03: a plain JSON UserInfo answer is held to the same JSON rules: a duplicate sub with the hostile value first is refused (502 userinfo_duplicate_member), no session', async () => {
      honest();
      bed.op.userinfo = (claims) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: `{"sub":"admin",${JSON.stringify(claims).slice(1)}` });
      try {
        const result = await attempt(bed);
        assert.equal(result.status, 502, `${result.error ?? ''} ${result.reason ?? ''}`);
        assert.equal(result.error, 'provider_error');
        assert.equal(result.reason, 'userinfo_duplicate_member');
        const home = await result.browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
        assert.equal((JSON.parse(home.body) as { authenticated: boolean }).authenticated, false);
      } finally {
        bed.op.userinfo = undefined;
      }
    });

    test('TR-11: trustedAudiences: an extra audience is refused by default and accepted when trusted, with azp naming the client', async () => {
      honest();
      const extra = 'https://api.example.com';
      bed.op.idToken = (claims) => ({ ...claims, aud: [bed.op.client.clientId, extra], azp: bed.op.client.clientId });
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'aud');
      bed.reconfigure({ trustedAudiences: [extra] });
      assert.equal((await attempt(bed)).status, 200, 'trusted');
      // Several audiences without azp (step 4): openid-client refuses it first, as an audience problem.
      bed.op.idToken = (claims) => ({ ...claims, aud: [bed.op.client.clientId, extra] });
      bed.op.clear();
      const noAzp = await attempt(bed);
      await assertRefused(bed, noAzp, 'id_token_invalid');
      assert.ok(['aud', 'azp'].includes(noAzp.reason ?? ''), noAzp.reason);
      bed.op.idToken = (claims) => ({ ...claims, aud: [bed.op.client.clientId, 'https://other.example'], azp: bed.op.client.clientId });
      bed.op.clear();
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'aud');
    });

    test('TR-10: a refreshed ID token gets the login rules: an old iat, a wrong at_hash, or a typ of another kind ends the session', async () => {
      const cases: Array<[string, () => void, string]> = [
        ['an iat 20 minutes old', () => { bed.op.idToken = (claims, _grant, context) => (context.grantType === 'refresh_token' ? { ...claims, iat: nowSeconds() - 1200 } : claims); }, 'id_token:iat'],
        ['a wrong at_hash', () => { bed.op.idToken = (claims, _grant, context) => (context.grantType === 'refresh_token' ? { ...claims, at_hash: halfHash('not the access token') } : claims); }, 'id_token:at_hash'],
        ['typ at+jwt', () => { bed.op.signIdToken = (claims) => bed.op.sign(claims, { header: { typ: claims['nonce'] === undefined ? 'at+jwt' : 'JWT' } }); }, 'id_token:typ'],
        ['an exp of 1e300', () => { bed.op.signIdToken = (claims) => (claims['nonce'] === undefined ? bed.op.signRaw(JSON.stringify({ ...claims, exp: 1e300 })) : bed.op.sign(claims)); }, 'id_token:exp'],
      ];
      for (const [what, arrange, reason] of cases) {
        honest();
        arrange();
        const login = await attempt(bed);
        assert.equal(login.status, 200, `${what}: the login itself passes (${login.error ?? ''} ${login.reason ?? ''})`);
        const refreshed = await login.browser.request(`${bed.appUrl}/api/token?force=1`, { headers: { accept: 'application/json' } });
        assert.equal(refreshed.status, 401, `${what}: ${refreshed.body}`);
        const body = JSON.parse(refreshed.body) as { error: string; reason: string };
        assert.equal(body.error, 'session_expired', what);
        assert.equal(body.reason, reason, what);
        const home = await login.browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
        assert.equal((JSON.parse(home.body) as { authenticated: boolean }).authenticated, false, `${what}: the session ended`);
      }
    });
  });
}

function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
