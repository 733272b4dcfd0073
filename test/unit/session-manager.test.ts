import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCookieHeader } from '../../src/cookies/cookie-header.ts';
import { CookieSealer } from '../../src/cookies/cookie-sealer.ts';
import { CookieSessionBackend } from '../../src/session/cookie-session-backend.ts';
import type { SessionData } from '../../src/session/session-data.ts';
import { SessionManager } from '../../src/session/session-manager.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { StoreSessionBackend } from '../../src/session/store-session-backend.ts';

const attributes = { path: '/', httpOnly: true, secure: true, sameSite: 'Lax' as const };
const data: SessionData = { provider: 'default', idToken: 'h.eyJzdWIiOiJhbGljZSJ9.s' };

/** The sessions' clock in these tests (seconds); the backends and the manager share it, as in the app. */
const realClock = (): number => Math.floor(Date.now() / 1000);
const LIFETIME = { absoluteDuration: 10_000, rollingDuration: undefined, touchInterval: 0 };

function setup(lifetime: { absoluteDuration: number; rollingDuration: number | undefined; touchInterval: number }) {
  let now = 1_000_000;
  const backend = new CookieSessionBackend('s', attributes, new CookieSealer(['k'.repeat(32)], 'session'), { warn: () => {} }, lifetime, () => now);
  const manager = new SessionManager(backend, lifetime, () => now);
  const jar = (setCookies: string[]) => parseCookieHeader(setCookies.map((c) => c.slice(0, c.indexOf(';'))).join('; '));
  return {
    manager,
    advance: (seconds: number) => (now += seconds),
    async login() {
      const out: string[] = [];
      await manager.create(data, new Map(), (c) => out.push(c), undefined);
      return jar(out);
    },
    async read(cookies: Map<string, string>) {
      const out: string[] = [];
      const session = await manager.read(cookies, (c) => out.push(c));
      return { session, out };
    },
  };
}

test('no Set-Cookie until the touch interval has passed; then the rolling expiry moves forward', async () => {
  const t = setup({ absoluteDuration: 10_000, rollingDuration: 1_000, touchInterval: 100 });
  const cookies = await t.login();
  t.advance(99);
  assert.deepEqual((await t.read(cookies)).out, []);
  t.advance(1);
  const touched = await t.read(cookies);
  assert.ok(touched.session);
  assert.equal(touched.out.length, 1);
  assert.match(touched.out[0]!, /Max-Age=1000/);
  assert.equal(t.manager.expiresAt(touched.session.envelope), 1_000_000 + 100 + 1_000);
});

test('idle past the rolling lifetime → ended and cleared', async () => {
  const t = setup({ absoluteDuration: 10_000, rollingDuration: 1_000, touchInterval: 100 });
  const cookies = await t.login();
  t.advance(1_000);
  const { session, out } = await t.read(cookies);
  assert.equal(session, undefined);
  assert.match(out[0]!, /^s=; .*Max-Age=0/);
});

test('the absolute lifetime caps an active session', async () => {
  const t = setup({ absoluteDuration: 1_000, rollingDuration: 600, touchInterval: 0 });
  let cookies = await t.login();
  for (let i = 0; i < 3; i++) {
    t.advance(300);
    const { session, out } = await t.read(cookies);
    assert.ok(session, `alive at ${(i + 1) * 300}s`);
    cookies = parseCookieHeader(out.map((c) => c.slice(0, c.indexOf(';'))).join('; '));
  }
  t.advance(100);
  assert.equal((await t.read(cookies)).session, undefined, 'gone at the absolute limit although active');
});

test('without a rolling lifetime nothing is ever touched', async () => {
  const t = setup({ absoluteDuration: 1_000, rollingDuration: undefined, touchInterval: 0 });
  const cookies = await t.login();
  t.advance(500);
  const { session, out } = await t.read(cookies);
  assert.ok(session);
  assert.deepEqual(out, []);
});

test('a session created in the future (clock games, forged timestamps) is refused', async () => {
  const t = setup({ absoluteDuration: 10_000, rollingDuration: 1_000, touchInterval: 100 });
  const cookies = await t.login();
  t.advance(-120);
  assert.equal((await t.read(cookies)).session, undefined);
});

