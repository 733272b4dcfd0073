/**
 * Issue 28, item 1: DPoP for logins (RFC 9449). With `dpop: true` each session gets its own key
 * pair; the code is bound to it (`dpop_jkt`), the code exchange, every refresh and UserInfo carry
 * proofs, `use_dpop_nonce` is answered once, and `req.oidc.fetch()` calls an API with the bound
 * token — against oidc-provider with DPoP and server nonces on, on every adapter. oidc-provider
 * itself is the verifier: it refuses a bound token without a matching proof.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, decodeProtectedHeader, decodeJwt, type JWK } from 'jose';
import type { Configuration } from 'oidc-provider';
import { loginThroughProvider } from '../support/browser.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';
import { type InstancePair, startInstancePair } from '../support/instance-pair.ts';
import { getJson } from '../support/app-process.ts';

/** DPoP on, with server nonces required at the token and UserInfo endpoints; refresh tokens rotate. */
const PROVIDER: Partial<Configuration> = {
  features: {
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
  },
  rotateRefreshToken: true,
};

/** The app's route that calls an API (here the provider's UserInfo) with `req.oidc.fetch()`. */
const API_CALL = get('/api-call', [['requireLogin']], async ({ oidc, query }) => {
  const response = await oidc.fetch(query.get('url') ?? '', { headers: { accept: 'application/json' } });
  return { json: { status: response.status, body: await response.text(), challenge: response.headers.get('www-authenticate') } };
});

interface TokensAnswer { accessToken: string; refreshToken: string }

/** The `DPoP` proofs the provider received at `path`, decoded. */
function proofsAt(bed: Testbed, path: string): Array<{ header: Record<string, unknown>; claims: Record<string, unknown> }> {
  return bed.op.requests.filter((r) => r.path === path && typeof r.headers['dpop'] === 'string')
    .map((r) => ({ header: decodeProtectedHeader(r.headers['dpop'] as string), claims: decodeJwt(r.headers['dpop'] as string) }));
}

