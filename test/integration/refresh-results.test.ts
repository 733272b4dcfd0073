/**
 * The refresher's memory of recent refresh results (TokenRefresher, against the real dev provider
 * over real HTTP, with refresh-token rotation on): a result answers the old refresh token for its
 * 60 s grace and is then forgotten — deleted when read, and swept by the next refresh at most once a
 * grace period, not only once 10 000 have piled up — and the results are kept under hashes, never
 * under refresh tokens.
 *
 * The refresher's clock is the test's (seconds), so the grace passes without waiting; the tokens are
 * the provider's own, so every refresh is a real refresh_token grant. Entries are counted through
 * `recentKeys()`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as client from 'openid-client';
import { devClient, startDevProvider } from '../../src/dev-provider/dev-provider.ts';
import { resolveOptions } from '../../src/config/resolve-options.ts';
import { OidcError } from '../../src/errors.ts';
import { ProviderClient } from '../../src/provider/provider-client.ts';
import type { SessionData } from '../../src/session/session-data.ts';
import { TokenRefresher } from '../../src/session/token-refresher.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { SECRET } from '../support/testbed.ts';

const APP = 'http://127.0.0.1:9';
const GRACE = 60;

test('refresh results: swept once their grace is over, deleted when read expired, keyed by hashes', async () => {
  const registration = devClient(`${APP}/callback`);
  const op = await startDevProvider({ clients: [registration], configuration: { rotateRefreshToken: true } });
  try {
    const config = resolveOptions({ baseUrl: APP, secret: SECRET, issuer: op.issuer, clientId: registration.client_id, clientSecret: String(registration.client_secret) });
    const provider = new ProviderClient(config.provider);
    let now = Math.floor(Date.now() / 1000);
    const refresher = new TokenRefresher(() => provider, () => now);
    const tokenRequests = () => op.requests.filter((r) => r.method === 'POST' && r.path === '/token').length;

    // A real login (the browser stops at the callback; the code is redeemed here).
    const configuration = await provider.configuration();
    const checks = { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: client.randomState(), expectedNonce: client.randomNonce() };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: `${APP}/callback`, scope: 'openid', state: checks.expectedState, nonce: checks.expectedNonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier), code_challenge_method: 'S256',
    });
    const { stoppedAt } = await loginThroughProvider(new TestBrowser(), url, 'alice', { stopWhen: (u) => u.pathname === '/callback' });
    assert.ok(stoppedAt);
    const tokens = await client.authorizationCodeGrant(configuration, stoppedAt, checks);
    const login: SessionData = { provider: 'default', idToken: tokens.id_token!, accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
    assert.ok(login.refreshToken);

    // Three refreshes in a row, each rotating the refresh token: three results remembered.
    const sessions = [login];
    for (let i = 0; i < 3; i++) sessions.push(await refresher.refresh(sessions.at(-1)!));
    const refreshTokens = sessions.map((s) => s.refreshToken!);
    assert.equal(new Set(refreshTokens).size, 4, 'the provider rotates refresh tokens');
    const keys = refresher.recentKeys();
    assert.equal(keys.length, 3);
    for (const key of keys) {
      assert.match(key, /^[\w-]{43}$/, 'a SHA-256, base64url');
      for (const token of refreshTokens) assert.ok(!key.includes(token), 'no refresh token is a key');
    }

    // Within the grace the old cookie still gets its result, without a token request (the hashed key matches).
    const before = tokenRequests();
    assert.equal((await refresher.refresh(sessions[0]!)).accessToken, sessions[1]!.accessToken);
    assert.equal(tokenRequests(), before);

    // Past the grace, the next refresh sweeps the three expired results: one remains, its own.
    now += GRACE + 1;
    sessions.push(await refresher.refresh(sessions.at(-1)!));
    assert.equal(refresher.recentKeys().length, 1, 'expired results are swept on a write, not kept until 10 000 pile up');

    // Past its grace too, that result is deleted when read: the old cookie's spent refresh token is
    // then sent (and refused: the session ends), and nothing is remembered.
    now += GRACE + 1;
    await assert.rejects(refresher.refresh(sessions.at(-2)!), (error: unknown) => error instanceof OidcError && error.code === 'session_expired');
    assert.equal(refresher.recentKeys().length, 0, 'an expired result is deleted when read');
  } finally {
    await op.close();
  }
});
