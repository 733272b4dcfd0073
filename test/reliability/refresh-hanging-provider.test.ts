/**
 * Issue 25, item 1: a session's refresh when the provider's token endpoint hangs, with two app
 * instances sharing a real redis-server. Every request of the session that needs the refresh waits
 * at most one provider timeout (plus a margin): the refresh that failed is shared by the requests
 * that waited for it, in one process and across processes, rather than tried again by each of
 * them in turn. Once the provider answers again, the next request refreshes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { devClient, startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { type AppProcess, freePort, getJson, startAppProcess } from '../support/app-process.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { CookieJar } from '../support/cookie-jar.ts';
import { redisUnavailable, startRedis, type RedisServer } from '../support/redis-server.ts';
import { ADAPTERS, CLIENT_SECRET, SECRET } from '../support/testbed.ts';

const unavailable = redisUnavailable();
if (unavailable !== undefined) console.log(`# Reliability tests on Redis skipped: ${unavailable}`);

/** The apps' provider timeout (ms). */
const HTTP_TIMEOUT = 1000;
/** What a request may wait beyond it: oidc-kit's margin (1 s) and slack for a loaded test machine. */
const ALLOWED_WAIT = HTTP_TIMEOUT + 2000;
/** How long the hanging token endpoint holds a request before giving up without an answer of use. */
const HANG_MS = 6000;

describe('refresh while the provider hangs, two instances on Redis', { skip: unavailable }, () => {
  let redis: RedisServer;
  let op: DevProvider;
  let hanging = false;
  let tokenCalls = 0;
  /** Each adapter's two ports, known before the provider starts: its client lists their callbacks. */
  const ports = new Map<string, [number, number]>();

  before(async () => {
    redis = await startRedis();
    for (const adapter of ADAPTERS) ports.set(adapter, [await freePort(), await freePort()]);
    op = await startDevProvider({
      clients: [{
        ...devClient('http://127.0.0.1/callback'),
        client_secret: CLIENT_SECRET,
        redirect_uris: [...ports.values()].map(([port]) => `http://127.0.0.1:${port}/callback`),
      }],
      configuration: { rotateRefreshToken: () => true },
      intercept(req, res, pass) {
        if (req.method !== 'POST' || req.url !== '/token') return pass();
        tokenCalls++;
        if (!hanging) return pass();
        // A token endpoint that hangs, then fails without having redeemed anything.
        setTimeout(() => {
          res.statusCode = 503;
          res.end();
        }, HANG_MS).unref();
      },
    });
  });
  after(async () => {
    await op?.close();
    await redis?.close();
  });

  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      let a: AppProcess;
      let b: AppProcess;

      before(async () => {
        const [portA, portB] = ports.get(adapter)!;
        // Behind a load balancer both instances have one public URL; here it is A's.
        const baseUrl = `http://127.0.0.1:${portA}`;
        const config = { adapter, issuer: op.issuer, baseUrl, redisUrl: redis.url, secret: SECRET, clientId: 'demo-client', clientSecret: CLIENT_SECRET, httpTimeout: HTTP_TIMEOUT };
        [a, b] = await Promise.all([startAppProcess({ ...config, port: portA }), startAppProcess({ ...config, port: portB })]);
      });
      after(async () => {
        await Promise.all([a?.stop(), b?.stop()]);
      });

      test('each request waits at most one provider timeout, the provider is asked once, and the session refreshes once it is back', async () => {
        const jar = new CookieJar();
        const { response } = await loginThroughProvider(new TestBrowser(jar), `${a.url}/profile`, 'hana');
        assert.equal(response.status, 200, response.body);
        const cookie = jar.header(`${a.url}/profile`);

        hanging = true;
        const before = tokenCalls;
        let answers: Array<{ status: number; error: unknown; retryAfter: string | null; waited: number }>;
        try {
          // Two requests of the session on each instance, all needing the refresh at once.
          answers = await Promise.all([a, b, a, b].map(async (app) => {
            const started = Date.now();
            const answer = await getJson(`${app.url}/api/token?force=1`, cookie);
            return { status: answer.status, error: answer.body['error'], retryAfter: answer.headers.get('retry-after'), waited: Date.now() - started };
          }));
        } finally {
          hanging = false;
        }
        for (const answer of answers) {
          assert.equal(answer.status, 503, JSON.stringify(answer));
          assert.equal(answer.error, 'provider_unavailable');
          assert.match(answer.retryAfter ?? '', /^[1-9]\d*$/, 'a 503 says when to come back');
          assert.ok(answer.waited < ALLOWED_WAIT, `no request waits past one provider timeout and the margin: ${answers.map((x) => x.waited).join(', ')} ms`);
        }
        assert.equal(tokenCalls - before, 1, 'the failed refresh was shared, not tried again by each waiting request');

        // The provider answers again: the next request, which waited for nothing, refreshes at once.
        const recovered = await getJson(`${b.url}/api/token?force=1`, cookie);
        assert.equal(recovered.status, 200, JSON.stringify(recovered.body));
        assert.equal((await getJson(`${a.url}/profile`, cookie)).status, 200, 'the session survived the outage');
        for (const app of [a, b]) assert.equal(app.child.exitCode, null, app.stderr());
      });
    });
  }
});
