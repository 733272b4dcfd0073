/**
 * DPoP for APIs against the hostile provider (issue 28): the provider's part of a DPoP request at
 * a resource server is the token and its introspection answer, so the hostile provider serves
 * bindings that must not be trusted — an introspection answer bound to another key, one that says
 * `token_type: DPoP` but binds to nothing, a `cnf` that is not an object, a `jkt` that is not a
 * thumbprint, and JWT access tokens it signs with another key's `cnf.jkt` or bound by mTLS only.
 * Each is refused with its status, code and reason, on every adapter, and no request is ever let
 * through to the route (a counter in the handler). A correctly bound token is accepted first, so
 * that each refusal is the binding's and not the bed's.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { call, type DpopAnswer, assertDpopRefusal, dpopKey, type DpopKey, makeProof } from '../support/dpop-bed.ts';
import { startHostileBed, type HostileBed } from '../support/hostile-bed.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';

const AUDIENCE = 'https://api.example.test/';
const now = (): number => Math.floor(Date.now() / 1000);

for (const adapter of ADAPTERS) {
  describe(`DPoP for APIs, hostile provider (${adapter})`, () => {
    let bed: HostileBed;
    let key: DpopKey;
    let other: DpopKey;
    /** Requests the route's handler ran for: a refusal must leave it unchanged. */
    let accepted = 0;
    /** Introspection answers by token, served by the hostile provider. */
    const answers = new Map<string, Record<string, unknown>>();

    before(async () => {
      const routes = [get('/api', [['acceptToken', { dpop: 'allowed' }]], ({ oidc }) => {
        accepted += 1;
        return { json: { sub: oidc.token?.sub ?? null } };
      })];
      bed = await startHostileBed({ adapter, oidc: { resourceServer: { audience: AUDIENCE, dpop: 'allowed' } }, appRoutes: routes });
      bed.op.introspect = (form) => ({ body: answers.get(form.get('token') ?? '') ?? { active: false } });
      key = await dpopKey();
      other = await dpopKey();
    });
    after(async () => {
      await bed.close();
    });

    /** An opaque token whose introspection answer is the provider's active answer with `binding` over it. */
    const opaque = (binding: Record<string, unknown>): string => {
      const token = randomBytes(24).toString('base64url');
      answers.set(token, { active: true, iss: bed.op.issuer, sub: 'user-1', aud: AUDIENCE, client_id: 'client-1', scope: 'read', iat: now(), exp: now() + 300, ...binding });
      return token;
    };
    /** A JWT access token for this API, signed by the provider's published key, with `binding` over its claims. */
    const jwt = (binding: Record<string, unknown>): Promise<string> => bed.op.sign(
      { iss: bed.op.issuer, sub: 'user-1', aud: AUDIENCE, client_id: 'client-1', scope: 'read', iat: now(), exp: now() + 300, jti: randomUUID(), ...binding },
      { header: { typ: 'at+jwt' } },
    );
    const asDpop = async (token: string, proofKey = key): Promise<DpopAnswer> =>
      call(`${bed.appUrl}/api`, { authorization: `DPoP ${token}`, dpop: await makeProof(proofKey, 'GET', `${bed.appUrl}/api`, token) });
    const asBearer = (token: string): Promise<DpopAnswer> => call(`${bed.appUrl}/api`, { authorization: `Bearer ${token}` });
    /** A 401 invalid_token with `reason`, a challenge of `scheme` carrying the error, and no request let through. */
    const assertTokenRefusal = (answer: DpopAnswer, reason: string, scheme: 'Bearer' | 'DPoP', seen: number): void => {
      assert.equal(answer.status, 401, JSON.stringify(answer.json));
      assert.equal(answer.json?.['error'], 'invalid_token');
      assert.equal(answer.json?.['reason'], reason);
      assert.match(answer.challenge ?? '', new RegExp(`${scheme} realm="api", error="invalid_token"`), answer.challenge);
      assert.equal(accepted, seen, 'the route never ran');
    };

    test('DPA-01: control: a token bound to the proof\'s key, introspected or a JWT, is accepted with its proof', async () => {
      for (const token of [opaque({ token_type: 'DPoP', cnf: { jkt: key.jkt } }), await jwt({ cnf: { jkt: key.jkt } })]) {
        const seen = accepted;
        const ok = await asDpop(token);
        assert.equal(ok.status, 200, JSON.stringify(ok.json));
        assert.equal(accepted, seen + 1);
      }
    });

    test('INT-12, DP-10: an introspection answer (active, token_type DPoP) bound to another key\'s cnf.jkt: 401 invalid_token (jkt, Invalid DPoP key binding), never accepted', async () => {
      const seen = accepted;
      const token = opaque({ token_type: 'DPoP', cnf: { jkt: other.jkt } });
      assertDpopRefusal(await asDpop(token), 'invalid_token', 'jkt');
      // The other key's own proof does pass the binding, so the refusal above is the binding's.
      assert.equal((await asDpop(token, other)).status, 200);
      assertTokenRefusal(await asBearer(opaque({ token_type: 'DPoP', cnf: { jkt: other.jkt } })), 'bound_token', 'Bearer', seen + 1);
    });

    test('INT-12, DPA-07: an introspection answer with token_type DPoP and no cnf: as DPoP 401 invalid_token (not_dpop_bound), as Bearer 401 invalid_token (bound_token)', async () => {
      const seen = accepted;
      assertTokenRefusal(await asDpop(opaque({ token_type: 'DPoP' })), 'not_dpop_bound', 'DPoP', seen);
      assertTokenRefusal(await asBearer(opaque({ token_type: 'DPoP' })), 'bound_token', 'Bearer', seen);
    });

    test('DPA-07: an introspection answer whose cnf is not an object (a string, the thumbprint itself, an array, a number, null): 401 invalid_token (not_dpop_bound as DPoP, bound_token as Bearer), never a 500', async () => {
      const seen = accepted;
      for (const cnf of ['jkt', key.jkt, [key.jkt], { 0: key.jkt }, 42, null]) {
        const label = JSON.stringify(cnf);
        const dpop = await asDpop(opaque({ token_type: 'DPoP', cnf }));
        assert.equal(dpop.json?.['reason'], 'not_dpop_bound', label);
        assertTokenRefusal(dpop, 'not_dpop_bound', 'DPoP', seen);
        assertTokenRefusal(await asBearer(opaque({ token_type: 'DPoP', cnf })), 'bound_token', 'Bearer', seen);
      }
    });

    test('DPA-05: a cnf.jkt that is not the proof key\'s 43-character base64url thumbprint (padded, spaced, upper-cased, truncated, hex, in an array, a number) is refused: 401, never accepted, never a 500', async () => {
      const seen = accepted;
      const hex = Buffer.from(key.jkt, 'base64url').toString('hex');
      // A string that is not the thumbprint fails the comparison (invalid_token, jkt); a jkt that
      // is no string binds to no DPoP key (invalid_token, not_dpop_bound). Loose comparisons (== with
      // an array, trimming, case folding, padding) would let some of these through.
      const strings = [`${key.jkt}=`, ` ${key.jkt}`, key.jkt.toUpperCase(), key.jkt.slice(0, 42), hex, ''];
      for (const jkt of strings) assertDpopRefusal(await asDpop(opaque({ token_type: 'DPoP', cnf: { jkt } })), 'invalid_token', 'jkt');
      for (const jkt of [[key.jkt], 42, { value: key.jkt }, null]) {
        assertTokenRefusal(await asDpop(opaque({ token_type: 'DPoP', cnf: { jkt } })), 'not_dpop_bound', 'DPoP', seen);
      }
      assert.equal(accepted, seen, 'the route never ran');
    });

    test('DP-10, DPA-05: a JWT access token signed by the provider with another key\'s cnf.jkt: as DPoP 401 invalid_token (jkt, Invalid DPoP key binding), as Bearer 401 invalid_token (bound_token)', async () => {
      const seen = accepted;
      const token = await jwt({ cnf: { jkt: other.jkt } });
      assertDpopRefusal(await asDpop(token), 'invalid_token', 'jkt');
      assertTokenRefusal(await asBearer(token), 'bound_token', 'Bearer', seen);
      // The same token with the other key's proof passes: the signature, issuer and audience are fine.
      assert.equal((await asDpop(token, other)).status, 200);
    });

    test('DPA-07: a JWT access token bound by mTLS only (cnf x5t#S256): as DPoP 401 invalid_token (not_dpop_bound), as Bearer 401 invalid_token (bound_token)', async () => {
      const seen = accepted;
      const token = await jwt({ cnf: { 'x5t#S256': randomBytes(32).toString('base64url') } });
      assertTokenRefusal(await asDpop(token), 'not_dpop_bound', 'DPoP', seen);
      assertTokenRefusal(await asBearer(token), 'bound_token', 'Bearer', seen);
    });
  });
}
