/**
 * Issue 25, item 3: introspection is not a free relay. Outsiders choose the tokens, so the calls to
 * the provider are bounded (a concurrency limit, 503 with Retry-After past it), refusals are cached
 * apart from active answers (made-up tokens cannot push good ones out), and tokens that are JOSE
 * objects this API cannot read are refused without a call. On every adapter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertAccepted, assertBearerError, AUDIENCE, type BearerApp, nowSeconds, opaqueToken, startBearerApp } from '../support/bearer-app.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { startTokenLab, type TokenLab } from '../support/token-lab.ts';

const INTROSPECT = '/introspect';

/** base64url of a JSON value: a JOSE header. */
const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

for (const adapter of ADAPTERS) {
  describe(`introspection limits (${adapter})`, () => {
    let lab: TokenLab;
    /** Calls at the lab's introspection endpoint in flight now, and the most seen at once. */
    let inFlight = 0;
    let mostInFlight = 0;
    const apps: BearerApp[] = [];

    before(async () => {
      lab = await startTokenLab();
      // Every introspection takes 100 ms, so that a burst piles up.
      lab.introspect = async (form) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        try {
          await sleep(100);
        } finally {
          inFlight--;
        }
        const known = lab.introspections.get(form.get('token') ?? '');
        return { body: known ?? { active: false } };
      };
    });
    after(async () => {
      for (const app of apps) await app.close();
      await lab.close();
    });

    async function api(introspection: Record<string, unknown>, cacheMaxEntries?: number): Promise<BearerApp> {
      const app = await startBearerApp({ adapter, lab, resourceServer: { introspection, ...(cacheMaxEntries === undefined ? {} : { cacheMaxEntries }) } });
      apps.push(app);
      return app;
    }
    const callsFor = (token: string): number => lab.requests.filter((r) => r.path === INTROSPECT && new URLSearchParams(r.body).get('token') === token).length;

    test('a burst of distinct made-up tokens: at most maxConcurrent calls at once, the rest wait or get 503 introspection_busy with Retry-After; never a relay of every token', async () => {
      const app = await api({ maxConcurrent: 2 });
      mostInFlight = 0;
      const before = lab.count(INTROSPECT);
      const tokens = Array.from({ length: 40 }, () => opaqueToken());
      const answers = await Promise.all(tokens.map((token) => app.bearer(token)));
      assert.ok(mostInFlight <= 2, `at most 2 calls in flight at once, saw ${mostInFlight}`);
      const busy = answers.filter((a) => a.status === 503);
      const inactive = answers.filter((a) => a.status === 401);
      assert.equal(busy.length + inactive.length, tokens.length, answers.map((a) => a.status).join(','));
      assert.ok(busy.length > 0, 'over the limit and its short queue, requests are refused at once');
      for (const answer of busy) {
        assert.equal(answer.json?.['reason'], 'introspection_busy');
        assert.equal(answer.headers.get('retry-after'), '1');
        assert.equal(answer.challenge, null, 'a busy answer is no verdict on the token');
      }
      for (const answer of inactive) assert.equal(answer.json?.['reason'], 'inactive');
      assert.equal(lab.count(INTROSPECT) - before, inactive.length, 'only the tokens that got a verdict reached the provider');
      assert.equal(app.warnings.filter((w) => /introspection is at its limit/.test(w)).length, 1, 'the limit is logged once, not per request');
    });

    test('refusals are cached apart: a flood of made-up tokens does not push a good token\'s answer out', async () => {
      const app = await api({ maxConcurrent: 64 }, 16);
      const good = opaqueToken();
      lab.introspections.set(good, { active: true, iss: lab.issuer, sub: 'user-1', aud: AUDIENCE, scope: 'read', exp: nowSeconds() + 300 });
      assertAccepted(await app.bearer(good));
      for (let round = 0; round < 4; round++) {
        await Promise.all(Array.from({ length: 16 }, () => app.bearer(opaqueToken())));
      }
      assertAccepted(await app.bearer(good));
      assert.equal(callsFor(good), 1, 'still cached after 64 refused tokens with room for 16 entries');
    });

    test('an active answer over 16 KiB is used but not cached (the cache is bounded in bytes); a small one is cached', async () => {
      const app = await api({});
      const claims = (extra: Record<string, unknown>): Record<string, unknown> => ({ active: true, iss: lab.issuer, sub: 'user-1', aud: AUDIENCE, scope: 'read', exp: nowSeconds() + 300, ...extra });
      const big = opaqueToken();
      const small = opaqueToken();
      lab.introspections.set(big, claims({ profile: 'x'.repeat(20 * 1024) }));
      lab.introspections.set(small, claims({ profile: 'x'.repeat(1024) }));
      for (let i = 0; i < 3; i++) {
        assertAccepted(await app.bearer(big));
        assertAccepted(await app.bearer(small));
      }
      assert.equal(callsFor(big), 3, 'asked every time');
      assert.equal(callsFor(small), 1, 'cached');
    });

    test('JOSE objects that are no JWS (a JWE, a JSON header with four parts) → 401 without a call; dotted opaque tokens are still introspected', async () => {
      const app = await api({});
      const before = lab.count(INTROSPECT);
      const jwe = [part({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }), 'a', 'b', 'c', 'd'].join('.');
      assertBearerError(await app.bearer(jwe), { status: 401, error: 'invalid_token', reason: 'jwe' });
      assertBearerError(await app.bearer([part({ alg: 'RS256' }), 'a', 'b', 'c'].join('.')), { status: 401, error: 'invalid_token', reason: 'malformed' });
      assertBearerError(await app.bearer([part({ alg: 'none' }), 'a'].join('.')), { status: 401, error: 'invalid_token', reason: 'malformed' });
      assert.equal(lab.count(INTROSPECT) - before, 0, 'nothing relayed');
      const dotted = 'ya29.opaque-part.with.dots';
      assertBearerError(await app.bearer(dotted), { status: 401, error: 'invalid_token', reason: 'inactive' });
      assert.equal(callsFor(dotted), 1, 'an opaque token with dots is the provider\'s to judge');
    });
  });
}
