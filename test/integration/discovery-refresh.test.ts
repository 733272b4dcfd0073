/**
 * DISC-07: discovered metadata is fetched again after 24 hours, in the background, checked as on
 * first use; a provider that now names another issuer (or fails) leaves the previous metadata in
 * use. The clock is mocked (Date only); the provider is a scripted discovery endpoint on node:http.
 * On every adapter.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, mock, test } from 'node:test';

import { serveTestApp, type ServedApp } from '../support/test-app.ts';
import { ADAPTERS, SECRET } from '../support/testbed.ts';

for (const adapter of ADAPTERS) {
  describe(`discovery refresh (${adapter})`, () => {
    let provider: Server;
    let app: ServedApp;
    let issuer: string;
    let documents = 0;
    /** What the discovery endpoint answers now. */
    let metadata: () => Record<string, unknown>;
    const warnings: string[] = [];

    before(async () => {
      provider = createServer((_req, res) => {
        documents += 1;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(metadata()));
      });
      await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
      issuer = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
      metadata = () => document('/authorize');
      app = await serveTestApp(adapter, (url) => ({
        baseUrl: url, secret: SECRET, issuer, clientId: 'app', clientSecret: 'secret',
        logger: { warn: (message) => warnings.push(message) },
      }));
    });
    after(async () => {
      mock.timers.reset();
      await app.close();
      await new Promise<void>((resolve) => provider.close(() => resolve()));
    });

    function document(authorizationPath: string, iss = issuer): Record<string, unknown> {
      return {
        issuer: iss, authorization_endpoint: `${issuer}${authorizationPath}`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
      };
    }

    /** Where /login sends the browser: the authorization endpoint in use. */
    async function authorizationPath(): Promise<string> {
      const response = await fetch(`${app.url}/login`, { redirect: 'manual' });
      return new URL(response.headers.get('location')!).pathname;
    }

    /** Logins until the endpoint in use is `expected` (the refresh runs in the background), at most a second. */
    async function eventually(expected: string): Promise<string> {
      let path = '';
      for (let attempt = 0; attempt < 40 && path !== expected; attempt++) {
        path = await authorizationPath();
        if (path !== expected) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return path;
    }

    test('DISC-07, CFG-01: metadata is reused for a day, then fetched again; an issuer change is never accepted', async () => {
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      assert.equal(await authorizationPath(), '/authorize');
      assert.equal(await authorizationPath(), '/authorize');
      assert.equal(documents, 1, 'cached');

      metadata = () => document('/authorize-v2');
      mock.timers.tick(23 * 3600 * 1000);
      assert.equal(await authorizationPath(), '/authorize', 'still fresh after 23 hours');
      assert.equal(documents, 1);
      mock.timers.tick(2 * 3600 * 1000);
      assert.equal(await eventually('/authorize-v2'), '/authorize-v2', 'moved endpoints are picked up after a day');
      assert.equal(documents, 2);

      metadata = () => document('/evil', 'https://attacker.example');
      mock.timers.tick(25 * 3600 * 1000);
      await authorizationPath();
      for (let attempt = 0; attempt < 40 && documents < 3; attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal(documents, 3);
      assert.equal(await authorizationPath(), '/authorize-v2', 'the previous metadata stays in use');
      assert.ok(warnings.some((w) => /refreshing the metadata at .* failed \(discovery_issuer_mismatch\); the current configuration stays in use/.test(w)));
      assert.equal(documents, 3, 'and is not fetched on every request meanwhile');

      metadata = () => document('/authorize-v3');
      mock.timers.tick(16 * 60 * 1000);
      assert.equal(await eventually('/authorize-v3'), '/authorize-v3', 'retried later, and recovers');
    });
  });
}
