import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrencyLimit, LimitReached } from '../../src/util/concurrency-limit.ts';

/** Work that ends when `release` is called. */
function gate(): { work: () => Promise<string>; release: () => void } {
  let release = (): void => undefined;
  const done = new Promise<void>((resolve) => { release = resolve; });
  return { work: async () => { await done; return 'done'; }, release };
}

test('at most max run at once; the next waiter takes a freed slot, first come first served', async () => {
  const limit = new ConcurrencyLimit({ max: 2, maxQueued: 10, maxWaitMs: 5000 });
  const gates = Array.from({ length: 4 }, gate);
  const order: number[] = [];
  const runs = gates.map((g, i) => limit.run(async () => { order.push(i); return g.work(); }));
  await sleep(10);
  assert.deepEqual(order, [0, 1]);
  assert.equal(limit.running, 2);
  assert.equal(limit.waiting, 2);
  gates[1]!.release();
  await sleep(10);
  assert.deepEqual(order, [0, 1, 2], 'the oldest waiter goes next');
  assert.equal(limit.running, 2, 'the slot passed on, not freed and taken again');
  for (const g of gates) g.release();
  assert.deepEqual(await Promise.all(runs), ['done', 'done', 'done', 'done']);
  assert.equal(limit.running, 0);
  assert.equal(limit.waiting, 0);
});

test('past maxQueued waiters a call is refused at once; a waiter that waits maxWaitMs in vain is refused and leaves the queue', async () => {
  const limit = new ConcurrencyLimit({ max: 1, maxQueued: 1, maxWaitMs: 50 });
  const busy = gate();
  const running = limit.run(busy.work);
  let ran = false;
  const waiting = limit.run(() => { ran = true; return Promise.resolve('late'); });
  await assert.rejects(limit.run(() => Promise.resolve('never')), (error: unknown) => error instanceof LimitReached && error.why === 'queue_full');
  await assert.rejects(waiting, (error: unknown) => error instanceof LimitReached && error.why === 'timeout');
  assert.equal(ran, false, 'refused work never runs');
  assert.equal(limit.waiting, 0, 'a timed-out waiter holds nothing');
  busy.release();
  assert.equal(await running, 'done');
  assert.equal(limit.running, 0, 'the slot came free: nobody was left to take it');
  assert.equal(await limit.run(() => Promise.resolve('again')), 'again');
});

test('work that fails frees its slot', async () => {
  const limit = new ConcurrencyLimit({ max: 1, maxQueued: 0, maxWaitMs: 10 });
  await assert.rejects(limit.run(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(limit.running, 0);
  assert.equal(await limit.run(() => Promise.resolve('ok')), 'ok');
});
