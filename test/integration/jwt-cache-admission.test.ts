/**
 * Issue 25, item 2 (audit gap G8): the verified-JWT cache keeps only tokens the route takes. Valid
 * tokens the provider issued for other APIs are verified and refused (aud) every time, and never
 * take a cache entry from the tokens this API serves. On every adapter.
 */
import { after, describe, mock, test } from 'node:test';
import { assertAccepted, assertBearerError, type BearerApp, startBearerApp } from '../support/bearer-app.ts';
import { ADAPTERS } from '../support/test-app.ts';

for (const adapter of ADAPTERS) {
  describe(`the JWT cache keeps what the route takes (${adapter})`, () => {
    const apps: BearerApp[] = [];
    after(async () => {
      for (const app of apps) await app.close();
    });

    test('40 tokens for another API, each sent twice, do not push a reused token out of a small cache (cacheMaxEntries 16)', async () => {
      const app = await startBearerApp({ adapter, resourceServer: { cacheMaxEntries: 16 } });
      apps.push(app);
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      try {
        const reused = await app.lab.mint({ jti: 'reused' });
        assertAccepted(await app.bearer(reused));
        assertAccepted(await app.bearer(reused)); // its second use: cached
        for (let i = 0; i < 40; i += 1) {
          const elsewhere = await app.lab.mint({ jti: `other-api-${i}`, aud: 'https://other-api.example' });
          // Twice: a second sighting is what the admission filter lets into the cache.
          for (let twice = 0; twice < 2; twice += 1) assertBearerError(await app.bearer(elsewhere), { status: 401, error: 'invalid_token', reason: 'aud' });
        }
        // Withdraw the key `reused` is signed with: only a cached verdict can still accept it.
        mock.timers.tick(31_000); // past the key set's refetch cooldown
        await app.lab.rotateKeys();
        assertAccepted(await app.bearer(await app.lab.mint({ jti: 'signed-with-the-new-key' })));
        assertAccepted(await app.bearer(reused));
      } finally {
        mock.timers.reset();
      }
    });
  });
}
