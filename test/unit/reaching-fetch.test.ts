/**
 * The provider fetches' one mark for "could not be reached" (src/provider/bounded-fetch.ts): every
 * runtime words a network failure its own way, so oidc-kit marks it, and maps the mark to 503
 * wherever a provider's answer is judged (openid-client's flows, jose's key set). The runtime smoke
 * suite (test/runtimes/) checks the same on Bun, Deno and workerd over HTTP.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ProviderUnreachableError, reachingFetch } from '../../src/provider/bounded-fetch.ts';
import { classifyJoseFailure } from '../../src/provider/jose-failure.ts';
import { toOidcError } from '../../src/provider/provider-error.ts';

describe('reachingFetch: a network failure is ProviderUnreachableError, a 503 everywhere', () => {
  /** A server that closes every connection before answering: to fetch(), a network error. */
  const server = createServer((socket) => socket.destroy());
  let url: string;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a connection closed before any answer rejects with ProviderUnreachableError (a TypeError, the cause kept)', async () => {
    const error = await reachingFetch(url).then(() => assert.fail('fetch resolved'), (e: unknown) => e);
    assert.ok(error instanceof ProviderUnreachableError);
    assert.ok(error instanceof TypeError, 'a TypeError, so openid-client and jose pass it on unwrapped');
    assert.ok(error.cause instanceof Error, 'the runtime\'s own error is the cause');
    assert.match(error.message, /^The provider could not be reached: /);
  });

  test('a timeout of the caller\'s own signal is thrown as it is (openid-client and jose recognize it)', async () => {
    const sockets: Socket[] = [];
    const hanging = createServer((socket) => void sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const address = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`;
      const error = await reachingFetch(address, { signal: AbortSignal.timeout(50) }).then(() => assert.fail('fetch resolved'), (e: unknown) => e);
      assert.ok(!(error instanceof ProviderUnreachableError));
      assert.equal((error as Error).name, 'TimeoutError');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  test('the mark is provider_unavailable (503) for the flows and for the key set, never a token\'s fault', () => {
    const error = new ProviderUnreachableError(new TypeError('error sending request for url'));
    const flow = toOidcError(error, 'discovery');
    assert.equal(flow.code, 'provider_unavailable');
    assert.equal(flow.status, 503);
    const keys = classifyJoseFailure(error);
    assert.equal(keys.kind, 'provider');
    assert.equal(keys.kind === 'provider' ? keys.error.code : undefined, 'provider_unavailable');
  });
});
