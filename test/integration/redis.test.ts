/**
 * Many app instances on one Redis (issue 6): real app processes sharing a real redis-server, against
 * the in-process oidc-provider with refresh token rotation. Sessions, back-channel logouts and
 * refreshes are shared. Redis going away or freezing is in test/reliability/redis-faults.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';

import { CookieSealer } from '../../src/cookies/cookie-sealer.ts';
import { OidcCore, OidcError } from '../../src/index.ts';
import { createRedisStore, RedisStore, RedisStoreError } from '../../src/redis.ts';
import { StoreSessionBackend } from '../../src/session/store-session-backend.ts';
import { startTokenLab } from '../support/token-lab.ts';
import { parseForms } from '../support/browser.ts';
import { getJson } from '../support/app-process.ts';
import { type InstancePair, startInstancePair } from '../support/instance-pair.ts';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis-server.ts';
import { ADAPTERS, SECRET } from '../support/testbed.ts';

const unavailable = redisUnavailable();
if (unavailable !== undefined) console.log(`# Redis tests skipped: ${unavailable}`);

const get = getJson;

for (const adapter of ADAPTERS) describe(`sessions on Redis, shared by app processes (${adapter})`, { skip: unavailable }, () => {
  let pair: InstancePair;
  before(async () => {
    pair = await startInstancePair(adapter);
  });
  after(() => pair?.close());

  test('logged in through A, logged in on B', async () => {
    const { cookie } = await pair.logIn('alice');
    const onB = await get(`${pair.b.url}/profile`, cookie);
    assert.equal(onB.status, 200);
    assert.equal(onB.body['sub'], 'alice');
    assert.notEqual(onB.body['pid'], (await get(`${pair.a.url}/profile`, cookie)).body['pid'], 'two processes');

    // What Redis holds: namespaced keys, expiring, and sealed (no token readable in a dump).
    const peek = createClient({ url: pair.redis.url });
    await peek.connect();
    try {
      const keys = await peek.keys('oidc-kit:session:*');
      assert.ok(keys.length > 0);
      for (const key of keys) {
        // Sealed: one base64url string, so no JSON fields and no JWT (a JWT needs dots) can show.
        // Not /eyJ/: random ciphertext contains any three base64url characters now and then.
        const sealed = JSON.parse(String(await peek.get(key))) as unknown;
        assert.equal(typeof sealed, 'string');
        assert.match(sealed as string, /^[A-Za-z0-9_-]{200,}$/);
        assert.doesNotMatch(sealed as string, /alice/);
        assert.ok(await peek.ttl(key) > 0, 'expires with the session');
      }
    } finally {
      peek.destroy();
    }
  });

  test('concurrent refreshes on A and B with rotating refresh tokens: one refresh at the provider, the session survives', async () => {
    const { cookie } = await pair.logIn('bob');
    const before = pair.tokenRequests();
    // A slow provider: all four requests have read the session before the first refresh is back.
    // (A request that started after it would see the new tokens and, forced, rightly refresh again.)
    pair.tokenDelay = 400;
    const answers = await Promise.all([
      get(`${pair.a.url}/api/token?force=1`, cookie), get(`${pair.b.url}/api/token?force=1`, cookie),
      get(`${pair.a.url}/api/token?force=1`, cookie), get(`${pair.b.url}/api/token?force=1`, cookie),
    ]).finally(() => {
      pair.tokenDelay = 0;
    });
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const tokens = new Set(answers.map((x) => x.body['accessToken']));
    assert.equal(tokens.size, 1, 'every request got the one new access token');
    assert.equal(pair.tokenRequests() - before, 1, 'the refresh token was redeemed once, not once per instance');
    // The rotated refresh token is the one stored: the next refresh works (a reused one would have revoked the grant).
    const again = await get(`${pair.b.url}/api/token?force=1`, cookie);
    assert.equal(again.status, 200);
    assert.ok(!tokens.has(again.body['accessToken']));
    assert.equal((await get(`${pair.a.url}/profile`, cookie)).status, 200);
  });

  test('a back-channel logout received by A ends the session on B', async () => {
    const { cookie, browser } = await pair.logIn('carol');
    assert.equal((await get(`${pair.b.url}/profile`, cookie)).status, 200);
    const delivered = new Promise<void>((resolve) => pair.op.provider.once('backchannel.success', () => resolve()));
    // The user signs out at the provider itself (another tab, another app): it notifies A only.
    const page = await browser.navigate(`${pair.op.issuer}/session/end`);
    assert.ok(parseForms(page.response.body, page.url).length > 0);
    await browser.submitForm(page.response, {});
    await delivered;
    const onB = await get(`${pair.b.url}/profile`, cookie);
    assert.equal(onB.status, 401, 'B learnt it from Redis');
    assert.equal((await get(`${pair.a.url}/profile`, cookie)).status, 401);
  });

  test('an app instance restarted: still logged in', async () => {
    const { cookie } = await pair.logIn('frank');
    await pair.restartA();
    const profile = await get(`${pair.a.url}/profile`, cookie);
    assert.equal(profile.status, 200);
    assert.equal(profile.body['sub'], 'frank');
  });
});

// Once, not per adapter: the store's own API, no HTTP.
describe('RedisStore against redis-server', { skip: unavailable }, () => {
  let redis: RedisServer;
  let client: ReturnType<typeof createClient>;
  before(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
  });
  after(async () => {
    client.destroy();
    await redis.close();
  });

  test('values are JSON under the prefix, expiring with what they hold; add is SET NX', async () => {
    const store = new RedisStore({ client, prefix: 'test:' });
    await store.set('session:1', { sub: 'alice', n: [1, 2] }, 120);
    assert.deepEqual(await store.get('session:1'), { sub: 'alice', n: [1, 2] });
    assert.equal(await client.get('test:session:1'), '{"sub":"alice","n":[1,2]}');
    const ttl = await client.ttl('test:session:1');
    assert.ok(ttl > 100 && ttl <= 120, `TTL ${ttl}`);
    assert.equal(await store.get('missing'), undefined);
    assert.equal(await store.add('lock', { at: 1 }, 10), true);
    assert.equal(await store.add('lock', { at: 2 }, 10), false, 'only the first add wins');
    assert.deepEqual(await store.get('lock'), { at: 1 });
    await store.delete('lock');
    assert.equal(await store.get('lock'), undefined);
    await store.set('short', 1, 0.2);
    assert.ok(await client.ttl('test:short') >= 1, 'fractions round up to Redis\'s whole seconds');
    await client.set('test:foreign', 'not json');
    assert.equal(await store.get('foreign'), undefined, 'a value oidc-kit did not write reads as absent');
    // Strings (sealed records are strings) come back exactly, escapes and all; text that is not JSON does not.
    for (const value of ['AbC-_0123'.repeat(400), '', 'say "hi"', 'back\\slash', 'line\nbreak', 'é ☃ 😀', '"', '\\']) {
      await store.set('string', value, 60);
      assert.equal(await store.get('string'), value, `round trip of ${JSON.stringify(value.slice(0, 20))}`);
    }
    for (const foreign of ['"unterminated', '"', '"a"b"', '"bad \\escape"', '"tail\\"']) {
      await client.set('test:foreign', foreign);
      assert.equal(await store.get('foreign'), undefined, `${foreign} is not JSON: absent`);
    }
  });

  test('compareAndSet (issue 27, item 5) is one EVAL: it writes only over the value expected, never over a deleted or changed one', async () => {
    const store = new RedisStore({ client, prefix: 'cas:' });
    assert.ok(store.compareAndSet !== undefined);
    assert.equal(await store.compareAndSet('session:1', 'v1', 'v2', 60), false, 'nothing there: nothing written');
    assert.equal(await client.exists('cas:session:1'), 0, 'a deleted session is not brought back');
    await store.set('session:1', 'v1', 60);
    assert.equal(await store.compareAndSet('session:1', 'v0', 'v2', 60), false, 'changed since it was read');
    assert.equal(await store.get('session:1'), 'v1');
    assert.equal(await store.compareAndSet('session:1', 'v1', { v: 2 }, 120), true);
    assert.deepEqual(await store.get('session:1'), { v: 2 });
    const ttl = await client.ttl('cas:session:1');
    assert.ok(ttl > 100 && ttl <= 120, `TTL ${ttl}`);
    assert.equal(await store.compareAndSet('session:1', { v: 2 }, 'v3', 0.2), true, 'compared as JSON text, as get returned it');
    assert.ok(await client.ttl('cas:session:1') >= 1, 'whole seconds, at least 1');
    // A client without eval (a hand-made RedisClientLike) makes a store without compareAndSet: oidc-kit then re-reads before writing.
    const { get: g, set: st, del } = client;
    const bare = new RedisStore({ client: { get: g.bind(client), set: st.bind(client), del: del.bind(client) } });
    assert.equal(bare.compareAndSet, undefined);
  });

  test('a stuck Redis fails the command after commandTimeout; a disconnected client fails at once', async () => {
    const store = new RedisStore({ client, commandTimeout: 200 });
    redis.pause();
    try {
      const started = Date.now();
      await assert.rejects(store.get('x'), (e: Error) => e instanceof RedisStoreError && /within 200 ms/.test(e.message));
      assert.ok(Date.now() - started < 1000);
    } finally {
      redis.resume();
    }
    const offline = createClient({ url: 'redis://127.0.0.1:1', disableOfflineQueue: true });
    assert.equal(offline.isReady, false);
    await assert.rejects(new RedisStore({ client: offline }).set('x', 1, 10), (e: Error) => e instanceof RedisStoreError && /not connected/.test(e.message));
    assert.throws(() => new RedisStore({} as never), /needs \{ client \}/);

    // createRedisStore: ready() says when its own client is connected, or that it is not (yet).
    const owned = createRedisStore({ url: redis.url, logger: { warn() {} } });
    await owned.ready();
    await owned.set('ready', 1, 10);
    await owned.close();
    const nowhere = createRedisStore({ url: 'redis://:hunter2@127.0.0.1:1', logger: { warn() {} } });
    await assert.rejects(nowhere.ready(200), (e: Error) => /not reachable after 200 ms; still trying/.test(e.message) && !e.message.includes('hunter2'));
    await nowhere.close();
    assert.throws(() => new RedisStore({ client, commandTimeout: 0 }), /commandTimeout/);
  });
});

// Once, not per adapter: the store's own API and the session backend on it, no HTTP.
describe('createRedisStore bounds the commands a stuck Redis leaves queued', { skip: unavailable }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.close();
  });

  /** How a command came out once every promise step already due has run (no timer, no waiting). */
  const outcome = async (pending: Promise<unknown>): Promise<unknown> => {
    const still = Symbol('still waiting');
    const settled = pending.then(() => 'answered', (error: unknown) => error);
    return Promise.race([settled, new Promise((resolve) => setImmediate(() => resolve(still)))]).then((value) => (value === still ? 'still waiting' : value));
  };
  const queueFull = (value: unknown): boolean => value instanceof RedisStoreError && /The queue is full/.test(value.message);

  test('10 000 commands by default, clientOptions.commandsQueueMaxLength otherwise; past the bound a command fails at once, and the session read is a 503', async () => {
    // A command timeout far beyond the test: only the queue's bound can fail a command here.
    const quiet = { warn() {} };
    const byDefault = createRedisStore({ url: redis.url, logger: quiet, commandTimeout: 600_000 });
    const small = createRedisStore({ url: redis.url, logger: quiet, commandTimeout: 600_000, clientOptions: { commandsQueueMaxLength: 50 } });
    const waiting: Array<Promise<unknown>> = [];
    try {
      await byDefault.ready();
      await small.ready();
      redis.pause();
      for (let i = 0; i < 50; i++) waiting.push(small.get(`k${i}`));
      const beyond = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(small.get(`beyond${i}`))));
      assert.equal(beyond.filter(queueFull).length, 10, 'the 10 commands past the bound of 50 fail at once');
      assert.equal(await outcome(waiting[0]!), 'still waiting', 'the 50 queued ones wait for Redis');

      // What a request sees: the session backend's usual 503.
      const backend = new StoreSessionBackend('s', { path: '/', httpOnly: true, secure: true, sameSite: 'Lax' }, new CookieSealer([SECRET], 'session'), small, { absoluteDuration: 3600, rollingDuration: undefined, touchInterval: 0 }, () => Math.floor(Date.now() / 1000));
      const read = await outcome(backend.reload('some-id'));
      assert.ok(read instanceof OidcError && read.code === 'session_store_unavailable' && read.status === 503, String(read));

      for (let i = 0; i < 10_000; i++) waiting.push(byDefault.get(`d${i}`));
      assert.ok(queueFull(await outcome(byDefault.get('one-more'))), 'the default bound is 10 000');

      // Redis back: everything queued is answered, and the stores work as before.
      redis.resume();
      await Promise.all(waiting);
      await small.set('after', 1, 10);
      assert.equal(await byDefault.get('after'), 1);
    } finally {
      redis.resume();
      await small.close();
      await byDefault.close();
    }
  });
});