test('server-side sessions: a rolling touch writes the store\'s current copy, never this request\'s stale tokens', async () => {
  let now = 1_000_000;
  // Another instance refreshes the session just after this one has read it: the store then holds
  // rotated tokens that this request's copy does not have.
  class RaceStore extends MemoryStore {
    raceOnce: (() => Promise<void>) | undefined;
    override async get(key: string): Promise<unknown> {
      const value = await super.get(key);
      const race = this.raceOnce;
      this.raceOnce = undefined;
      if (race !== undefined && key.startsWith('session:')) await race();
      return value;
    }
  }
  const store = new RaceStore();
  const lifetime = { absoluteDuration: 10_000, rollingDuration: 1_000, touchInterval: 100 };
  const backend = new StoreSessionBackend('s', attributes, new CookieSealer(['k'.repeat(32)], 'session'), store, lifetime, () => now);
  const manager = new SessionManager(backend, lifetime, () => now);
  const out: string[] = [];
  const created = await manager.create({ ...data, accessToken: 'at-1', refreshToken: 'rt-1' }, new Map(), (c) => out.push(c), undefined);
  const cookies = parseCookieHeader(out.map((c) => c.slice(0, c.indexOf(';'))).join('; '));
  now += 100;
  store.raceOnce = async () => {
    await backend.save({ ...created.envelope, data: { ...data, accessToken: 'at-2', refreshToken: 'rt-2' } }, 1_000, new Map(), () => undefined, created);
  };
  const touched = await manager.read(cookies, () => undefined);
  assert.equal(touched?.envelope.data.refreshToken, 'rt-2', 'the touch re-read the store under the lock');
  const stored = await backend.reload(created.id!);
  assert.deepEqual({ refreshToken: stored?.envelope.data.refreshToken, touchedAt: stored?.envelope.touchedAt }, { refreshToken: 'rt-2', touchedAt: now });

  // While another instance holds the session's lock, the touch is skipped (a later request does it).
  now += 100;
  await store.add(`session-lock:${created.id!}`, { at: 0 }, 10);
  const skipped = await manager.read(cookies, () => undefined);
  assert.equal(skipped?.envelope.touchedAt, now - 100);
});

test('BCP-16: server-side sessions are sealed in the store: no tokens in clear, and a record written by someone else is no session', async () => {
  const store = new MemoryStore();
  const backend = new StoreSessionBackend('s', attributes, new CookieSealer(['k'.repeat(32)], 'session'), store, LIFETIME, realClock);
  const manager = new SessionManager(backend, LIFETIME, realClock);
  const out: string[] = [];
  const created = await manager.create({ ...data, accessToken: 'secret-access-token', refreshToken: 'secret-refresh-token' }, new Map(), (c) => out.push(c), undefined);
  const cookies = parseCookieHeader(out.map((c) => c.slice(0, c.indexOf(';'))).join('; '));
  const raw = JSON.stringify(await store.get(`session:${created.id!}`));
  // The exact clear values, not a pattern such as /eyJ/: random ciphertext contains any three base64 characters now and then.
  for (const clear of ['secret-access-token', 'secret-refresh-token', data.idToken, 'eyJzdWIiOiJhbGljZSJ9', '"provider"']) assert.ok(!raw.includes(clear), `the record shows ${clear}`);
  assert.equal((await manager.read(cookies, () => undefined))?.envelope.data.accessToken, 'secret-access-token');

  // Someone with write access to the store plants a plain envelope, or moves a sealed one to another id.
  await store.set(`session:${created.id!}`, { ...created.envelope, data: { ...data, idToken: 'forged' } }, 100);
  assert.equal(await manager.read(cookies, () => undefined), undefined);
  const other = await manager.create(data, new Map(), () => undefined, undefined);
  await store.set(`session:${created.id!}`, await store.get(`session:${other.id!}`), 100);
  assert.equal(await manager.read(cookies, () => undefined), undefined, 'a record is bound to its key');
});

