import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieSealer } from '../../src/cookies/cookie-sealer.ts';

const A = 'secret-a-0123456789-0123456789-0123456789';
const B = 'secret-b-0123456789-0123456789-0123456789';

test('round trip, with a fresh IV each time', () => {
  const sealer = new CookieSealer([A], 'session');
  const one = sealer.seal('{"hello":"wörld"}', 'c');
  const two = sealer.seal('{"hello":"wörld"}', 'c');
  assert.notEqual(one, two);
  assert.equal(sealer.open(one, 'c'), '{"hello":"wörld"}');
  assert.match(one, /^[A-Za-z0-9_-]+$/, 'cookie-safe base64url');
});

test('bound to the cookie name and to the purpose', () => {
  const sealed = new CookieSealer([A], 'session').seal('x', 'c');
  assert.equal(new CookieSealer([A], 'session').open(sealed, 'other'), undefined);
  assert.equal(new CookieSealer([A], 'transaction').open(sealed, 'c'), undefined);
});

test('every changed byte is detected', () => {
  const sealer = new CookieSealer([A], 'session');
  const bytes = Buffer.from(sealer.seal('some session data', 'c'), 'base64url');
  for (let i = 0; i < bytes.length; i++) {
    const copy = Buffer.from(bytes);
    copy[i] = copy[i]! ^ 1;
    assert.equal(sealer.open(copy.toString('base64url'), 'c'), undefined, `byte ${i}`);
  }
});

test('rotation: sealed with the first secret, opened with any configured one', () => {
  const old = new CookieSealer([A], 'session').seal('x', 'c');
  const rotated = new CookieSealer([B, A], 'session');
  assert.equal(rotated.open(old, 'c'), 'x');
  const fresh = rotated.seal('y', 'c');
  assert.equal(new CookieSealer([B], 'session').open(fresh, 'c'), 'y');
  assert.equal(new CookieSealer([A], 'session').open(fresh, 'c'), undefined);
  assert.equal(new CookieSealer([B], 'session').open(old, 'c'), undefined, 'a removed secret no longer opens');
});

test('garbage never throws', () => {
  const sealer = new CookieSealer([A], 'session');
  for (const value of ['', 'a', '%%%', '.'.repeat(100), 'AQ', Buffer.alloc(40, 1).toString('base64url'), Buffer.alloc(40, 2).toString('base64url')]) {
    assert.equal(sealer.open(value, 'c'), undefined, JSON.stringify(value));
  }
});