for (const adapter of ADAPTERS) {
  describe(`DPoP logins (${adapter})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({
        adapter,
        providerConfiguration: PROVIDER,
        oidc: { dpop: true, scope: ['openid', 'email', 'offline_access'] },
        appRoutes: [API_CALL],
      });
    });
    after(() => bed.close());

    test('DPL-01 the code is bound to a new key per login (dpop_jkt), redeemed with a proof of it, and UserInfo answers with the bound token', async () => {
      const browser = bed.browser();
      const start = await browser.navigate(`${bed.appUrl}/login`, undefined, { stopWhen: (url) => url.origin === bed.op.issuer });
      const jkt = start.stoppedAt?.searchParams.get('dpop_jkt');
      assert.match(jkt ?? '', /^[A-Za-z0-9_-]{43}$/);
      bed.op.requests.length = 0;
      // This login, continued at the provider.
      const { response: landed } = await loginThroughProvider(browser, start.stoppedAt!, 'alice');
      assert.equal(landed.status, 200, landed.body);
      const response = await browser.request(`${bed.appUrl}/profile`);
      assert.equal(response.status, 200, response.body);
      assert.equal((JSON.parse(response.body) as { email: string }).email, 'alice@example.com', 'UserInfo answered the bound token');
      const proofs = proofsAt(bed, '/token');
      assert.ok(proofs.length >= 1, 'the code exchange carried a proof');
      const last = proofs.at(-1)!;
      assert.equal(last.header['typ'], 'dpop+jwt');
      assert.equal(last.header['alg'], 'ES256');
      assert.equal((last.header['jwk'] as JWK).d, undefined, 'never the private key');
      assert.equal(last.claims['nonce'] !== undefined, true, 'the server\'s nonce, after its use_dpop_nonce challenge');
      assert.equal(await calculateJwkThumbprint(last.header['jwk'] as JWK), jkt, 'this login\'s key');
      assert.equal(proofsAt(bed, '/me').length >= 1, true, 'UserInfo got a proof');
      // Another login: another key.
      const second = await bed.browser().navigate(`${bed.appUrl}/login`, undefined, { stopWhen: (url) => url.origin === bed.op.issuer });
      assert.notEqual(second.stoppedAt?.searchParams.get('dpop_jkt'), jkt);
    });

    test('DPL-02 BCP-21 req.oidc.fetch() calls an API with the bound token and a fresh proof each time; the same token as Bearer is refused there', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'bob');
      const userinfo = `${bed.op.issuer}/me`;
      const answer = JSON.parse((await browser.request(`${bed.appUrl}/api-call?url=${encodeURIComponent(userinfo)}`)).body) as { status: number; body: string };
      assert.equal(answer.status, 200, answer.body);
      assert.equal((JSON.parse(answer.body) as { sub: string }).sub, 'bob');
      const proof = proofsAt(bed, '/me').at(-1)!;
      assert.equal(proof.claims['htm'], 'GET');
      assert.equal(proof.claims['htu'], userinfo);
      assert.equal(proof.header['typ'], 'dpop+jwt');
      assert.deepEqual(Object.keys(proof.header['jwk'] as JWK).sort(), ['crv', 'kty', 'x', 'y'], 'the public key only');
      assert.ok(Math.abs((proof.claims['iat'] as number) - Date.now() / 1000) < 30);
      await browser.request(`${bed.appUrl}/api-call?url=${encodeURIComponent(userinfo)}`);
      const jtis = proofsAt(bed, '/me').map((p) => p.claims['jti']);
      assert.equal(new Set(jtis).size, jtis.length, 'a fresh jti for every request');
      const { accessToken } = JSON.parse((await browser.request(`${bed.appUrl}/tokens`)).body) as TokensAnswer;
      assert.equal(typeof proof.claims['ath'], 'string');
      const asBearer = await fetch(userinfo, { headers: { authorization: `Bearer ${accessToken}` } });
      assert.equal(asBearer.status, 401, 'bound: useless without the session\'s key');
    });

    test('DPL-03 a refresh proves the same key and keeps the tokens bound; concurrent asks redeem the rotating refresh token once', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'carol');
      const before = JSON.parse((await browser.request(`${bed.appUrl}/tokens`)).body) as TokensAnswer;
      bed.op.requests.length = 0;
      const answers = await Promise.all([1, 2, 3].map(() => browser.request(`${bed.appUrl}/api/token?force=1`)));
      for (const answer of answers) assert.equal(answer.status, 200, answer.body);
      const after = JSON.parse((await browser.request(`${bed.appUrl}/tokens`)).body) as TokensAnswer;
      assert.notEqual(after.accessToken, before.accessToken);
      assert.notEqual(after.refreshToken, before.refreshToken, 'rotated');
      const keys = new Set(await Promise.all(proofsAt(bed, '/token').map((p) => calculateJwkThumbprint(p.header['jwk'] as JWK))));
      assert.equal(keys.size, 1, 'one key for the session');
      assert.ok(!bed.warnings.some((w) => w.message.includes('invalid_grant')), JSON.stringify(bed.warnings));
      const answer = JSON.parse((await browser.request(`${bed.appUrl}/api-call?url=${encodeURIComponent(`${bed.op.issuer}/me`)}`)).body) as { status: number };
      assert.equal(answer.status, 200, 'the refreshed token is bound to the same key');
    });

    test('DPL-04 req.oidc.fetch() refuses a relative URL and plain http to another host, before any token leaves', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'dave');
      const relative = await browser.request(`${bed.appUrl}/api-call?url=/me`, { headers: { accept: 'application/json' } });
      assert.equal(relative.status, 500);
      const plain = await browser.request(`${bed.appUrl}/api-call?url=${encodeURIComponent('http://api.example/orders')}`, { headers: { accept: 'application/json' } });
      assert.equal(plain.status, 500);
    });

    test('FX-17 an API\'s use_dpop_nonce challenge, whatever the case of its scheme, is answered once with a new proof carrying the nonce', async () => {
      const seen: Array<{ authorization: string | undefined; proof: Record<string, unknown> }> = [];
      const api = createServer((req, res) => {
        const proof = decodeJwt(String(req.headers['dpop']));
        seen.push({ authorization: req.headers['authorization'], proof });
        if (proof['nonce'] !== 'n-2') {
          res.writeHead(401, { 'www-authenticate': 'dpop error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"', 'dpop-nonce': 'n-2' }).end();
        } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://localhost:${(api.address() as AddressInfo).port}/orders?page=2`;
        const browser = bed.browser();
        await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'gina');
        const answer = JSON.parse((await browser.request(`${bed.appUrl}/api-call?url=${encodeURIComponent(url)}`)).body) as { status: number };
        assert.equal(answer.status, 200);
        assert.equal(seen.length, 2, 'one retry, no more');
        assert.equal(seen[1]?.proof['nonce'], 'n-2');
        assert.match(seen[1]?.authorization ?? '', /^DPoP /);
        assert.equal(seen[1]?.proof['htu'], url.replace('?page=2', ''), 'htu without the query');
        assert.notEqual(seen[0]?.proof['jti'], seen[1]?.proof['jti']);
      } finally {
        api.close();
      }
    });
  });
}