test('the opened-cookie cache: a repeated cookie gives the same frozen session; a value that differs only before its tail is opened on its own (and refused when tampered)', () => {
  const sealer = new CookieSealer(['k'.repeat(32)], 'session');
  const backend = new CookieSessionBackend('s', attributes, sealer, { warn: () => {} }, LIFETIME, () => 1);
  const envelope = (sub: string) => ({ v: 1, data: { ...data, idToken: `h.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.s` }, createdAt: 1, touchedAt: 1 });
  const sealedAlice = sealer.seal(JSON.stringify(envelope('alice')), 's');
  const first = backend.loadNow(new Map([['s', sealedAlice]]));
  const again = backend.loadNow(new Map([['s', `${sealedAlice}`]]));
  assert.ok(first && again);
  assert.equal(again.envelope, first.envelope, 'the same opened envelope serves the repeated cookie');
  assert.ok(Object.isFrozen(first.envelope.data), 'shared, so frozen');

  // The cache is keyed by the value's tail (the GCM tag); the whole value must still match. A value
  // with the same tail and another middle is a tampered cookie: refused, not taken for Alice's.
  const middle = Math.floor(sealedAlice.length / 2);
  const flipped = sealedAlice.slice(0, middle) + (sealedAlice[middle] === 'A' ? 'B' : 'A') + sealedAlice.slice(middle + 1);
  assert.equal(flipped.slice(-24), sealedAlice.slice(-24));
  assert.equal(backend.loadNow(new Map([['s', flipped]])), undefined);
  // And Alice's cookie still opens (from the cache or anew) to Alice.
  const after = backend.loadNow(new Map([['s', sealedAlice]]));
  assert.match(after!.envelope.data.idToken, new RegExp(Buffer.from('{"sub":"alice"}').toString('base64url')));
});

test('server-side sessions: an unchanged record is opened once and shared, frozen; a changed, deleted or moved record is read anew from the store', async () => {
  const store = new MemoryStore();
  const backend = new StoreSessionBackend('s', attributes, new CookieSealer(['k'.repeat(32)], 'session'), store, LIFETIME, realClock);
  const manager = new SessionManager(backend, LIFETIME, realClock);
  const login = async (session: SessionData) => {
    const out: string[] = [];
    const created = await manager.create(session, new Map(), (c) => out.push(c), undefined);
    return { id: created.id!, cookies: parseCookieHeader(out.map((c) => c.slice(0, c.indexOf(';'))).join('; ')) };
  };
  const alice = await login({ ...data, accessToken: 'alice-at' });
  const first = await manager.read(alice.cookies, () => undefined);
  const again = await manager.read(alice.cookies, () => undefined);
  assert.equal(again?.envelope, first?.envelope, 'the same record gives the same opened session');
  assert.ok(Object.isFrozen(first?.envelope.data), 'shared, so frozen');

  // Another instance changes the session: the new record is read, not the one opened before.
  const otherInstance = new StoreSessionBackend('s', attributes, new CookieSealer(['k'.repeat(32)], 'session'), store, LIFETIME, realClock);
  await otherInstance.save({ ...first!.envelope, data: { ...data, accessToken: 'alice-at-2' } }, 100, new Map(), () => undefined, { envelope: first!.envelope, id: alice.id });
  assert.equal((await manager.read(alice.cookies, () => undefined))?.envelope.data.accessToken, 'alice-at-2');

  // Bob's record, opened (and so cached) under Bob's key, then copied over Alice's: bound to its key, refused.
  const bob = await login({ ...data, accessToken: 'bob-at' });
  assert.equal((await manager.read(bob.cookies, () => undefined))?.envelope.data.accessToken, 'bob-at');
  await store.set(`session:${alice.id}`, await store.get(`session:${bob.id}`), 100);
  assert.equal(await manager.read(alice.cookies, () => undefined), undefined, 'an opened record moved to another key is no session');

  // Deleted (a logout on another instance): gone at once, whatever was opened before.
  assert.ok(await manager.read(bob.cookies, () => undefined));
  await store.delete(`session:${bob.id}`);
  assert.equal(await manager.read(bob.cookies, () => undefined), undefined);
});

// The opened-session caches below are observed through object identity: a session served from the
// cache is the very object opened before; one opened anew is another object.