// Once, not per adapter: the core's validateToken() with a shared store, no HTTP.
describe('the introspection cache shared through Redis', { skip: unavailable }, () => {
  test('two API instances introspect a token once between them; a Redis outage only costs introspections', async () => {
    const redis = await startRedis();
    const lab = await startTokenLab();
    const store = createRedisStore({ url: redis.url, logger: { warn() {} } });
    const warnings: string[] = [];
    const api = (): OidcCore => new OidcCore({
      resourceServerOnly: true, issuer: lab.issuer, clientId: 'api', clientSecret: 'api-secret', secret: SECRET,
      resourceServer: { strategy: 'introspection', introspection: { store, cacheTtl: 60 } },
      logger: { warn: (message) => warnings.push(message) },
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      lab.introspections.set('opaque-1', { active: true, sub: 'user-1', scope: 'read', exp: now + 120 });
      const [one, two] = [api(), api()];
      // The store's own client connects in the background; commands fail fast until it has.
      for (let attempt = 0; attempt < 50 && !(await store.get('any').then(() => true, () => false)); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const first = await one.validateToken('opaque-1');
      assert.equal(first.valid, true);
      for (let attempt = 0; attempt < 50 && (await store.get(`introspection:${sha256('opaque-1')}`)) === undefined; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20)); // written in the background
      }
      const second = await two.validateToken('opaque-1');
      assert.deepEqual(second.valid && second.claims['sub'], 'user-1');
      assert.equal(lab.count('/introspect'), 1, 'the second instance used the first one\'s answer');
      const stored = JSON.stringify(await store.get(`introspection:${sha256('opaque-1')}`));
      assert.doesNotMatch(stored, /opaque-1|user-1/, 'keyed by hash and sealed: neither the token nor its claims are readable');

      // Someone who can write to Redis plants an "active" answer for a token of their own: not accepted.
      await store.set(`introspection:${sha256('planted')}`, { active: true, claims: { sub: 'mallory' }, until: Date.now() + 60_000 }, 60);
      const planted = await two.validateToken('planted');
      assert.equal(planted.valid, false);
      assert.equal(lab.count('/introspect'), 2, 'the planted record was ignored and the provider asked');

      // Inactive answers are shared too, briefly.
      assert.equal((await one.validateToken('revoked')).valid, false);
      for (let attempt = 0; attempt < 50 && (await store.get(`introspection:${sha256('revoked')}`)) === undefined; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const refused = await two.validateToken('revoked');
      assert.equal(refused.valid === false && refused.code, 'invalid_token');
      assert.equal(lab.count('/introspect'), 3);

      await redis.stop();
      lab.introspections.set('opaque-2', { active: true, sub: 'user-2', exp: now + 120 });
      assert.equal((await one.validateToken('opaque-2')).valid, true, 'without Redis the provider is asked');
      assert.equal(lab.count('/introspect'), 4);
      assert.ok(warnings.some((w) => /shared introspection cache failed/.test(w)));
    } finally {
      await store.close();
      await lab.close();
      await redis.close();
    }
  });
});

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