describe('DPoP logins with an EdDSA key', () => {
  test('DPL-07 dpop: { algorithm: \'EdDSA\' } binds the session to an Ed25519 key; login, UserInfo and an API call work', async () => {
    const bed = await startTestbed({ providerConfiguration: PROVIDER, oidc: { dpop: { algorithm: 'EdDSA' } }, appRoutes: [API_CALL] });
    try {
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'hana');
      assert.equal(response.status, 200, response.body);
      // openid-client names the algorithm Ed25519 (RFC 9864's fully specified name), oidc-kit's own proofs EdDSA: the same signatures.
      assert.match(String(proofsAt(bed, '/token').at(-1)?.header['alg']), /^(EdDSA|Ed25519)$/);
      assert.equal((proofsAt(bed, '/token').at(-1)?.header['jwk'] as JWK).crv, 'Ed25519');
      const call = JSON.parse((await browser.request(`${bed.appUrl}/api-call?url=${encodeURIComponent(`${bed.op.issuer}/me`)}`)).body) as { status: number };
      assert.equal(call.status, 200);
    } finally {
      await bed.close();
    }
  });
});

describe('DPoP logins: what is refused', () => {
  test('DPL-05 BCP-20 a provider that answers with a Bearer token is refused (dpop_not_bound): the binding asked for did not happen', async () => {
    const bed = await startTestbed({ oidc: { dpop: true }, providerConfiguration: { features: { dPoP: { enabled: false } } as Configuration['features'] } });
    try {
      const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'erin');
      assert.equal(response.status, 502, response.body);
      assert.match(response.body, /did not bind the token/);
      assert.ok(bed.warnings.some((w) => w.details?.['reason'] === 'dpop_not_bound' || w.message.includes('dpop_not_bound')), JSON.stringify(bed.warnings));
    } finally {
      await bed.close();
    }
  });
});

describe('DPoP logins across two instances sharing Redis', () => {
  let pair: InstancePair;
  before(async () => { pair = await startInstancePair('express5', { dpop: true }); });
  after(() => pair.close());

  test('DPL-06 concurrent refreshes on A and B redeem the rotating refresh token once, with a proof; both instances call an API with the session\'s key', async () => {
    const { cookie } = await pair.logIn('frank');
    const before = pair.tokenRequests();
    pair.tokenDelay = 400;
    const answers = await Promise.all([
      getJson(`${pair.a.url}/api/token?force=1`, cookie), getJson(`${pair.b.url}/api/token?force=1`, cookie),
      getJson(`${pair.a.url}/api/token?force=1`, cookie), getJson(`${pair.b.url}/api/token?force=1`, cookie),
    ]).finally(() => { pair.tokenDelay = 0; });
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(new Set(answers.map((x) => x.body['accessToken'])).size, 1, 'one new access token');
    assert.equal(pair.tokenRequests() - before, 1, 'redeemed once');
    const refresh = pair.op.requests.filter((r) => r.path === '/token').at(-1);
    assert.equal(decodeProtectedHeader(refresh?.headers['dpop'] as string).typ, 'dpop+jwt', 'the refresh proved the session\'s key');
    for (const instance of [pair.a, pair.b]) {
      const call = await getJson(`${instance.url}/api-call?url=${encodeURIComponent(`${pair.op.issuer}/me`)}`, cookie);
      assert.equal(call.body['status'], 200, JSON.stringify(call.body));
    }
    pair.assertAlive(pair.a);
    pair.assertAlive(pair.b);
  });
});
