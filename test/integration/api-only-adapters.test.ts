/**
 * An API that only accepts bearer tokens (`resourceServerOnly`) needs no app-wide part of oidc-kit
 * on any framework: Fastify without the plugin, Hono without the middleware, the fetch adapter's
 * handler (Express: resource-server.test.ts). Each guard opens the request's context itself; scope
 * checks follow it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import { OpenIDConnect as FastifyOpenIDConnect } from '../../src/fastify.ts';
import { OpenIDConnect as FetchOpenIDConnect } from '../../src/fetch.ts';
import { OpenIDConnect as HonoOpenIDConnect, type OidcEnv } from '../../src/hono.ts';
import { AUDIENCE, RS_CLIENT_ID, RS_CLIENT_SECRET } from '../support/bearer-app.ts';
import { startTokenLab, type TokenLab } from '../support/token-lab.ts';

describe('API-only: guards without the app-wide plugin or middleware (fastify, hono, fetch)', () => {
  let lab: TokenLab;
  let fastify: FastifyInstance;
  let web: Server;
  const urls: Record<'fastify' | 'hono' | 'fetch', string> = { fastify: '', hono: '', fetch: '' };

  before(async () => {
    lab = await startTokenLab();
    const options = { resourceServerOnly: true, issuer: lab.issuer, clientId: RS_CLIENT_ID, clientSecret: RS_CLIENT_SECRET, resourceServer: { audience: AUDIENCE }, logger: { warn() {} } };

    const fastifyOidc = new FastifyOpenIDConnect(options);
    fastify = Fastify();
    fastify.get('/api', { preHandler: fastifyOidc.acceptToken() }, (request) => ({ sub: request.oidc.token?.sub }));
    fastify.get('/admin', { preHandler: [fastifyOidc.acceptToken(), fastifyOidc.requireScopes('admin')] }, (request) => ({ sub: request.oidc.token?.sub }));
    fastify.setErrorHandler(fastifyOidc.errorHandler());
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    urls.fastify = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;

    const honoOidc = new HonoOpenIDConnect(options);
    const hono = new Hono<OidcEnv>();
    hono.get('/api', honoOidc.acceptToken(), (c) => c.json({ sub: c.var.oidc.token?.sub }));
    hono.get('/admin', honoOidc.acceptToken(), honoOidc.requireScopes('admin'), (c) => c.json({ sub: c.var.oidc.token?.sub }));
    hono.onError(honoOidc.errorHandler());

    const fetchOidc = new FetchOpenIDConnect(options);
    const api = fetchOidc.handler([fetchOidc.acceptToken()], (_request, oidc) => Response.json({ sub: oidc.token?.sub }));
    const admin = fetchOidc.handler([fetchOidc.acceptToken(), fetchOidc.requireScopes('admin')], (_request, oidc) => Response.json({ sub: oidc.token?.sub }));

    // One server: /hono/… to Hono, /fetch/… to the fetch handlers.
    const honoListener = getRequestListener((request) => hono.fetch(new Request(request.url.replace('/hono/', '/'), request)));
    const fetchListener = getRequestListener((request) => (new URL(request.url).pathname === '/fetch/admin' ? admin(request) : api(request)));
    web = createServer((req, res) => void (req.url!.startsWith('/hono/') ? honoListener(req, res) : fetchListener(req, res)));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    urls.hono = `${base}/hono`;
    urls.fetch = `${base}/fetch`;
  });
  after(async () => {
    await fastify.close();
    web.closeAllConnections();
    await new Promise<void>((resolve) => web.close(() => resolve()));
    await lab.close();
  });

  for (const adapter of ['fastify', 'hono', 'fetch'] as const) {
    test(`${adapter}: a valid token is accepted; none gets 401 with a challenge; a missing scope 403`, async () => {
      const token = await lab.mint({ sub: 'api-user', scope: 'read' });
      const ok = await fetch(`${urls[adapter]}/api`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { sub: 'api-user' });
      const none = await fetch(`${urls[adapter]}/api`);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
      assert.equal(none.headers.get('set-cookie'), null, 'an API sets no cookie');
      const scoped = await fetch(`${urls[adapter]}/admin`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(scoped.status, 403);
      assert.match(scoped.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    });
  }
});
