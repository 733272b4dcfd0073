/**
 * Issue 27, item 5, "a logout stays a logout": a request that was under way when the user logged
 * out (a refresh at a slow provider, a slow page that touches the session) answers after the
 * logout, and must not bring the session back — neither by writing the store record again nor by
 * its `Set-Cookie` putting the session cookie back in the browser (nextjs-auth0 #2335).
 *
 * Over real HTTP against the in-process provider, on every adapter, with cookie sessions, a
 * `MemoryStore`, a `RedisStore` and a store of the user's own without `compareAndSet`; and with two
 * app processes sharing Redis, the logout reaching the other instance. The races are made with
 * gates, not sleeps: the slow request is held at the provider's token endpoint (or in the page, or
 * at the store's write) until the logout has been answered. The browser applies each answer's
 * `Set-Cookie` in the order the answers arrive, the late one last.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { CookieSealer } from '../../src/cookies/cookie-sealer.ts';
import { MemoryStore, type SessionStore } from '../../src/index.ts';
import { createRedisStore, type OwnedRedisStore } from '../../src/redis.ts';
import { getJson } from '../support/app-process.ts';
import { loginThroughProvider, type BrowserResponse, type TestBrowser } from '../support/browser.ts';
import { CookieJar } from '../support/cookie-jar.ts';
import { startInstancePair, type InstancePair } from '../support/instance-pair.ts';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis-server.ts';
import { get } from '../support/test-routes.ts';
import { ADAPTERS, SECRET, startTestbed, type Testbed } from '../support/testbed.ts';

const unavailable = redisUnavailable();
if (unavailable !== undefined) console.log(`# Redis logout races skipped: ${unavailable}`);

const JSON_WANTED = { accept: 'application/json' };
/** Each race takes well under a second; a gate that is never reached fails the test instead of hanging the suite. */
const BOUNDED = { timeout: 15_000 };
/** A logout link clicked inside the app. */
const LOGOUT = { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } };

/** A gate that holds the next thing that passes it: `arrived` once it is held, `release()` lets it on. */
class Gate {
  #armed: { reached: () => void; released: Promise<void> } | undefined;

  /** Arms the gate for the next passage. */
  hold(): { arrived: Promise<void>; release: () => void } {
    let reached = (): void => undefined;
    let release = (): void => undefined;
    const arrived = new Promise<void>((resolve) => { reached = resolve; });
    const released = new Promise<void>((resolve) => { release = resolve; });
    this.#armed = { reached, released };
    return { arrived, release };
  }

  /** Resolves at once, or after the release when the gate is armed (which disarms it). */
  pass(): Promise<void> {
    const armed = this.#armed;
    if (armed === undefined) return Promise.resolve();
    this.#armed = undefined;
    armed.reached();
    return armed.released;
  }
}

/**
 * A store whose next write of a session (a touch, a refresh's result) waits at `gate`. Without
 * `compareAndSet` when the store has none: a store of the user's own, written for an older oidc-kit.
 */
function gatedWrites(store: SessionStore, gate: Gate): SessionStore {
  const held = (key: string): Promise<void> => (key.startsWith('session:') ? gate.pass() : Promise.resolve());
  const compareAndSet = store.compareAndSet?.bind(store);
  return {
    get: (key) => store.get(key),
    delete: (key) => store.delete(key),
    add: (key, value, ttl) => store.add!(key, value, ttl),
    set: async (key, value, ttl) => {
      await held(key);
      await store.set(key, value, ttl);
    },
    ...(compareAndSet === undefined ? {} : {
      compareAndSet: async (key: string, expected: unknown, value: unknown, ttl: number) => {
        await held(key);
        return compareAndSet(key, expected, value, ttl);
      },
    }),
  };
}

/** A store of the user's own that has no `compareAndSet` (only get, set, delete and add). */
function withoutCompareAndSet(store: MemoryStore): SessionStore {
  return { get: (k) => store.get(k), set: (k, v, t) => store.set(k, v, t), delete: (k) => store.delete(k), add: (k, v, t) => store.add(k, v, t) };
}

