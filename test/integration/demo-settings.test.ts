/**
 * The demo's environment contract at start-up (`npm run demo`, examples/demo/main.ts): bad settings
 * are refused in one line, before anything listens, whatever the framework; `DEMO_FRAMEWORK` picks
 * the framework and Express is the default. The demo's pages and routes: demo.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnDemo, startDemo } from '../support/demo-process.ts';

void test('demo refuses OIDC_ISSUER without a client id and secret, in one line', async (t) => {
  const spawned = spawnDemo(t, { PORT: '0', OIDC_ISSUER: 'https://accounts.example.com' });
  assert.equal(await spawned.exited, 1);
  const message = spawned.stderr().trim();
  assert.doesNotMatch(message, /\n/);
  assert.match(message, /OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set/);
  assert.equal(spawned.stdout(), '');
});

void test('demo refuses a REDIS_URL that is not a redis:// URL, in one line', async (t) => {
  const spawned = spawnDemo(t, { PORT: '0', REDIS_URL: 'localhost:6379' });
  assert.equal(await spawned.exited, 1);
  assert.match(spawned.stderr().trim(), /^[^\n]*REDIS_URL must look like redis:\/\/localhost:6379[^\n]*$/);
});

void test('demo refuses an unknown DEMO_FRAMEWORK, in one line, and names the framework it runs on', async (t) => {
  const spawned = spawnDemo(t, { PORT: '0', DEMO_FRAMEWORK: 'koa' });
  assert.equal(await spawned.exited, 1);
  assert.equal(spawned.stderr().trim(), 'demo: DEMO_FRAMEWORK must be one of express, fastify, hono, fetch (got "koa").');

  const demo = await startDemo(t, { PORT: '0' });
  assert.match(demo.stdout(), /^oidc-kit demo on Express \(oidc-kit\/express\)$/m, 'Express is the default');
  await demo.stop();
});
