/**
 * One instance of an app on Redis sessions, run as its own process by the Redis tests (several of
 * them share one Redis, like instances behind a load balancer). Configured by the environment:
 * OIDC_APP = JSON { adapter, issuer, port, baseUrl, redisUrl, secret, clientId, clientSecret, httpTimeout, dpop }, on the
 * adapter named (default Express 5), with its routes declared as data. Prints
 * `listening <url>` when ready; warnings go to stderr. An unhandled rejection or exception is
 * fatal here (exit 70), so a test sees it as a crash.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedisStore } from '../../src/redis.ts';
import { type AdapterName, buildTestApp } from './test-app.ts';
import { get } from './test-routes.ts';

const config = JSON.parse(process.env['OIDC_APP'] ?? '{}') as {
  adapter?: AdapterName; issuer: string; port: number; baseUrl: string; redisUrl: string; secret: string; clientId: string; clientSecret: string; httpTimeout?: number; dpop?: boolean;
};
for (const event of ['unhandledRejection', 'uncaughtException'] as const) {
  process.on(event, (error) => {
    console.error(`FATAL ${event}:`, error);
    process.exit(70);
  });
}

const logger = { warn: (message: string) => console.error(`warn: ${message}`) };
const store = createRedisStore({ url: config.redisUrl, logger, commandTimeout: 500 });
const app = buildTestApp(config.adapter ?? 'express5', {
  baseUrl: config.baseUrl,
  secret: config.secret,
  issuer: config.issuer,
  clientId: config.clientId,
  clientSecret: config.clientSecret,
  scope: 'openid email profile offline_access',
  session: { store },
  routes: { backchannelLogout: '/backchannel-logout' },
  httpTimeout: config.httpTimeout ?? 3000,
  ...(config.dpop === true ? { dpop: true } : {}),
  logger,
}, {
  standardRoutes: false,
  routes: [
    get('/health', [], () => ({ json: { pid: process.pid } })),
    get('/profile', [['requireLogin']], ({ oidc }) => ({ json: { sub: oidc.user?.sub, pid: process.pid } })),
    get('/api/token', [['requireLogin']], async ({ oidc, query }) => ({
      json: { accessToken: await oidc.accessToken({ forceRefresh: query.get('force') === '1' }), pid: process.pid },
    })),
    // An API call with the session's token (the provider's UserInfo): with dpop, a proof of the session's key.
    get('/api-call', [['requireLogin']], async ({ oidc, query }) => {
      const response = await oidc.fetch(query.get('url') ?? '');
      return { json: { status: response.status, body: await response.text(), pid: process.pid } };
    }),
  ],
});

// Serve once Redis answers, as an app behind a load balancer's health check would.
await store.ready().catch((error: unknown) => logger.warn(error instanceof Error ? error.message : String(error)));
const server = createServer(app.listener);
server.listen(config.port, '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void store.close().then(() => process.exit(0));
});