/** The session id a store session's cookie holds (sealed with the app's secret). */
function sessionId(cookie: string): string {
  const id = new CookieSealer([SECRET], 'session').open(cookie, 'oidc_session');
  assert.ok(id !== undefined, 'the cookie holds a sealed session id');
  return id;
}

/** Whether the response wrote the session cookie (not a deletion). */
function writesSession(response: BrowserResponse): boolean {
  return response.setCookies.some((c) => /^oidc_session(\.\d+)?=[^;]/.test(c));
}

type Backend = 'cookie' | 'memory' | 'redis' | 'own store';

for (const adapter of ADAPTERS) {
  describe(`a logout stays a logout, one instance (${adapter})`, () => {
    const tokenGate = new Gate();
    const pageGate = new Gate();
    const storeGate = new Gate();
    let bed: Testbed;
    let redis: RedisServer | undefined;
    let redisStore: OwnedRedisStore | undefined;

    before(async () => {
      bed = await startTestbed({
        adapter,
        intercept(req: IncomingMessage, _res: ServerResponse, pass: () => void) {
          if (req.method === 'POST' && req.url === '/token') void tokenGate.pass().then(pass);
          else pass();
        },
        appRoutes: [get('/slow', [['requireLogin']], async ({ oidc }) => {
          await pageGate.pass();
          return { json: { sub: oidc.user?.sub } };
        })],
      });
      if (unavailable === undefined) {
        redis = await startRedis();
        redisStore = createRedisStore({ url: redis.url, logger: { warn() {} } });
        await redisStore.ready();
      }
    });
    after(async () => {
      await bed?.close();
      await redisStore?.close();
      await redis?.close();
    });

    /** Runs the app on `backend` (its store's writes behind `storeGate`), logs a user in; the store to look into. */
    async function logIn(backend: Backend, browser: TestBrowser, session: Record<string, unknown> = {}): Promise<SessionStore | undefined> {
      const inner = backend === 'cookie' ? undefined
        : backend === 'redis' ? redisStore!
        : backend === 'own store' ? withoutCompareAndSet(new MemoryStore())
        : new MemoryStore();
      bed.reconfigure({ session: { ...session, ...(inner === undefined ? {} : { store: gatedWrites(inner, storeGate) }) } });
      const { url } = await loginThroughProvider(browser, `${bed.appUrl}/login`, 'ursula');
      assert.equal(url.href, `${bed.appUrl}/`);
      assert.equal(await authenticated(browser), true);
      return inner;
    }

    async function authenticated(browser: TestBrowser): Promise<boolean> {
      const response = await browser.request(`${bed.appUrl}/`, { headers: JSON_WANTED });
      assert.equal(response.status, 200, response.body);
      return (JSON.parse(response.body) as { authenticated: boolean }).authenticated;
    }

    /**
     * Starts `slow` (it waits at `gate`), logs out while it waits, then lets it finish: its answer,
     * after the logout's. Then the browser, with both answers' cookies, must be logged out, and the
     * store must hold no session.
     */
    async function race(browser: TestBrowser, store: SessionStore | undefined, gate: Gate, slow: () => Promise<BrowserResponse>): Promise<BrowserResponse> {
      const id = store === undefined ? undefined : sessionId(browser.cookies(bed.appUrl).get('oidc_session')!);
      const { arrived, release } = gate.hold();
      const pending = slow();
      await arrived;
      const logout = await browser.request(`${bed.appUrl}/logout`, LOGOUT);
      assert.equal(logout.status, 303, logout.body);
      if (id !== undefined) assert.equal(await store!.get(`session:${id}`), undefined, 'the logout deleted the record');
      release();
      const late = await pending;
      assert.ok(late.status < 500, `the late answer is no server error: ${late.status} ${late.body}`);
      assert.equal(await authenticated(browser), false, 'logged out, although the late answer came after the logout');
      if (id !== undefined) assert.equal(await store!.get(`session:${id}`), undefined, 'the session was not written back');
      return late;
    }

    const backends: Backend[] = ['cookie', 'memory', 'own store', 'redis'];
    for (const backend of backends) {
      test(`${backend}: a refresh at a slow provider, answered after the logout, does not log the user back in`, { ...BOUNDED, skip: backend === 'redis' ? unavailable : undefined }, async () => {
        const browser = bed.browser();
        const store = await logIn(backend, browser);
        const late = await race(browser, store, tokenGate, () => browser.request(`${bed.appUrl}/api/token?force=1`, { headers: JSON_WANTED }));
        if (store === undefined) {
          // A cookie session cannot be stopped on the server: the refresh goes through, its cookie arrives last, and is refused.
          assert.equal(late.status, 200, late.body);
          assert.ok(writesSession(late), 'the late answer did carry the refreshed session cookie');
        } else {
          assert.equal(late.status, 401, late.body);
          assert.equal((JSON.parse(late.body) as { reason?: string }).reason, 'ended');
        }
      });
    }

    test('cookie: a slow page whose rolling touch is answered after the logout does not log the user back in', BOUNDED, async () => {
      const browser = bed.browser();
      await logIn('cookie', browser, { touchInterval: 0 });
      const late = await race(browser, undefined, pageGate, () => browser.request(`${bed.appUrl}/slow`, { headers: JSON_WANTED }));
      assert.equal(late.status, 200, late.body);
      assert.ok(writesSession(late), 'the late answer did carry the touched session cookie');
    });

    for (const backend of ['memory', 'redis'] as const) {
      test(`${backend}: a rolling touch whose store write comes after the logout does not write the session back`, { ...BOUNDED, skip: backend === 'redis' ? unavailable : undefined }, async () => {
        const browser = bed.browser();
        const store = await logIn(backend, browser, { touchInterval: 0 });
        const late = await race(browser, store, storeGate, () => browser.request(`${bed.appUrl}/api/strict`, { headers: JSON_WANTED }));
        assert.equal(late.status, 401, late.body);
      });
    }
  });
}

