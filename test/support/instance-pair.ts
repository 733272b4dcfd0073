/**
 * Two app instances (processes of their own, test/support/redis-app.ts) behind one public URL,
 * sharing a real redis-server, against the in-process oidc-provider with refresh-token rotation:
 * the fixture of the Redis suite and of the reliability suite's Redis faults.
 */
import assert from 'node:assert/strict';
import { devClient, startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { type AppProcess, freePort, startAppProcess } from './app-process.ts';
import { loginThroughProvider, TestBrowser } from './browser.ts';
import { CookieJar } from './cookie-jar.ts';
import { startRedis, type RedisServer } from './redis-server.ts';
import { type AdapterName, CLIENT_SECRET, SECRET } from './testbed.ts';

/** A running pair; `a` and `b` may be replaced (see {@link InstancePair.restartA}). */
export interface InstancePair {
  readonly redis: RedisServer;
  readonly op: DevProvider;
  readonly a: AppProcess;
  readonly b: AppProcess;
  /** What both apps were started with (OIDC_APP), `baseUrl` included. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Token requests the provider has received so far. */
  tokenRequests(): number;
  /** Milliseconds the provider's token endpoint waits before answering (0: at once). */
  tokenDelay: number;
  /**
   * Holds the next token request at the provider: `arrived` resolves once it is there (the app is
   * waiting for the provider), and the provider answers it after `release()`.
   */
  holdTokenRequest(): { arrived: Promise<void>; release: () => void };
  /** Logs `user` in through A; returns the session cookie, which B receives too (same site). */
  logIn(user: string): Promise<{ cookie: string; browser: TestBrowser }>;
  /** Fails unless the app process is still running and logged nothing fatal. */
  assertAlive(app: AppProcess): void;
  /** Stops A and starts it again on the same port. */
  restartA(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts Redis, the provider and the two app instances on `adapter` (with `dpop`, their sessions' tokens DPoP-bound).
 *
 * @example
 * ```ts
 * let pair: InstancePair;
 * before(async () => { pair = await startInstancePair('hono'); });
 * after(() => pair.close());
 * ```
 */
export async function startInstancePair(adapter: AdapterName, options: { dpop?: boolean } = {}): Promise<InstancePair> {
  const redis = await startRedis();
  const [portA, portB] = [await freePort(), await freePort()];
  // Behind a load balancer both instances have one public URL; here it is A's.
  const baseUrl = `http://127.0.0.1:${portA}`;
  let tokenDelay = 0;
  let hold: { reached: () => void; released: Promise<void> } | undefined;
  const op = await startDevProvider({
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
      const held = req.url === '/token' ? hold : undefined;
      if (held !== undefined) {
        hold = undefined;
        held.reached();
        void held.released.then(pass);
      } else if (tokenDelay > 0 && req.url === '/token') setTimeout(pass, tokenDelay);
      else pass();
    },
  });
  const config = { adapter, issuer: op.issuer, baseUrl, redisUrl: redis.url, secret: SECRET, clientId: 'demo-client', clientSecret: CLIENT_SECRET, ...(options.dpop ? { dpop: true } : {}) };
  const started = await Promise.all([startAppProcess({ ...config, port: portA }), startAppProcess({ ...config, port: portB })]);
  let a = started[0];
  const b = started[1];
  return {
    redis,
    op,
    get a() { return a; },
    get b() { return b; },
    config,
    tokenRequests: () => op.requests.filter((r) => r.method === 'POST' && r.path === '/token').length,
    get tokenDelay() { return tokenDelay; },
    set tokenDelay(ms: number) { tokenDelay = ms; },
    holdTokenRequest() {
      let reached = (): void => undefined;
      let release = (): void => undefined;
      const arrived = new Promise<void>((resolve) => { reached = resolve; });
      const released = new Promise<void>((resolve) => { release = resolve; });
      hold = { reached, released };
      return { arrived, release };
    },
    async logIn(user) {
      const jar = new CookieJar();
      const browser = new TestBrowser(jar);
      const { response } = await loginThroughProvider(browser, `${a.url}/profile`, user);
      assert.equal(response.status, 200, response.body);
      const cookie = jar.header(`${a.url}/profile`);
      assert.ok(cookie !== undefined);
      // A sealed id: short, and no JWT (whose parts are joined by dots). Not /eyJ/: random ciphertext contains it now and then.
      assert.ok(cookie.length < 200 && !cookie.includes('.'), `the cookie holds an id, not tokens: ${cookie.length} characters`);
      return { cookie, browser };
    },
    assertAlive(app) {
      assert.equal(app.child.exitCode, null, `the app is still running: ${app.stderr()}`);
      assert.doesNotMatch(app.stderr(), /FATAL/);
    },
    async restartA() {
      await a.stop();
      a = await startAppProcess({ ...config, port: portA });
    },
    async close() {
      await Promise.all([a.stop(), b.stop()]);
      await op.close();
      await redis.close();
    },
  };
}
