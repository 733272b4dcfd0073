/**
 * What oidc-kit makes of an introspection answer it did not ask for, or that breaks the JSON rules
 * every token's claims obey (issue 24): a signed JWT answer (RFC 9701) is refused, not trusted
 * unverified; duplicate members, numbers beyond a double and deep nesting are the provider's fault
 * (502 provider_error, reason introspection_<rule>), never a 500 or an accepted token; implausible
 * claim values make the token inactive (401). (A byte-order mark in an HTTP answer is removed by
 * fetch's UTF-8 decoding, for oidc-kit and openid-client alike, as RFC 8259 §8.1 allows; inside a
 * JWT's segments it is refused.) Over real HTTP, on every adapter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertAccepted, assertBearerError, assertProviderFailure, AUDIENCE, type BearerApp, nowSeconds, opaqueToken, startBearerApp } from '../support/bearer-app.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { startTokenLab, type TokenLab } from '../support/token-lab.ts';

/** An active answer, as JSON text, with `extra` raw members appended (duplicates, huge numbers). */
function answerText(lab: TokenLab, extra = ''): string {
  const now = nowSeconds();
  const base = JSON.stringify({ active: true, iss: lab.issuer, sub: 'user-1', aud: AUDIENCE, client_id: 'client-1', scope: 'read', exp: now + 300, iat: now });
  return extra === '' ? base : `${base.slice(0, -1)},${extra}}`;
}

for (const adapter of ADAPTERS) {
  describe(`introspection answers held to the JSON rules (${adapter})`, () => {
    let lab: TokenLab;
    let api: BearerApp;
    before(async () => {
      lab = await startTokenLab();
      api = await startBearerApp({ adapter, lab, resourceServer: { introspection: { inactiveCacheTtl: 0 } } });
    });
    after(async () => {
      await api?.close();
      await lab?.close();
    });

    test('a plain answer passes (the harness is sound)', async () => {
      lab.introspect = () => ({ body: answerText(lab) });
      assertAccepted(await api.bearer(opaqueToken()));
      lab.introspect = undefined;
    });

    test('TR-14: an answer that comes as a signed JWT (not asked for, so not verified) is refused: 502 introspection_jwt, never accepted', async () => {
      const jwt = await lab.mint({ token_introspection: JSON.parse(answerText(lab)) as Record<string, unknown> }, { header: { typ: 'token-introspection+jwt' } });
      for (const type of ['application/token-introspection+jwt', 'application/jwt']) {
        lab.introspect = () => ({ headers: { 'content-type': type }, body: jwt });
        assertProviderFailure(await api.bearer(opaqueToken()), 502, 'introspection_jwt');
      }
      // A provider fault: said once ("is down"), not per request.
      const down = api.warnings.filter((w) => / is down: provider_error:introspection_jwt: The provider answered introspection with a JWT/.test(w));
      assert.equal(down.length, 1, api.warnings.join('\n'));
      lab.introspect = undefined;
    });

    test('TR-03, TR-04: JSON that breaks the rules is the provider\'s fault: duplicate members (a hostile first active or sub), 1e400, nesting 10 000 deep → 502 with the rule as reason', async () => {
      const cases: Array<[string, string]> = [
        [`{"active":false,${answerText(lab).slice(1)}`, 'introspection_duplicate_member'],
        [answerText(lab, '"sub":"admin"'), 'introspection_duplicate_member'],
        [answerText(lab, '"weight":1e400'), 'introspection_json_number'],
        [answerText(lab, `"deep":${'['.repeat(10_000)}${']'.repeat(10_000)}`), 'introspection_json_depth'],
      ];
      for (const [body, reason] of cases) {
        lab.introspect = () => ({ body });
        assertProviderFailure(await api.bearer(opaqueToken()), 502, reason);
      }
      lab.introspect = undefined;
    });

    test('TR-06, TR-07: implausible claim values make the token inactive (401 with the claim as reason): an exp of 1e300, an empty sub, an empty audience', async () => {
      const now = nowSeconds();
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ exp: 1e300 }, 'exp'],
        [{ iat: -5 }, 'iat'],
        [{ sub: '' }, 'sub'],
        [{ aud: [AUDIENCE, ''] }, 'aud'],
        [{ client_id: '' }, 'client_id'],
      ];
      for (const [over, reason] of cases) {
        lab.introspect = () => ({ body: { ...JSON.parse(answerText(lab)) as Record<string, unknown>, exp: now + 300, ...over } });
        assertBearerError(await api.bearer(opaqueToken()), { status: 401, error: 'invalid_token', reason });
      }
      lab.introspect = undefined;
    });
  });
}
