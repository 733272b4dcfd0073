/**
 * MemoryStore's bounds (issue 25, item 2): expired entries are swept on writes even when nobody
 * reads them again, the default size bound evicts the oldest entry, and `whenFull: 'refuse'` (what
 * the in-process back-channel logout records use) rejects instead of dropping a record early.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { MemoryStore, StoreFullError } from '../../src/session/memory-store.ts';

beforeEach(() => mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-12-05T00:00:00Z') }));
afterEach(() => mock.timers.reset());

test('write-only entries are swept once expired: the store holds what is still valid, no read needed', async () => {
  const store = new MemoryStore({ maxEntries: 1_000_000 });
  for (let i = 0; i < 5000; i += 1) await store.set(`logout:sid:${i}`, { at: i }, 3600);
  assert.equal(store.size, 5000);
  mock.timers.tick(3600 * 1000 + 61_000);
  await store.set('logout:sid:new', { at: 1 }, 3600);
  assert.equal(store.size, 1, 'the expired records are gone, the new one kept');
  assert.deepEqual(await store.get('logout:sid:new'), { at: 1 });
});

test('by default a full store evicts its oldest entry', async () => {
  const store = new MemoryStore({ maxEntries: 3 });
  for (const key of ['a', 'b', 'c', 'd']) await store.set(key, key, 60);
  assert.equal(store.size, 3);
  assert.equal(await store.get('a'), undefined);
  assert.equal(await store.get('d'), 'd');
});

test('whenFull refuse: a full store rejects a new key (StoreFullError) and keeps every record; updates and expired room still work', async () => {
  const store = new MemoryStore({ maxEntries: 2, whenFull: 'refuse' });
  await store.set('a', 1, 60);
  await store.set('b', 2, 60);
  await assert.rejects(store.set('c', 3, 60), StoreFullError);
  assert.equal(await store.add('c', 3, 60).catch((error: unknown) => error instanceof StoreFullError), true);
  assert.deepEqual([await store.get('a'), await store.get('b'), await store.get('c')], [1, 2, undefined]);
  await store.set('a', 10, 60);
  assert.equal(await store.get('a'), 10, 'an existing key can be rewritten');
  mock.timers.tick(120_000);
  await store.set('c', 3, 60);
  assert.equal(await store.get('c'), 3, 'expired entries make room');
});

test('a full store that refuses sweeps out what expired before it refuses (at most once a second), and says how full it is from 80 %', async () => {
  const seen: Array<[number, number]> = [];
  const store = new MemoryStore({ maxEntries: 5, whenFull: 'refuse', onFilling: (size, max) => seen.push([size, max]) });
  for (const key of ['a', 'b', 'c']) await store.set(key, 1, 2);
  assert.deepEqual(seen, [], 'below 80 %: nothing to say');
  await store.set('d', 1, 600);
  assert.deepEqual(seen, [[4, 5]], 'at 80 %');
  await store.set('e', 1, 600);
  await assert.rejects(store.set('f', 1, 600), StoreFullError);
  assert.deepEqual(seen.at(-1), [5, 5], 'a refusal is reported too');
  mock.timers.tick(3000); // a, b, c expired; the once-a-minute sweep is not due yet
  await store.set('f', 1, 600);
  assert.equal(await store.get('f'), 1, 'room was made by sweeping at once, not a minute later');
  assert.equal(store.size, 3);
});

test('a full store that evicts first sweeps out what expired, so a live entry goes only when nothing has expired', async () => {
  const store = new MemoryStore({ maxEntries: 3 });
  await store.set('live-1', 1, 600);
  await store.set('short', 1, 1);
  await store.set('live-2', 1, 600);
  mock.timers.tick(2000);
  await store.set('new', 1, 600);
  assert.equal(await store.get('live-1'), 1, 'the expired entry made room, not the oldest live one');
  await store.set('newer', 1, 600);
  assert.equal(await store.get('live-1'), undefined, 'with nothing expired, the oldest goes');
});

test('compareAndSet (issue 27, item 5): writes only over the value expected, never over a deleted or changed one, and even when full', async () => {
  const store = new MemoryStore({ maxEntries: 1, whenFull: 'refuse' });
  assert.equal(await store.compareAndSet('session:1', 'v1', 'v2', 60), false, 'nothing there: nothing written');
  assert.equal(await store.get('session:1'), undefined, 'a deleted session is not brought back');
  await store.set('session:1', 'v1', 60);
  assert.equal(await store.compareAndSet('session:1', 'v0', 'v2', 60), false, 'changed since it was read');
  assert.equal(await store.get('session:1'), 'v1');
  assert.equal(await store.compareAndSet('session:1', 'v1', 'v2', 120), true, 'a full store takes a write over a key it holds');
  assert.equal(await store.get('session:1'), 'v2');
  assert.equal(await store.compareAndSet('session:1', { v: 2 }, 'v3', 60), false, 'compared as JSON: a string is not an object');
  mock.timers.tick(120_000);
  assert.equal(await store.compareAndSet('session:1', 'v2', 'v3', 60), false, 'an expired value is as good as none');
  assert.equal(await store.get('session:1'), undefined);
});