for (const adapter of ADAPTERS) {
  describe(`a logout stays a logout, two instances on Redis (${adapter})`, { skip: unavailable }, () => {
    let pair: InstancePair;
    before(async () => {
      pair = await startInstancePair(adapter);
    });
    after(() => pair?.close());

    test('a refresh on A at a slow provider, answered after a logout on B, does not write the session back', BOUNDED, async () => {
      const { cookie } = await pair.logIn('ulrich');
      const id = sessionId(cookie.slice('oidc_session='.length));
      // One browser behind one public URL: A's. Both instances' answers go to its jar, in arrival order.
      const jar = new CookieJar();
      jar.store(pair.a.url, [`${cookie}; Path=/`]);
      const { arrived, release } = pair.holdTokenRequest();
      const slow = fetch(`${pair.a.url}/api/token?force=1`, { headers: { ...JSON_WANTED, cookie }, redirect: 'manual' });
      await arrived;
      const logout = await fetch(`${pair.b.url}/logout`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', cookie }, redirect: 'manual' });
      assert.equal(logout.status, 303, await logout.text());
      jar.store(pair.a.url, logout.headers.getSetCookie());
      release();
      const late = await slow;
      assert.equal(late.status, 401, await late.text());
      jar.store(pair.a.url, late.headers.getSetCookie());

      const peek = createClient({ url: pair.redis.url });
      await peek.connect();
      try {
        assert.equal(await peek.exists(`oidc-kit:session:${id}`), 0, 'the session was not written back to Redis');
      } finally {
        peek.destroy();
      }
      for (const app of [pair.a, pair.b]) {
        assert.equal((await getJson(`${app.url}/profile`, jar.header(pair.a.url))).status, 401, 'logged out on both instances');
        assert.equal((await getJson(`${app.url}/profile`, cookie)).status, 401, 'and so is the cookie from before the logout');
        pair.assertAlive(app);
      }
    });
  });
}
