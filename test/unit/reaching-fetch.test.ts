/**
 * The provider fetches' one mark for "could not be reached" (src/provider/bounded-fetch.ts): every
 * runtime words a network failure its own way, so oidc-kit marks it, and maps the mark to 503
 * wherever a provider's answer is judged (openid-client's flows, jose's key set). The runtime smoke
 * suite (test/runtimes/) checks the same on Bun, Deno and workerd over HTTP. With the app's own
 * `fetch` (the `fetch` option) in between, the timeout, the size bound and the 503 still hold.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ProviderFetch } from '../../src/index.ts';
import { boundedFetch, ProviderUnreachableError, reachingFetch, ResponseTooLargeError } from '../../src/provider/bounded-fetch.ts';
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

describe('with the app\'s own fetch (the `fetch` option): oidc-kit\'s protections stay around it', () => {
  /**
   * A provider that answers `/big` with 2 KB, `/small` with a little JSON, `/trickle` with its
   * headers and a first chunk, then nothing more, and `/hang` never.
   */
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    if (req.url === '/big') res.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(2048)}"`);
    else if (req.url === '/trickle') res.writeHead(200, { 'content-type': 'application/json' }).write('{"keys":');
    else if (req.url === '/hang') return;
    else res.writeHead(200, { 'content-type': 'application/json', 'x-answer': 'small' }).end('{"ok":true}');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let base: string;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  /** The app's fetch that drops oidc-kit's signal (a call through it must still end at the timeout); counts its calls. */
  const ignoringSignal = (): ProviderFetch & { calls: number } => {
    const counted = Object.assign((url: string, init: RequestInit) => {
      counted.calls++;
      return fetch(url, { ...init, signal: null });
    }, { calls: 0 });
    return counted;
  };

  test('it makes the call, with the URL as a string and the request as given', async () => {
    const seen: Array<[string, RequestInit]> = [];
    const signal = AbortSignal.timeout(5000);
    const response = await reachingFetch(new URL(`${base}/small`), { method: 'POST', body: 'a=1', signal }, (url, init) => {
      seen.push([url, init]);
      return fetch(url, init);
    });
    assert.equal(response.status, 200);
    assert.deepEqual(seen.map(([url, init]) => [url, init.method, init.body, init.signal]), [[`${base}/small`, 'POST', 'a=1', signal]]);
  });

  // Without the protection the call would hang: the test's own timeout makes that a plain failure.
  test('a call that ignores the signal still ends when it aborts (httpTimeout), as fetch\'s own TimeoutError: waiting for the answer, or for its body', { timeout: 5000 }, async () => {
    for (const path of ['/hang', '/trickle']) {
      const appFetch = ignoringSignal();
      const started = Date.now();
      const error = await boundedFetch(1024, appFetch)(`${base}${path}`, { signal: AbortSignal.timeout(200) }).then(() => assert.fail('resolved'), (e: unknown) => e);
      assert.equal(appFetch.calls, 1, `${path}: the app's fetch made the call`);
      assert.equal((error as Error).name, 'TimeoutError', `${path}: ${String(error)}`);
      assert.ok(!(error instanceof ProviderUnreachableError));
      assert.ok(Date.now() - started < 2000, `${path}: at the timeout, not when the server gives up`);
      assert.equal(toOidcError(error, 'discovery').code, 'provider_unavailable');
    }
  });

  test('a fetch that throws, or resolves to something that is not a Response, is the provider being unreachable (503)', async () => {
    const thrown = new Error('self-signed certificate in certificate chain');
    const failing: ProviderFetch = () => Promise.reject(thrown);
    const error = await reachingFetch(`${base}/small`, {}, failing).then(() => assert.fail('resolved'), (e: unknown) => e);
    assert.ok(error instanceof ProviderUnreachableError);
    assert.equal(error.cause, thrown);
    const odd = await reachingFetch(`${base}/small`, {}, () => Promise.resolve({ ok: true } as unknown as Response)).then(() => assert.fail('resolved'), (e: unknown) => e);
    assert.ok(odd instanceof ProviderUnreachableError);
    assert.match(odd.message, /not a Response/);
    assert.equal(toOidcError(odd, 'grant').code, 'provider_unavailable');
  });

  test('answers are bounded as ever: a larger one is refused before it is parsed', async () => {
    const appFetch = ignoringSignal();
    await assert.rejects(boundedFetch(1024, appFetch)(`${base}/big`, {}), ResponseTooLargeError);
    assert.equal(appFetch.calls, 1);
  });

  test('a Response of another fetch implementation (undici\'s own) comes back as the runtime\'s Response, status, headers and body intact', async () => {
    const { fetch: undiciFetch } = await import('undici');
    let calls = 0;
    const response = await boundedFetch(1024, (url, init) => {
      calls++;
      return undiciFetch(url, init as never) as unknown as Promise<Response>;
    })(`${base}/small`, {});
    assert.equal(calls, 1);
    assert.ok(response instanceof Response);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-answer'), 'small');
    assert.deepEqual(await response.json(), { ok: true });
  });
});
