/**
 * Issue 25, item 2 (audit gap G4): the back-channel logout records kept in this process (cookie
 * sessions, no shared store) are bounded by `session.maxLogoutRecords`. Filling up is warned about
 * before logouts fail; a full store answers 503 `store_full` (the provider retries), and makes room
 * as soon as records expire, not a minute later. On every adapter.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { importJWK, SignJWT } from 'jose';
import { makeProviderKeys, type ProviderKeys } from '../support/provider-keys.ts';
import { ADAPTERS, startTestbed, type Testbed } from '../support/testbed.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A valid logout token of the bed's provider for a new provider session. */
async function logoutToken(bed: Testbed, keys: ProviderKeys): Promise<string> {
  const jwk = keys.jwks.keys.find((k) => k.alg === 'RS256')!;
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: bed.op.issuer, aud: 'demo-client', iat, exp: iat + 120, jti: randomUUID(), sid: randomUUID(), events: { [EVENT]: {} } })
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid!, typ: 'logout+jwt' })
    .sign(await importJWK(jwk, 'RS256'));
}

async function postToken(bed: Testbed, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${bed.appUrl}/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }).toString(),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown> };
}

for (const adapter of ADAPTERS) {
  describe(`back-channel logout records in this process are bounded (${adapter})`, () => {
    let keys: ProviderKeys;
    let bed: Testbed;
    before(async () => {
      keys = await makeProviderKeys();
      bed = await startTestbed({
        adapter,
        providerConfiguration: { jwks: keys.jwks },
        // Each logout keeps two records (its sid for absoluteDuration, its jti for the token's life).
        oidc: { routes: { backchannelLogout: '/backchannel-logout' }, session: { maxLogoutRecords: 4, absoluteDuration: 2 } },
      });
    });
    after(() => bed.close());

    test('warned at 80 %, 503 store_full past the limit with the option named, and room again once records expire', async () => {
      const capacity = (): string[] => bed.warnings.map((w) => w.message).filter((m) => m.includes('session.maxLogoutRecords'));
      assert.equal((await postToken(bed, await logoutToken(bed, keys))).status, 200);
      assert.deepEqual(capacity(), [], 'half full: nothing to say');
      assert.equal((await postToken(bed, await logoutToken(bed, keys))).status, 200);
      assert.equal(capacity().length, 1, 'full after this logout: warned before any logout fails');
      assert.match(capacity()[0]!, /4 of 4 \(session\.maxLogoutRecords\)/);
      assert.match(capacity()[0]!, /logouts per absoluteDuration plus logouts per 10 minutes/);

      const refused = await postToken(bed, await logoutToken(bed, keys));
      assert.equal(refused.status, 503);
      assert.equal(refused.body['error'], 'temporarily_unavailable');
      assert.equal(refused.body['reason'], 'store_full');

      // The sid records end with absoluteDuration (2 s); the store makes room at once, not at its next minute's sweep.
      await sleep(2100);
      assert.equal((await postToken(bed, await logoutToken(bed, keys))).status, 200);
    });
  });
}
