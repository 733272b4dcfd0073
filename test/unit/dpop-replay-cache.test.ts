/**
 * The in-process record of used DPoP proofs (docs/memory-bounds.md): a proof is accepted once,
 * kept for its window only, and the record is bounded in entries — when full of live proofs, a new
 * one is refused with 503 rather than an old one forgotten (which would let it be replayed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OidcError } from '../../src/errors.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { DpopReplayCache } from '../../src/resource/dpop/replay-cache.ts';

test('a proof is accepted once, forgotten after its window, and a full record refuses (503) rather than forgets', async () => {
  let now = 1_000_000;
  const cache = new DpopReplayCache(undefined, 3, () => now);
  assert.equal(await cache.claim('jkt', 'a', 10), true);
  assert.equal(await cache.claim('jkt', 'a', 10), false, 'replayed');
  assert.equal(await cache.claim('other-key', 'a', 10), true, 'the same jti from another key is another proof');
  assert.equal(await cache.claim('jkt', 'b', 10), true);
  await assert.rejects(cache.claim('jkt', 'c', 10), (error: unknown) => error instanceof OidcError && error.code === 'session_store_unavailable' && error.reason === 'dpop_replay_full' && error.retryAfter === 1);
  now += 10_001;
  assert.equal(await cache.claim('jkt', 'c', 10), true, 'expired proofs made room');
  assert.equal(await cache.claim('jkt', 'a', 10), true, 'its window is over: an old proof would fail the iat check anyway');
});

test('with a store, proofs are recorded there with add (SET NX); a store that fails is a 503, never an accepted proof', async () => {
  const store = new MemoryStore();
  const cache = new DpopReplayCache(store);
  assert.equal(await cache.claim('jkt', 'the-jti', 0.2), true);
  assert.equal(await cache.claim('jkt', 'the-jti', 0.2), false);
  const broken = new DpopReplayCache({ ...store, get: store.get.bind(store), set: store.set.bind(store), delete: store.delete.bind(store), add: () => Promise.reject(new Error('down')) });
  await assert.rejects(broken.claim('jkt', 'x', 5), (error: unknown) => error instanceof OidcError && error.reason === 'dpop_replay');
});