test('the opened-cookie cache keeps a session only until it ends, and forgets it at logout', async () => {
  let now = 1_000_000;
  const lifetime = { absoluteDuration: 1_000, rollingDuration: undefined, touchInterval: 0 };
  const backend = new CookieSessionBackend('s', attributes, new CookieSealer(['k'.repeat(32)], 'session'), { warn: () => {} }, lifetime, () => now);
  const manager = new SessionManager(backend, lifetime, () => now);
  const login = async () => {
    const out: string[] = [];
    await manager.create({ ...data, accessToken: 'at' }, new Map(), (c) => out.push(c), undefined);
    return parseCookieHeader(out.map((c) => c.slice(0, c.indexOf(';'))).join('; '));
  };

  const cookies = await login();
  const first = backend.loadNow(cookies)?.envelope;
  now += 999;
  assert.equal(backend.loadNow(cookies)?.envelope, first, 'served from memory while the session lasts');
  now += 1;
  const ended = backend.loadNow(cookies)?.envelope;
  assert.ok(ended !== undefined && ended !== first, 'opened anew once the session has ended: the cached one was not kept');
  assert.notEqual(backend.loadNow(cookies)?.envelope, ended, 'an ended session is not cached either');

  const other = await login();
  const session = backend.loadNow(other);
  assert.equal(backend.loadNow(other)?.envelope, session?.envelope);
  await manager.destroy(session, other, () => undefined);
  assert.notEqual(backend.loadNow(other)?.envelope, session?.envelope, 'a logout forgets the opened cookie');
});

test('server-side sessions: an opened record is kept only until its session ends, forgotten at logout, and never when over 64 KiB', async () => {
  let now = Math.floor(Date.now() / 1000);
  const lifetime = { absoluteDuration: 1_000, rollingDuration: undefined, touchInterval: 0 };
  const store = new MemoryStore();
  const backend = new StoreSessionBackend('s', attributes, new CookieSealer(['k'.repeat(32)], 'session'), store, lifetime, () => now);
  const manager = new SessionManager(backend, lifetime, () => now);
  const login = async (session: SessionData) => {
    const out: string[] = [];
    const created = await manager.create(session, new Map(), (c) => out.push(c), undefined);
    return { id: created.id!, cookies: parseCookieHeader(out.map((c) => c.slice(0, c.indexOf(';'))).join('; ')) };
  };

  // Ended: the record is still in the store (its TTL runs on the store's own clock), but what it
  // opened to is not served from memory past the session's end.
  const alice = await login({ ...data, accessToken: 'alice-at' });
  const first = (await backend.load(alice.cookies))?.envelope;
  assert.equal((await backend.load(alice.cookies))?.envelope, first);
  now += 1_000;
  const ended = (await backend.reload(alice.id))?.envelope;
  assert.ok(ended !== undefined && ended !== first, 'opened anew once the session has ended');

  // Destroyed: the same record written back (as another instance would) is opened anew, not served
  // from what this instance had opened before the logout.
  now -= 1_000;
  const bob = await login({ ...data, accessToken: 'bob-at' });
  const bobSession = await manager.read(bob.cookies, () => undefined);
  assert.equal((await backend.reload(bob.id))?.envelope, bobSession?.envelope);
  const record = await store.get(`session:${bob.id}`);
  await manager.destroy(bobSession, bob.cookies, () => undefined);
  await store.set(`session:${bob.id}`, record, 100);
  const reopened = (await backend.reload(bob.id))?.envelope;
  assert.ok(reopened !== undefined && reopened !== bobSession?.envelope, 'a logout forgets the opened record');

  // Over 64 KiB sealed: opened and served on every read, never kept.
  const carol = await login({ ...data, accessToken: 'carol-at', userinfo: { blob: 'x'.repeat(64 * 1024) } });
  const big = await backend.reload(carol.id);
  assert.equal(big?.envelope.data.userinfo?.['blob'], 'x'.repeat(64 * 1024));
  assert.notEqual((await backend.reload(carol.id))?.envelope, big?.envelope, 'a big record is not kept opened');
  const dave = await login({ ...data, accessToken: 'dave-at', userinfo: { blob: 'x'.repeat(40 * 1024) } });
  const small = await backend.reload(dave.id);
  assert.equal((await backend.reload(dave.id))?.envelope, small?.envelope, 'a record under the bound is');
});
