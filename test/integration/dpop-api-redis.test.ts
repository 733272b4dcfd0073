/**
 * DPoP across two instances of an API sharing Redis (issue 28 item 2): a proof used at one is
 * refused at the other (the replay record is the session store's, written with SET NX), a nonce
 * one issued is accepted by the other (stateless, from the shared secret), and a Redis that is
 * down gives 503 — never an accepted proof. Two app objects with clients of their own, behind one
 * public URL (the first's), on every adapter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedisStore, type OwnedRedisStore } from '../../src/redis.ts';
import { call, DPOP_CLIENT_ID, DPOP_CLIENT_SECRET, dpopKey, type DpopKey, type DpopProvider, JWT_API, makeProof, startDpopProvider } from '../support/dpop-bed.ts';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis-server.ts';
import { ADAPTERS, serveTestApp, type ServedApp } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import { SECRET } from '../support/testbed.ts';

const skip = redisUnavailable();

for (const adapter of ADAPTERS) {
  describe(`DPoP across two instances sharing Redis (${adapter})`, { skip }, () => {
    let redis: RedisServer;
    let provider: DpopProvider;
    let key: DpopKey;
    let token: string;
    const stores: OwnedRedisStore[] = [];
    const apps: ServedApp[] = [];
    /** The public URL both instances are configured with (A's). */
    let publicUrl: string;

    const start = (baseUrl: ((url: string) => string)): Promise<ServedApp> => {
      const store = createRedisStore({ url: redis.url, commandTimeout: 300, logger: { warn() {} } });
      stores.push(store);
      return serveTestApp(adapter, (url) => ({
        baseUrl: baseUrl(url),
        secret: SECRET,
        resourceServerOnly: true,
        issuer: provider.op.issuer,
        clientId: DPOP_CLIENT_ID,
        clientSecret: DPOP_CLIENT_SECRET,
        session: { store },
        resourceServer: { audience: JWT_API, dpop: { mode: 'required', requireNonce: true } },
        logger: { warn() {} },
      }), { routes: [get('/api', [['acceptToken', {}]], () => ({ json: { ok: true } }))], standardRoutes: false });
    };
    const proof = (claims: Record<string, unknown>) => makeProof(key, 'GET', `${publicUrl}/api`, token, { claims });

    before(async () => {
      redis = await startRedis();
      provider = await startDpopProvider();
      key = await dpopKey();
      token = await provider.boundToken(key, JWT_API);
      const a = await start((url) => url);
      publicUrl = a.url;
      apps.push(a, await start(() => publicUrl));
      await Promise.all(stores.map((store) => store.ready(5000)));
    });
    after(async () => {
      for (const app of apps) await app.close();
      for (const store of stores) await store.close();
      await provider.close();
      await redis.close();
    });

    test('DPA-06, DPA-08: a nonce from A works at B; a proof used at A is refused at B, and at A again', async () => {
      const [a, b] = apps as [ServedApp, ServedApp];
      const nonce = (await call(`${a.url}/api`, { authorization: `DPoP ${token}`, dpop: await proof({}) })).nonce;
      assert.ok(nonce);
      const used = await proof({ nonce });
      assert.equal((await call(`${b.url}/api`, { authorization: `DPoP ${token}`, dpop: used })).status, 200, 'B accepts A\'s nonce');
      const again = await call(`${a.url}/api`, { authorization: `DPoP ${token}`, dpop: used });
      assert.equal(again.status, 401);
      assert.equal(again.json?.['error'], 'invalid_dpop_proof');
      assert.equal(again.json?.['reason'], 'replay');
      const fresh = await proof({ nonce });
      assert.equal((await call(`${a.url}/api`, { authorization: `DPoP ${token}`, dpop: fresh })).status, 200);
      assert.equal((await call(`${b.url}/api`, { authorization: `DPoP ${token}`, dpop: fresh })).json?.['reason'], 'replay', 'and the other way round');
    });

    test('DPA-06: Redis down: 503 session_store_unavailable (reason dpop_replay), never acceptance', async () => {
      const [a] = apps as [ServedApp, ServedApp];
      const nonce = (await call(`${a.url}/api`, { authorization: `DPoP ${token}`, dpop: await proof({}) })).nonce;
      await redis.stop();
      try {
        const down = await call(`${a.url}/api`, { authorization: `DPoP ${token}`, dpop: await proof({ nonce }) });
        assert.equal(down.status, 503, JSON.stringify(down.json));
        assert.equal(down.json?.['error'], 'session_store_unavailable');
        assert.equal(down.json?.['reason'], 'dpop_replay');
      } finally {
        await redis.start();
      }
      // The client reconnects on its own (backing off to a second): 200 again once it has.
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i += 1) {
        status = (await call(`${a.url}/api`, { authorization: `DPoP ${token}`, dpop: await proof({ nonce }) })).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 200, 'back once Redis is');
    });
  });
}
