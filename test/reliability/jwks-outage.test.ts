/**
 * Issue 25 item 4: during a provider outage, JWT access tokens signed by keys the app already has
 * keep working (stale-while-revalidate, up to `jwksMaxStaleness`), an unknown kid does not hammer
 * the provider, and the app recovers once the provider is back. Also audit gap G6: a JWKS larger
 * than 512 KiB is the provider's fault (502), never the token's.
 *
 * The provider is a token-lab whose discovery names a `jwks_uri` on a server of the test's own,
 * which forwards to the lab: the test stops that server (the port refuses connections), starts one
 * on the same port that resets every connection (so that attempts can be counted), and finally
 * forwards again. Only `Date` is mocked, to be 30 minutes into the outage. On every adapter.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, describe, mock, test } from 'node:test';
import { assertAccepted, assertProviderFailure, type BearerApp, startBearerApp } from '../support/bearer-app.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { startTokenLab, type TokenLab } from '../support/token-lab.ts';

const MINUTE = 60_000;

/** The provider's key host: forwarding to the lab, refusing (closed port) or resetting connections (counted). */
class KeyHost {
  readonly lab: TokenLab;
  port = 0;
  /** Requests and connection attempts that reached this host while it was up or resetting. */
  attempts = 0;
  #server: Server | undefined;

  constructor(lab: TokenLab) {
    this.lab = lab;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/jwks`;
  }

  /** Serves the lab's JWKS (as the lab answers it). */
  async forward(): Promise<void> {
    await this.listen(createServer((_req, res) => {
      void fetch(`${this.lab.issuer}/jwks`).then(async (upstream) => {
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(await upstream.text());
      });
    }));
  }

  /** Accepts connections and resets them at once: a provider that is down, whose attempts are counted. */
  async reset(): Promise<void> {
    const server = createServer();
    server.on('connection', (socket) => socket.destroy());
    await this.listen(server);
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async listen(server: Server): Promise<void> {
    await this.stop();
    server.on('connection', () => { this.attempts += 1; });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }
}

for (const adapter of ADAPTERS) {
  describe(`JWT access tokens during a provider outage (${adapter})`, () => {
    const cleanup: Array<() => Promise<void>> = [];
    afterEach(() => mock.timers.reset());
    after(async () => {
      for (const close of cleanup) await close();
    });

    /** A lab, its key host (forwarding), and an API that takes its tokens. */
    async function start(jwksMaxStaleness?: number): Promise<{ app: BearerApp; host: KeyHost; lab: TokenLab }> {
      const lab = await startTokenLab();
      const host = new KeyHost(lab);
      await host.forward();
      lab.metadataOverrides['jwks_uri'] = host.url;
      const app = await startBearerApp({ adapter, lab, ...(jwksMaxStaleness === undefined ? {} : { options: { jwksMaxStaleness } }) });
      cleanup.push(async () => { await app.close(); await host.stop(); await lab.close(); });
      return { app, host, lab };
    }

    test('30 minutes into an outage, tokens signed by known keys get 200; an unknown kid gets 503 and at most one attempt per 30 s; past jwksMaxStaleness 503; back → 200', async () => {
      const { app, host, lab } = await start(3600);
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      assertAccepted(await app.bearer(await lab.mint({ jti: 'warm' })));
      assert.equal(host.attempts, 1);

      await host.stop();
      mock.timers.tick(30 * MINUTE);
      // The keys are 30 minutes old: the first use starts a revalidation (refused) and answers at once.
      for (let i = 0; i < 5; i += 1) assertAccepted(await app.bearer(await lab.mint({ jti: `down-${i}` })));
      assertAccepted(await app.bearer(await lab.mint({ jti: 'down-es' }, { key: lab.keys[1] })));
      const stranger = await lab.generateKey('RS256');
      assertProviderFailure(await app.bearer(await lab.mint({ jti: 'unknown-kid' }, { key: stranger })), 503);

      // Down and counted: tokens with made-up kids, and known ones, make at most one attempt per 30 s.
      await host.reset();
      mock.timers.tick(31_000);
      const madeUp = await Promise.all(Array.from({ length: 10 }, (_, i) => lab.mint({ jti: `made-up-${i}` }, { header: { kid: `made-up-${i}` } })));
      for (const token of madeUp) assertProviderFailure(await app.bearer(token), 503);
      for (let i = 0; i < 10; i += 1) assertAccepted(await app.bearer(await lab.mint({ jti: `known-${i}` })));
      assert.ok(host.attempts <= 2, `${host.attempts - 1} attempts in one cooldown`);
      const attempts = host.attempts;
      mock.timers.tick(31_000);
      for (const token of madeUp) assertProviderFailure(await app.bearer(token), 503);
      assert.ok(host.attempts - attempts <= 1, `${host.attempts - attempts} attempts in the next cooldown`);

      const outages = app.warnings.filter((w) => /signing keys of provider "default" could not be fetched/.test(w));
      assert.equal(outages.length, 1, app.warnings.join('\n'));
      assert.doesNotMatch(outages[0]!, /eyJ/, 'no token in the log');

      // Past 10 fresh minutes + an hour of staleness: the keys are no longer used.
      mock.timers.tick(45 * MINUTE);
      assertProviderFailure(await app.bearer(await lab.mint({ jti: 'too-stale' })), 503);

      await host.forward();
      assertAccepted(await app.bearer(await lab.mint({ jti: 'back' })));
      assert.equal(app.warnings.filter((w) => /could be fetched again/.test(w)).length, 1, app.warnings.join('\n'));
    });

    test('by default the last good keys serve for a day: 23 hours into an outage still 200, after 25 hours 503', async () => {
      const { app, host, lab } = await start();
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      assertAccepted(await app.bearer(await lab.mint({ jti: 'warm' })));
      await host.stop();
      mock.timers.tick(23 * 60 * MINUTE);
      assertAccepted(await app.bearer(await lab.mint({ jti: 'day' })));
      mock.timers.tick(2 * 60 * MINUTE);
      assertProviderFailure(await app.bearer(await lab.mint({ jti: 'two-days' })), 503);
    });

    test('jwksMaxStaleness: 0 keeps the old rule: keys older than 10 minutes are not used while the provider is down', async () => {
      const { app, host, lab } = await start(0);
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      assertAccepted(await app.bearer(await lab.mint({ jti: 'warm' })));
      await host.stop();
      mock.timers.tick(11 * MINUTE);
      assertProviderFailure(await app.bearer(await lab.mint({ jti: 'stale' })), 503);
      assertProviderFailure(await app.bearer(await lab.mint({ jti: 'still-stale' })), 503);
      const outages = app.warnings.filter((w) => /could not be fetched/.test(w));
      assert.equal(outages.length, 1, 'said once, not per request');
      assert.match(outages[0]!, /tokens cannot be verified until they can/);
    });

    test('G6: a JWKS larger than 512 KiB → 502 provider_error (reason jwks_size), never a 401; recovers when it is small again', async () => {
      const { app, lab } = await start();
      const token = await lab.mint();
      lab.jwks = () => ({ body: { keys: lab.keys.map((k) => k.publicJwk), padding: 'x'.repeat(600 * 1024) } });
      assertProviderFailure(await app.bearer(token), 502, 'jwks_size');
      lab.jwks = undefined;
      assertAccepted(await app.bearer(token));
    });
  });
}
