/**
 * Logs that cannot be flooded (issue 25, item 7), over real HTTP on every adapter:
 * - refusals an outsider causes (forged callbacks, bearer tokens, logout tokens) reach `warn` as the
 *   first of their kind and then rate-limited summaries, and `debug` (when the logger has one) in
 *   full, one line each;
 * - a provider that is down is logged once when it goes down, with the cause, and once when it is
 *   back, not once per failed request.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { UnsecuredJWT } from 'jose';
import { devClient, startDevProvider } from '../../src/dev-provider/dev-provider.ts';
import type { Logger } from '../../src/index.ts';
import { startBearerApp } from '../support/bearer-app.ts';
import { freePort } from '../support/app-process.ts';
import { serveTestApp } from '../support/test-app.ts';
import { ADAPTERS, CLIENT_SECRET, SECRET, withTestbed } from '../support/testbed.ts';

/** A logger that keeps its lines; `debug` only when asked for, as with a logger that has none. */
function recordingLogger(withDebug: boolean): { logger: Logger; warn: string[]; debug: string[] } {
  const warn: string[] = [];
  const debug: string[] = [];
  const logger: Logger = withDebug
    ? { warn: (message) => warn.push(message), debug: (message) => debug.push(message) }
    : { warn: (message) => warn.push(message) };
  return { logger, warn, debug };
}

/** At most this many `warn` lines for a burst of refusals of one kind (the first, and summaries if a minute passed). */
const HANDFUL = 3;

for (const adapter of ADAPTERS) {
  describe(`logs that cannot be flooded (${adapter})`, () => {
    for (const withDebug of [false, true]) {
      const logger = withDebug ? 'a logger with debug' : 'a warn-only logger';

      test(`200 callbacks with a made-up state → a handful of warn lines; ${logger}${withDebug ? ': every refusal at debug' : ''}`, async () => {
        const log = recordingLogger(withDebug);
        await withTestbed({ adapter, oidc: { logger: log.logger } }, async (bed) => {
          for (let i = 0; i < 200; i++) {
            const response = await fetch(`${bed.appUrl}/callback?code=${randomUUID()}&state=${randomUUID()}`, { headers: { accept: 'application/json' } });
            assert.equal(response.status, 400);
            await response.body?.cancel();
          }
          const refusals = log.warn.filter((line) => line.startsWith('login failed:'));
          assert.ok(refusals.length >= 1 && refusals.length <= HANDFUL, log.warn.join('\n'));
          assert.equal(log.warn.length, refusals.length, `nothing else logged: ${log.warn.join('\n')}`);
          if (withDebug) {
            assert.equal(log.debug.length, 200, 'each refusal in full at debug');
            assert.ok(log.debug.every((line) => line.startsWith('login failed:')), log.debug.slice(0, 3).join('\n'));
          }
        });
      });

      test(`100 forged bearer tokens → a handful of warn lines; ${logger}${withDebug ? ': every refusal at debug' : ''}`, async () => {
        const log = recordingLogger(withDebug);
        const app = await startBearerApp({ adapter, options: { logger: log.logger } });
        try {
          const [header, , signature] = (await app.lab.mint()).split('.');
          const protectedHeader = JSON.parse(Buffer.from(header!, 'base64url').toString()) as Record<string, unknown>;
          for (let i = 0; i < 100; i++) {
            // A real signature over another payload: a forgery that only the signature check catches.
            const forged = app.lab.unsigned(protectedHeader, { iss: app.lab.issuer, aud: 'https://api.example', sub: `admin-${i}`, exp: Math.floor(Date.now() / 1000) + 60 }, signature);
            assert.equal((await app.bearer(forged)).status, 401);
          }
          // A refused bearer token is said to the client in its challenge; `warn` never carried it.
          assert.ok(log.warn.length <= HANDFUL, log.warn.join('\n'));
          if (withDebug) assert.equal(log.debug.filter((line) => line.startsWith('bearer token refused: invalid_token:signature')).length, 100, log.debug.slice(0, 3).join('\n'));
        } finally {
          await app.close();
        }
      });

      test(`100 bad logout tokens → a handful of warn lines; ${logger}${withDebug ? ': every refusal at debug' : ''}`, async () => {
        const log = recordingLogger(withDebug);
        await withTestbed({ adapter, oidc: { logger: log.logger, routes: { backchannelLogout: '/backchannel-logout' } } }, async (bed) => {
          for (let i = 0; i < 100; i++) {
            const token = new UnsecuredJWT({ iss: bed.op.issuer, aud: 'demo-client', sub: 'alice', jti: randomUUID(), events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })
              .setIssuedAt().setExpirationTime('2m').encode();
            const response = await fetch(`${bed.appUrl}/backchannel-logout`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ logout_token: token }),
            });
            assert.equal(response.status, 400);
            await response.body?.cancel();
          }
          const refusals = log.warn.filter((line) => line.startsWith('back-channel logout refused: logout_token_invalid'));
          assert.ok(refusals.length >= 1 && refusals.length <= HANDFUL, log.warn.join('\n'));
          assert.equal(log.warn.length, refusals.length, `nothing else logged: ${log.warn.join('\n')}`);
          if (withDebug) assert.equal(log.debug.length, 100, 'each refusal in full at debug');
        });
      });
    }

    describe('a provider that goes down and comes back', () => {
      const closers: Array<() => Promise<void>> = [];
      after(async () => {
        for (const close of closers) await close();
      });

      test('one "down" line with the cause for many failed requests, one "back" line after the first success', async () => {
        const port = await freePort();
        const issuer = `http://127.0.0.1:${port}`;
        const log = recordingLogger(false);
        const app = await serveTestApp(adapter, (url) => ({
          baseUrl: url, secret: SECRET, issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET, httpTimeout: 500, logger: log.logger,
        }));
        closers.push(() => app.close());
        for (let i = 0; i < 30; i++) {
          const response = await fetch(`${app.url}/login`, { headers: { accept: 'application/json' }, redirect: 'manual' });
          assert.equal(response.status, 503);
          await response.body?.cancel();
        }
        const provider = `provider "default" (${issuer})`;
        assert.equal(log.warn.length, 1, log.warn.join('\n'));
        // The cause is named: our code and message, and the network's own words in parentheses.
        assert.match(log.warn[0]!, new RegExp(`^${escape(provider)} is down: provider_unavailable: .+ \\(.+\\)$`));

        const op = await startDevProvider({ port, clients: [{ ...devClient(`${app.url}/callback`), client_secret: CLIENT_SECRET }] });
        closers.push(() => op.close());
        for (let i = 0; i < 3; i++) {
          const response = await fetch(`${app.url}/login`, { redirect: 'manual' });
          assert.equal(response.status, 302, 'the provider is back');
          await response.body?.cancel();
        }
        assert.equal(log.warn.length, 2, log.warn.join('\n'));
        assert.match(log.warn[1]!, new RegExp(`^${escape(provider)} is back after \\d+ s, 30 request\\(s\\) failed meanwhile$`));
      });
    });
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
