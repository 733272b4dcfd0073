/**
 * ProviderKeySet against a JWKS on node:http (real fetches, no mocks; only `Date` is moved):
 * single-flight fetches, stale-while-revalidate, the unknown-kid cooldowns (30 s from outside, 1 s
 * for the provider's own JWTs), what an unknown kid gets during an outage, one log line per state
 * change, and the size bound (G6) for an answer without Content-Length.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, before, after, mock, test } from 'node:test';
import { errors as joseErrors, exportJWK, generateKeyPair, type JWK } from 'jose';
import { OidcError } from '../../src/errors.ts';
import { ProviderKeySet } from '../../src/provider/provider-key-set.ts';

const MINUTE = 60_000;

/** How the JWKS endpoint answers now. */
let answer: (req: IncomingMessage, res: ServerResponse) => void;
let requests = 0;
let uri = '';
let published: JWK;
let unpublished: JWK;
const server = createServer((req, res) => {
  requests += 1;
  answer(req, res);
});
const serveKeys = (delayMs = 0) => (_req: IncomingMessage, res: ServerResponse): void => {
  setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [published] })), delayMs);
};

before(async () => {
  const publicJwk = async (kid: string): Promise<JWK> => ({ ...await exportJWK((await generateKeyPair('ES256')).publicKey), kid, alg: 'ES256', use: 'sig' });
  published = await publicJwk('known');
  unpublished = await publicJwk('new');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(() => {
  mock.timers.reset();
  requests = 0;
});

function keySet(maxStalenessMs = 3600_000): { keys: ProviderKeySet; warnings: string[] } {
  const warnings: string[] = [];
  answer = serveKeys();
  const keys = new ProviderKeySet({ uri, timeoutMs: 300, maxStalenessMs, provider: 'op', logger: { warn: (message) => warnings.push(message) } });
  return { keys, warnings };
}

const header = (kid: string): { alg: string; kid: string } => ({ alg: 'ES256', kid });

test('concurrent cold uses share one fetch', async () => {
  const { keys } = keySet();
  answer = serveKeys(50);
  const found = await Promise.all(Array.from({ length: 10 }, () => keys.getKey(header('known'))));
  assert.equal(found.length, 10);
  assert.equal(requests, 1);
});

test('stale keys answer at once while one background revalidation runs, for any number of uses', async () => {
  const { keys } = keySet();
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  await keys.getKey(header('known'));
  mock.timers.tick(11 * MINUTE);
  answer = () => { /* hangs until the 300 ms timeout */ };
  const started = performance.now();
  await Promise.all(Array.from({ length: 10 }, () => keys.getKey(header('known'))));
  assert.ok(performance.now() - started < 250, 'did not wait for the revalidation');
  await sleep(100); // the revalidation reaches the server
  assert.equal(requests, 2, 'one revalidation');
});

test('an unknown kid refetches at most every 30 s (tokens from outside) or every second (the provider\'s own JWTs)', async () => {
  const { keys } = keySet();
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  await keys.getKey(header('known'));
  await assert.rejects(keys.getKey(header('made-up-0')), joseErrors.JWKSNoMatchingKey);
  assert.equal(requests, 1, 'none within 30 s of the fetch');
  mock.timers.tick(31_000);
  await assert.rejects(keys.getKey(header('made-up-1')), joseErrors.JWKSNoMatchingKey);
  assert.equal(requests, 2, 'one refetch for the unknown kid');
  await assert.rejects(keys.getKey(header('made-up-2')), joseErrors.JWKSNoMatchingKey);
  assert.equal(requests, 2, 'none within the cooldown');
  mock.timers.tick(1500);
  // The provider rotated: its own JWT with the new kid is followed at once, a token from outside is not.
  answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [published, unpublished] }));
  await assert.rejects(keys.getKey(header('new')), joseErrors.JWKSNoMatchingKey);
  assert.equal(requests, 2);
  await keys.getTrustedKey(header('new'));
  assert.equal(requests, 3);
  mock.timers.tick(31_000);
  await assert.rejects(keys.getKey(header('another')), joseErrors.JWKSNoMatchingKey);
  assert.equal(requests, 4, 'after the cooldown');
});

test('during an outage an unknown kid is the outage (503), at most one attempt per cooldown; told once when it starts and once when it ends', async () => {
  const { keys, warnings } = keySet();
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  await keys.getKey(header('known'));
  answer = (req) => req.socket.destroy();
  mock.timers.tick(31_000);
  for (let i = 0; i < 5; i += 1) {
    await assert.rejects(keys.getKey(header(`made-up-${i}`)), (error: unknown) => error instanceof OidcError && error.code === 'provider_unavailable');
  }
  assert.equal(requests, 2, 'one attempt');
  mock.timers.tick(20 * MINUTE);
  await keys.getKey(header('known'));
  await sleep(50); // the background revalidation fails
  await keys.getKey(header('known'));
  assert.equal(requests, 3);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /^the signing keys of provider "op" could not be fetched from http:\/\/127\.0\.0\.1:\d+\/jwks: provider_unavailable: .*; the keys fetched at \S+ stay in use until \S+ \(jwksMaxStaleness\)$/);
  answer = serveKeys();
  mock.timers.tick(31_000);
  await keys.getKey(header('known'));
  await sleep(50);
  assert.equal(requests, 4);
  assert.equal(warnings.length, 2);
  assert.match(warnings[1]!, /could be fetched again/);
});

test('past the maximum staleness the keys are not used: a use waits for a fetch, whose failure it gets', async () => {
  const { keys } = keySet(MINUTE);
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  await keys.getKey(header('known'));
  answer = (_req, res) => res.writeHead(500).end('down');
  mock.timers.tick(11 * MINUTE + 1);
  await assert.rejects(keys.getKey(header('known')), (error: unknown) => error instanceof OidcError && error.code === 'provider_error' && error.reason === 'jwks_status');
});

test('G6: an answer over 512 KiB without Content-Length is refused while it is read (provider_error, jwks_size)', async () => {
  const { keys } = keySet();
  answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(`{"keys":[],"padding":"`);
    for (let i = 0; i < 9; i += 1) res.write('x'.repeat(64 * 1024));
    res.end('"}');
  };
  await assert.rejects(keys.getKey(header('known')), (error: unknown) => error instanceof OidcError && error.code === 'provider_error' && error.reason === 'jwks_size');
});

test('a document without a "keys" array is the provider\'s error (502), not the token\'s', async () => {
  const { keys } = keySet();
  answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"nokeys":true}');
  await assert.rejects(keys.getKey(header('known')), (error: unknown) => error instanceof OidcError && error.status === 502 && error.reason === 'jwks_invalid');
});

test('the provider\'s own JWT with a new kid reloads even right after the keys were fetched for a token from outside', async () => {
  const { keys } = keySet();
  await keys.getKey(header('known'));
  answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [published, unpublished] }));
  await keys.getTrustedKey(header('new'));
  assert.equal(requests, 2);
  await assert.rejects(keys.getTrustedKey(header('made-up')), joseErrors.JWKSNoMatchingKey);
  assert.equal(requests, 2, 'at most once a second');
});
