/**
 * Many app instances on one Redis (issue 6): real app processes sharing a real redis-server, against
 * the in-process oidc-provider with refresh token rotation. Sessions, back-channel logouts and
 * refreshes are shared; Redis going away gives 503s, never a crash, and service resumes by itself.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';

import { devClient, startDevProvider, type DevProvider } from '../../examples/dev-provider/dev-provider.ts';
import { CookieSealer } from '../../src/cookies/cookie-sealer.ts';
import { OidcCore, OidcError } from '../../src/index.ts';
import { createRedisStore, RedisStore, RedisStoreError } from '../../src/redis.ts';
import { StoreSessionBackend } from '../../src/session/store-session-backend.ts';
import { startTokenLab } from '../support/token-lab.ts';
import { loginThroughProvider, parseForms, TestBrowser } from '../support/browser.ts';
import { CookieJar } from '../support/cookie-jar.ts';
import { type AppProcess, freePort, getJson, startAppProcess } from '../support/app-process.ts';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis-server.ts';
import { ADAPTERS, CLIENT_SECRET, SECRET } from '../support/testbed.ts';

const unavailable = redisUnavailable();
if (unavailable !== undefined) console.log(`# Redis tests skipped: ${unavailable}`);

const startApp = startAppProcess;
const get = getJson;

for (const adapter of ADAPTERS) describe(`sessions on Redis, shared by app processes (${adapter})`, { skip: unavailable }, () => {
  let redis: RedisServer;
  let op: DevProvider;
  let a: AppProcess;
  let b: AppProcess;
  let config: Record<string, unknown>;
  const tokenRequests = (): number => op.requests.filter((r) => r.method === 'POST' && r.path === '/token').length;
  /** Milliseconds the provider's token endpoint waits before answering (a slow provider). */
  let tokenDelay = 0;

  before(async () => {
    redis = await startRedis();
    const [portA, portB] = [await freePort(), await freePort()];
    // Behind a load balancer both instances have one public URL; here it is A's.
    const baseUrl = `http://127.0.0.1:${portA}`;
    op = await startDevProvider({
      clients: [{
        ...devClient(`${baseUrl}/callback`),
        client_secret: CLIENT_SECRET,
        post_logout_redirect_uris: [`${baseUrl}/logout/callback`],
        backchannel_logout_uri: `${baseUrl}/backchannel-logout`,
      }],
      // Every refresh rotates the refresh token, and reusing a spent one revokes the grant.
      configuration: { rotateRefreshToken: () => true },
      // Koa middleware added after start would never run (the server's callback is built at start).
      intercept: (req, _res, pass) => {
        if (tokenDelay > 0 && req.url === '/token') setTimeout(pass, tokenDelay);
        else pass();
      },
    });
    config = { adapter, issuer: op.issuer, baseUrl, redisUrl: redis.url, secret: SECRET, clientId: 'demo-client', clientSecret: CLIENT_SECRET };
    [a, b] = await Promise.all([startApp({ ...config, port: portA }), startApp({ ...config, port: portB })]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await op?.close();
    await redis?.close();
  });

  /** Logs a user in through A; returns the session cookie, which B receives too (same site). */
  async function logIn(user: string): Promise<{ cookie: string; browser: TestBrowser }> {
    const jar = new CookieJar();
    const browser = new TestBrowser(jar);
    const { response } = await loginThroughProvider(browser, `${a.url}/profile`, user);
    assert.equal(response.status, 200, response.body);
    const cookie = jar.header(`${a.url}/profile`);
    assert.ok(cookie !== undefined);
    // A sealed id: short, and no JWT (whose parts are joined by dots). Not /eyJ/: random ciphertext contains it now and then.
    assert.ok(cookie.length < 200 && !cookie.includes('.'), `the cookie holds an id, not tokens: ${cookie.length} characters`);
    return { cookie, browser };
  }

  function assertAlive(app: AppProcess): void {
    assert.equal(app.child.exitCode, null, `the app is still running: ${app.stderr()}`);
    assert.doesNotMatch(app.stderr(), /FATAL/);
  }

  test('logged in through A, logged in on B', async () => {
    const { cookie } = await logIn('alice');
    const onB = await get(`${b.url}/profile`, cookie);
    assert.equal(onB.status, 200);
    assert.equal(onB.body['sub'], 'alice');
    assert.notEqual(onB.body['pid'], (await get(`${a.url}/profile`, cookie)).body['pid'], 'two processes');

    // What Redis holds: namespaced keys, expiring, and sealed (no token readable in a dump).
    const peek = createClient({ url: redis.url });
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
    const { cookie } = await logIn('bob');
    const before = tokenRequests();
    // A slow provider: all four requests have read the session before the first refresh is back.
    // (A request that started after it would see the new tokens and, forced, rightly refresh again.)
    tokenDelay = 400;
    const answers = await Promise.all([
      get(`${a.url}/api/token?force=1`, cookie), get(`${b.url}/api/token?force=1`, cookie),
      get(`${a.url}/api/token?force=1`, cookie), get(`${b.url}/api/token?force=1`, cookie),
    ]).finally(() => {
      tokenDelay = 0;
    });
    for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const tokens = new Set(answers.map((x) => x.body['accessToken']));
    assert.equal(tokens.size, 1, 'every request got the one new access token');
    assert.equal(tokenRequests() - before, 1, 'the refresh token was redeemed once, not once per instance');
    // The rotated refresh token is the one stored: the next refresh works (a reused one would have revoked the grant).
    const again = await get(`${b.url}/api/token?force=1`, cookie);
    assert.equal(again.status, 200);
    assert.ok(!tokens.has(again.body['accessToken']));
    assert.equal((await get(`${a.url}/profile`, cookie)).status, 200);
  });

  test('a back-channel logout received by A ends the session on B', async () => {
    const { cookie, browser } = await logIn('carol');
    assert.equal((await get(`${b.url}/profile`, cookie)).status, 200);
    const delivered = new Promise<void>((resolve) => op.provider.once('backchannel.success', () => resolve()));
    // The user signs out at the provider itself (another tab, another app): it notifies A only.
    const page = await browser.navigate(`${op.issuer}/session/end`);
    assert.ok(parseForms(page.response.body, page.url).length > 0);
    await browser.submitForm(page.response, {});
    await delivered;
    const onB = await get(`${b.url}/profile`, cookie);
    assert.equal(onB.status, 401, 'B learnt it from Redis');
    assert.equal((await get(`${a.url}/profile`, cookie)).status, 401);
  });

  test('Redis stopped mid-traffic: 503 for what needs it, the rest served, no crash; back: sessions intact', async () => {
    const { cookie } = await logIn('dave');
    await redis.stop();
    try {
      for (const app of [a, b]) {
        const profile = await get(`${app.url}/profile`, cookie);
        assert.equal(profile.status, 503);
        assert.equal(profile.body['error'], 'session_store_unavailable');
        assert.equal((await get(`${app.url}/health`, cookie)).status, 200, 'routes that need no session still work');
        const login = await fetch(`${app.url}/login`, { redirect: 'manual' });
        assert.equal(login.status, 302, 'starting a login needs no store');
        // Logging out cannot end a session it cannot read: an honest 503, not a false "logged out".
        const logout = await fetch(`${app.url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: String(config['baseUrl']), accept: 'application/json' } });
        assert.equal(logout.status, 503);
      }
      for (const app of [a, b]) {
        const lines = app.stderr().split('\n').filter((line) => line.includes('session_store_unavailable'));
        assert.equal(lines.length, 1, `an outage is logged once, not per request: ${lines.join(' | ')}`);
      }
    } finally {
      await redis.start();
    }
    // The clients reconnect by themselves (backing off to one attempt a second).
    for (const app of [a, b]) {
      let status = 0;
      for (let attempt = 0; attempt < 60 && status !== 200; attempt++) {
        status = (await get(`${app.url}/profile`, cookie)).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 200, 'the session came back with Redis');
      assertAlive(app);
      // One line when the store went down (with the cause), one when it came back: not one per request.
      const down = app.stderr().split('\n').filter((line) => line.includes('the session store is down: session_store_unavailable'));
      assert.equal(down.length, 1, app.stderr());
      const back = app.stderr().split('\n').filter((line) => /the session store is back after \d+ s, \d+ request\(s\) failed meanwhile/.test(line));
      assert.equal(back.length, 1, app.stderr());
    }
    assert.match(a.stderr(), /Redis connection problem/);
  });

  test('Redis stuck (no answers): 503 within the command timeout, then service resumes', async () => {
    const { cookie } = await logIn('erin');
    redis.pause();
    try {
      const started = Date.now();
      const profile = await get(`${b.url}/profile`, cookie);
      assert.equal(profile.status, 503);
      assert.ok(Date.now() - started < 5000, 'not held until Redis answers');
    } finally {
      redis.resume();
    }
    assert.equal((await get(`${b.url}/profile`, cookie)).status, 200);
    assertAlive(b);
  });

  test('an app instance restarted: still logged in', async () => {
    const { cookie } = await logIn('frank');
    const port = Number(new URL(a.url).port);
    await a.stop();
    a = await startApp({ ...config, port });
    const profile = await get(`${a.url}/profile`, cookie);
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
