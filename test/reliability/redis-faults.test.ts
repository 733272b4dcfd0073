/**
 * Issue 25, item 8: the session store failing under two app instances (real processes, one real
 * redis-server): Redis stopped mid-traffic, and Redis frozen (SIGSTOP: connections open, nothing
 * answers). 503 for what needs the store and only while it is away, never a crash or a false
 * logout; routes that need no session keep working; the outage is logged once when it starts and
 * once when it ends; sessions are intact when Redis is back. On every adapter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson as get } from '../support/app-process.ts';
import { type InstancePair, startInstancePair } from '../support/instance-pair.ts';
import { redisUnavailable } from '../support/redis-server.ts';
import { ADAPTERS } from '../support/testbed.ts';

const unavailable = redisUnavailable();
if (unavailable !== undefined) console.log(`# Redis fault tests skipped: ${unavailable}`);

for (const adapter of ADAPTERS) describe(`Redis faults under two app instances (${adapter})`, { skip: unavailable }, () => {
  let pair: InstancePair;
  before(async () => {
    pair = await startInstancePair(adapter);
  });
  after(() => pair?.close());

  test('Redis stopped mid-traffic: 503 for what needs it, the rest served, no crash; back: sessions intact', async () => {
    const { cookie } = await pair.logIn('dave');
    await pair.redis.stop();
    try {
      for (const app of [pair.a, pair.b]) {
        const profile = await get(`${app.url}/profile`, cookie);
        assert.equal(profile.status, 503);
        assert.equal(profile.body['error'], 'session_store_unavailable');
        assert.equal((await get(`${app.url}/health`, cookie)).status, 200, 'routes that need no session still work');
        const login = await fetch(`${app.url}/login`, { redirect: 'manual' });
        assert.equal(login.status, 302, 'starting a login needs no store');
        // Logging out cannot end a session it cannot read: an honest 503, not a false "logged out".
        const logout = await fetch(`${app.url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: String(pair.config['baseUrl']), accept: 'application/json' } });
        assert.equal(logout.status, 503);
      }
      for (const app of [pair.a, pair.b]) {
        const lines = app.stderr().split('\n').filter((line) => line.includes('session_store_unavailable'));
        assert.equal(lines.length, 1, `an outage is logged once, not per request: ${lines.join(' | ')}`);
      }
    } finally {
      await pair.redis.start();
    }
    // The clients reconnect by themselves (backing off to one attempt a second).
    for (const app of [pair.a, pair.b]) {
      let status = 0;
      for (let attempt = 0; attempt < 60 && status !== 200; attempt++) {
        status = (await get(`${app.url}/profile`, cookie)).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 200, 'the session came back with Redis');
      pair.assertAlive(app);
      // One line when the store went down (with the cause), one when it came back: not one per request.
      const down = app.stderr().split('\n').filter((line) => line.includes('the session store is down: session_store_unavailable'));
      assert.equal(down.length, 1, app.stderr());
      const back = app.stderr().split('\n').filter((line) => /the session store is back after \d+ s, \d+ request\(s\) failed meanwhile/.test(line));
      assert.equal(back.length, 1, app.stderr());
    }
    assert.match(pair.a.stderr(), /Redis connection problem/);
  });

  test('Redis stuck (no answers): 503 within the command timeout, then service resumes', async () => {
    const { cookie } = await pair.logIn('erin');
    pair.redis.pause();
    try {
      const started = Date.now();
      const profile = await get(`${pair.b.url}/profile`, cookie);
      assert.equal(profile.status, 503);
      assert.ok(Date.now() - started < 5000, 'not held until Redis answers');
    } finally {
      pair.redis.resume();
    }
    assert.equal((await get(`${pair.b.url}/profile`, cookie)).status, 200);
    pair.assertAlive(pair.b);
  });
});
