// The attack matrix's harness for ID tokens at refresh (token type `id_token_refresh`): a real login
// through the hostile provider, then a forced refresh whose token response carries the hostile token
// as `id_token`. oidc-kit must apply the login's rules (OIDC Core §12.2): the hostile token never
// becomes the session's ID token, the refresh is not answered 200, and a token refused by the
// structural rules costs no call to the provider after the token request.
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { attempt, startHostileBed, type HostileBed } from '../support/hostile-bed.ts';
import type { AdapterName } from '../support/test-app.ts';
import type { TestBrowser } from '../support/browser.ts';
import { type Harness, type Recorder, type Target, variantsPerLogin } from './attack-harness.ts';
import { type AttackKey, type AttackToken, createAttackContext, type JwtAttack, type KeySet } from './jwt-attacks.ts';

/** What one login left: its browser, and the claims of its ID token that a refreshed one must keep. */
interface LoggedIn {
  browser: TestBrowser;
  idToken: string;
  claims: Record<string, unknown>;
}

/**
 * The `id_token_refresh` harness on one adapter.
 *
 * @example
 * ```ts
 * const harness = idTokenRefreshHarness('express5');
 * await harness.setUp(attacker);
 * ```
 */
export function idTokenRefreshHarness(adapter: AdapterName): Harness {
  let bed: HostileBed;
  let attacker: Recorder;
  /** The claims the context's valid tokens copy: the current login's. */
  let current: Record<string, unknown> = {};

  async function logIn(): Promise<LoggedIn> {
    const result = await attempt(bed);
    assert.equal(result.status, 200, `the honest login failed: ${result.error ?? ''} ${result.reason ?? ''}`);
    const idToken = await sessionIdToken(result.browser);
    assert.ok(idToken !== undefined, 'the login left an ID token');
    return { browser: result.browser, idToken, claims: decodeJwt(idToken) };
  }

  async function sessionIdToken(browser: TestBrowser): Promise<string | undefined> {
    const tokens = await browser.request(`${bed.appUrl}/tokens`, { headers: { accept: 'application/json' } });
    return tokens.status === 200 ? (JSON.parse(tokens.body) as { idToken: string }).idToken : undefined;
  }

  /** Forces a refresh whose token response carries `token` as its ID token; the JWKS served is `jwks` when given (on a fresh instance). */
  async function refreshWith(login: LoggedIn, token: string, jwks: KeySet | undefined): Promise<{ status: number; body: string; after: string[] }> {
    const op = bed.op;
    const home = op.keys;
    if (jwks !== undefined) {
      op.keys = [];
      op.extraJwks = [...jwks.keys];
      bed.reconfigure(undefined);
    }
    // The login is done: every ID token the provider now issues (the refresh's) is the variant.
    op.signIdToken = () => token;
    const before = op.requests.length;
    try {
      const answer = await login.browser.request(`${bed.appUrl}/api/token?force=1`, { headers: { accept: 'application/json' } });
      const calls = op.requests.slice(before);
      const after = calls.slice(calls.findIndex((c) => c.path === '/token') + 1).map((c) => `${c.method} ${c.path}`);
      return { status: answer.status, body: answer.body, after };
    } finally {
      op.signIdToken = undefined;
      if (jwks !== undefined) {
        op.keys = home;
        op.extraJwks = [];
        bed.reconfigure(undefined);
      }
    }
  }

  return {
    async setUp(theAttacker) {
      attacker = theAttacker;
      bed = await startHostileBed({ adapter });
    },
    async tearDown() {
      await bed.close();
    },
    reset() {
      bed.op.tokenResponse = undefined;
      bed.op.idToken = undefined;
      bed.op.signIdToken = undefined;
    },
    targets(attack: JwtAttack): Promise<readonly Target[]> {
      // Until the first login, a login's shape (the hostile provider's ID token claims), so that every build of the attack makes as many variants.
      current = { iss: bed.op.issuer, sub: bed.op.subject, aud: bed.op.client.clientId, auth_time: Math.floor(Date.now() / 1000) - 5, sid: 'no-login-yet' };
      const keys: AttackKey[] = bed.op.keys.map((k) => ({ kid: k.kid, alg: k.alg, privateKey: k.privateKey, publicJwk: k.publicJwk }));
      const provider = [...bed.oidc.config.providers.values()][0]!;
      const ctx = createAttackContext({
        tokenType: 'id_token_refresh',
        issuer: bed.op.issuer,
        clientId: bed.op.client.clientId,
        clientSecret: bed.op.client.clientSecret,
        audience: 'https://api.example',
        subject: { sub: bed.op.subject },
        alg: provider.idTokenSigningAlg,
        allowedAlgs: [provider.idTokenSigningAlg],
        signingKey: keys.find((k) => k.alg === provider.idTokenSigningAlg)!,
        publishedKeys: keys,
        jwks: { keys: keys.map((k) => k.publicJwk) },
        clockTolerance: provider.clockTolerance,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
        attackerUrl: attacker.url,
        // The login's ID token, issued again now (OIDC Core §12.2): same iss, sub, aud, auth_time, sid; no nonce.
        claims: () => {
          const now = Math.floor(Date.now() / 1000);
          const kept = { ...current };
          delete kept['nonce'];
          return { ...kept, iat: now, exp: now + 300 };
        },
      });
      // Each variant needs its own login (a refused refresh ends the session): the attack is built
      // again from that login's claims.
      const next = variantsPerLogin(attack, ctx);
      function rebuilt(login: LoggedIn): Promise<AttackToken> {
        current = login.claims;
        return next();
      }
      return Promise.resolve([{
        name: 'id_token_refresh',
        ctx,
        async expectRefused(variant) {
          if (variant.presentTwice === true) throw new Error('a refreshed ID token is fetched by the RP itself; no replay variant applies');
          const login = await logIn();
          const { token } = await rebuilt(login);
          const attackerBefore = attacker.requests.length;
          const answer = await refreshWith(login, token, variant.jwks);
          const problems: string[] = [];
          if (answer.status === 200) problems.push(`the refresh succeeded: ${answer.body.slice(0, 200)}`);
          if (answer.status === 401 && !/"reason":"id_token:/.test(answer.body)) problems.push(`401 without an id_token reason: ${answer.body.slice(0, 200)}`);
          if (answer.status >= 500 && answer.status !== 502 && answer.status !== 503) problems.push(`answered ${answer.status}: ${answer.body.slice(0, 200)}`);
          const kept = await sessionIdToken(login.browser);
          if (kept === token) problems.push('the hostile ID token became the session\'s');
          if (variant.preflight === true && answer.after.length > 0) problems.push(`refused by the structural rules, yet the provider was asked: ${answer.after.join(', ')}`);
          const lured = attacker.requests.slice(attackerBefore).map((r) => `${r.method} ${r.path}`);
          if (lured.length > 0) problems.push(`the attacker's server was contacted: ${lured.join(', ')}`);
          if (problems.length > 0) assert.fail(problems.join('; '));
        },
        async expectAccepted(variant) {
          const login = await logIn();
          const { token } = await rebuilt(login);
          const answer = await refreshWith(login, token, variant.jwks);
          assert.equal(answer.status, 200, `the refresh with a valid ID token failed: ${answer.body.slice(0, 300)}`);
          assert.equal(await sessionIdToken(login.browser), token, 'the session keeps the refreshed ID token');
        },
        finish() {
          // Key-set reloads are bounded by the login harness (the same verifier); nothing to add here.
        },
      }]);
    },
  };
}
