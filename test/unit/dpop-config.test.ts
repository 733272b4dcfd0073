/**
 * Start-up checks of `resourceServer.dpop` and `resourceServer.metadata` (issue 28 items 2 and 4),
 * on `new OpenIDConnect(...)` itself: each invalid value fails naming the option and the fix; and
 * the pure parts of DPoP: htu normalisation (RFC 3986 §6) and stateless nonces.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OidcCore } from '../../src/core/oidc-core.ts';
import { OpenIDConnect } from '../../src/fetch.ts';
import { ConfigurationError } from '../../src/errors.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { normaliseHtu } from '../../src/resource/dpop/htu.ts';
import { DpopNonces } from '../../src/resource/dpop/dpop-nonces.ts';

const BASE = {
  baseUrl: 'https://api.example.com',
  secret: 'test-secret-0123456789-abcdefghijklmnop',
  issuer: 'https://op.example.com',
  clientId: 'api',
  clientSecret: 'api-secret',
  resourceServerOnly: true,
  logger: { warn() {} },
} as const;

function refused(resourceServer: Record<string, unknown>, option: RegExp, extra: Record<string, unknown> = {}): void {
  assert.throws(() => new OpenIDConnect({ ...BASE, ...extra, resourceServer }), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.match(error.option, option);
    return true;
  });
}

describe('DPoP and metadata options at start-up', () => {
  test('DPA-02: a proof algorithm that is none, symmetric or unknown is refused, naming the option', () => {
    for (const alg of ['none', 'HS256', 'XX']) refused({ dpop: { algorithms: [alg] } }, /^resourceServer\.dpop\.algorithms$/);
    refused({ dpop: { algorithms: [] } }, /^resourceServer\.dpop\.algorithms$/);
  });

  test('bad modes, windows and stores are refused; DPoP without baseUrl or nonces without secret too', () => {
    refused({ dpop: 'sometimes' }, /^resourceServer\.dpop$/);
    refused({ dpop: { mode: 'on' } }, /^resourceServer\.dpop\.mode$/);
    refused({ dpop: { maxAge: 0 } }, /^resourceServer\.dpop\.maxAge$/);
    refused({ dpop: { maxAge: 7200 } }, /^resourceServer\.dpop\.maxAge$/);
    refused({ dpop: { requireNonce: 'yes' } }, /^resourceServer\.dpop\.requireNonce$/);
    refused({ dpop: { nonceLifetime: -1 } }, /^resourceServer\.dpop\.nonceLifetime$/);
    const noAdd = { get: () => Promise.resolve(undefined), set: () => Promise.resolve(), delete: () => Promise.resolve() };
    refused({ dpop: { replayStore: noAdd } }, /^resourceServer\.dpop\.replayStore$/);
    refused({ dpop: 'allowed' }, /^baseUrl$/, { baseUrl: undefined });
    refused({ dpop: { requireNonce: true } }, /^secret$/, { secret: undefined });
    // Without baseUrl a route cannot turn DPoP on either: said where it is declared.
    const oidc = new OpenIDConnect({ ...BASE, baseUrl: undefined });
    assert.throws(() => oidc.acceptToken({ dpop: 'allowed' }), /baseUrl is needed with DPoP/);
    assert.throws(() => new OpenIDConnect(BASE).acceptToken({ dpop: 'on' as never }), /must be "off", "allowed" or "required"/);
  });

  test('PRM-03: a resource identifier that is not an https URL of this app, or has a query or fragment, is refused', () => {
    for (const resource of ['not a url', 'http://api.example.com', 'https://api.example.com/?a=1', 'https://api.example.com/#x', 'https://other.example.com', 42]) {
      refused({ metadata: { resource } }, /^resourceServer\.metadata\.resource$/);
    }
    refused({ metadata: 'yes' }, /^resourceServer\.metadata$/);
    refused({ metadata: { scopes: 'read' } }, /^resourceServer\.metadata\.scopes$/);
    refused({ metadata: true }, /^resourceServer\.metadata\.resource$/, { baseUrl: undefined });
    refused({ metadata: true }, /^resourceServer\.metadata\.resource$/, { baseUrl: 'https://example.com/app/' });
  });

  test('PRM-01: metadata is off by default and, when on, a route of the table (in API-only mode too)', () => {
    assert.deepEqual(new OidcCore(BASE).routes.map((r) => r.name), []);
    const on = new OidcCore({ ...BASE, resourceServer: { metadata: { resource: 'https://api.example.com/v1/' } } });
    assert.deepEqual(on.routes.map((r) => [r.name, r.path]), [['protectedResourceMetadata', '/.well-known/oauth-protected-resource/v1']]);
  });

  test('the replay cache is the session store when it is shared and can add, never a MemoryStore', () => {
    const memory = new OpenIDConnect({ ...BASE, resourceServerOnly: false, session: { store: new MemoryStore() }, resourceServer: { dpop: 'allowed' } });
    assert.equal(memory.config.resourceServer.dpop.replayStore, undefined);
    const shared = { get: () => Promise.resolve(undefined), set: () => Promise.resolve(), delete: () => Promise.resolve(), add: () => Promise.resolve(true) };
    const redisLike = new OpenIDConnect({ ...BASE, resourceServerOnly: false, session: { store: shared }, resourceServer: { dpop: 'allowed' } });
    assert.equal(redisLike.config.resourceServer.dpop.replayStore, shared);
  });
});

describe('DPoP htu and nonces', () => {
  test('DPA-03: htu is compared after syntax and scheme normalisation, without query and fragment', () => {
    assert.equal(normaliseHtu('HTTPS://API.Example.com:443/a/../%7euser/%2f?q=1#f'), 'https://api.example.com/~user/%2F');
    assert.equal(normaliseHtu('http://127.0.0.1:80'), 'http://127.0.0.1/');
    assert.equal(normaliseHtu('https://user:pw@api.example.com/'), undefined);
    assert.equal(normaliseHtu('ftp://api.example.com/'), undefined);
    assert.equal(normaliseHtu('/relative'), undefined);
  });

  test('DPA-08: a nonce is good for its window and the next; another secret\'s is not; rotation keeps the old secrets\' nonces', () => {
    let now = 1_000_000_000_000;
    const nonces = new DpopNonces(['secret-a'], 300, () => now);
    const first = nonces.current();
    assert.equal(nonces.check(first), 'current');
    now += 300_000;
    assert.equal(nonces.check(first), 'previous');
    assert.notEqual(nonces.current(), first);
    now += 300_000;
    assert.equal(nonces.check(first), 'invalid');
    assert.equal(new DpopNonces(['secret-b'], 300, () => now).check(nonces.current()), 'invalid');
    assert.equal(new DpopNonces(['secret-b', 'secret-a'], 300, () => now).check(nonces.current()), 'current');
  });
});
