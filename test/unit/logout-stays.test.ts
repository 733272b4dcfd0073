/**
 * Issue 27, item 5, "a logout stays a logout", without HTTP: a session write that comes after a
 * logout (a refresh's result, a rolling touch) writes nothing on server-side sessions, with a store
 * that has `compareAndSet` and, as far as a re-read reaches, with one that has not; and the
 * ended-session marker of cookie sessions refuses every copy of a session ended in the browser.
 * test/integration/logout-race.test.ts races real requests over HTTP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieSealer } from '../../src/cookies/cookie-sealer.ts';
import { OidcError } from '../../src/errors.ts';
import { CookieSessionBackend } from '../../src/session/cookie-session-backend.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import type { SessionData, SessionLifetime } from '../../src/session/session-data.ts';
import { SessionManager } from '../../src/session/session-manager.ts';
import type { SessionStore } from '../../src/session/session-store.ts';
import { StoreSessionBackend } from '../../src/session/store-session-backend.ts';

const attributes = { path: '/', httpOnly: true, secure: true, sameSite: 'Lax' as const };
const data: SessionData = { provider: 'default', idToken: 'h.eyJzdWIiOiJhbGljZSJ9.s', accessToken: 'at-1', refreshToken: 'rt-1' };
const sealer = new CookieSealer(['k'.repeat(32)], 'session');
const LIFETIME: SessionLifetime = { absoluteDuration: 10_000, rollingDuration: 1_000, touchInterval: 100 };

/** The cookies a browser sends after these Set-Cookie values (deletions drop the cookie). */
function jar(setCookies: readonly string[], before: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const cookies = new Map(before);
  for (const line of setCookies) {
    const [name = '', value = ''] = line.slice(0, line.indexOf(';')).split(/=(.*)/s);
    if (/Max-Age=0/i.test(line)) cookies.delete(name);
    else cookies.set(name, value);
  }
  return cookies;
}

const isSessionEnded = (error: unknown): boolean => error instanceof OidcError && error.code === 'session_expired' && error.reason === 'ended';

/** A store whose next session write first runs `beforeWrite` (another request, landing just before it). */
class RacingStore extends MemoryStore {
  beforeWrite: (() => Promise<void>) | undefined;
  override async compareAndSet(key: string, expected: unknown, value: unknown, ttlSeconds: number): Promise<boolean> {
    await this.#race(key);
    return super.compareAndSet(key, expected, value, ttlSeconds);
  }

  override async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.#race(key);
    return super.set(key, value, ttlSeconds);
  }

  async #race(key: string): Promise<void> {
    const race = this.beforeWrite;
    if (race === undefined || !key.startsWith('session:')) return;
    this.beforeWrite = undefined;
    await race();
  }
}

/** A store of the user's own, written for an older oidc-kit: no `compareAndSet`. */
function withoutCompareAndSet(store: RacingStore): SessionStore {
  return { get: (k) => store.get(k), set: (k, v, t) => store.set(k, v, t), delete: (k) => store.delete(k), add: (k, v, t) => store.add(k, v, t) };
}

function storeSetup(own: boolean) {
  let now = 1_000_000;
  const racing = new RacingStore();
  const backend = new StoreSessionBackend('s', attributes, sealer, own ? withoutCompareAndSet(racing) : racing, LIFETIME, () => now);
  const manager = new SessionManager(backend, LIFETIME, () => now);
  return {
    store: racing,
    manager,
    advance: (seconds: number) => (now += seconds),
    async login() {
      const out: string[] = [];
      const session = await manager.create(data, new Map(), (c) => out.push(c), undefined);
      return { session, cookies: jar(out) };
    },
  };
}

for (const own of [false, true]) {
  const label = own ? 'a store without compareAndSet (a re-read before the write)' : 'compareAndSet';
  test(`server-side sessions, ${label}: a refresh whose result comes after the logout writes nothing and ends the request's session`, async () => {
    const t = storeSetup(own);
    const { session, cookies } = await t.login();
    const read = await t.manager.read(cookies, () => undefined);
    assert.ok(read !== undefined);
    // The logout, on this instance or another, while the refresh waits for the provider.
    await t.manager.destroy(read, cookies, () => undefined);
    const out: string[] = [];
    await assert.rejects(t.manager.update(read, { ...data, accessToken: 'at-2', refreshToken: 'rt-2' }, cookies, (c) => out.push(c)), isSessionEnded);
    assert.equal(await t.store.get(`session:${session.id!}`), undefined, 'not written back');
    assert.deepEqual(out, [], 'no cookie written either');
    if (own) {
      // The limit of the re-read (documented in SessionStore.compareAndSet): a logout that lands
      // between it and the write, one store round trip, is undone.
      const again = await t.login();
      t.advance(100);
      t.store.beforeWrite = () => t.store.delete(`session:${again.session.id!}`);
      assert.ok(await t.manager.read(again.cookies, () => undefined));
      assert.notEqual(await t.store.get(`session:${again.session.id!}`), undefined, 'implement compareAndSet to close it');
    }
  });

  test(`server-side sessions, ${label}: a write over a copy another request changed is made anew over the current copy, or keeps it`, async () => {
    const t = storeSetup(own);
    const { session, cookies } = await t.login();
    t.advance(100);
    // A touch of another request lands first: this request's refresh goes over the touched copy.
    const read = await t.manager.read(cookies, () => undefined);
    t.advance(100);
    await t.manager.read(cookies, () => undefined);
    const refreshed = await t.manager.update(read!, { ...data, accessToken: 'at-2', refreshToken: 'rt-2' }, cookies, () => undefined);
    assert.deepEqual([refreshed.envelope.data.refreshToken, refreshed.envelope.touchedAt], ['rt-2', 1_000_200], 'the fresh tokens, and the other request\'s touch');
    // Another request's refresh lands first: its tokens are kept, not overwritten by this one's.
    await t.manager.update(refreshed, { ...data, accessToken: 'at-3', refreshToken: 'rt-3' }, cookies, () => undefined);
    const kept = await t.manager.update(refreshed, { ...data, accessToken: 'at-4', refreshToken: 'rt-4' }, cookies, () => undefined);
    assert.equal(kept.envelope.data.refreshToken, 'rt-3');
    assert.equal((await t.manager.read(cookies, () => undefined))?.envelope.data.refreshToken, 'rt-3', session.id);
  });
}

test('server-side sessions, compareAndSet: a rolling touch whose write comes after the logout writes nothing, and the request is not logged in', async () => {
  const t = storeSetup(false);
  const { session, cookies } = await t.login();
  t.advance(100);
  t.store.beforeWrite = () => t.store.delete(`session:${session.id!}`);
  const out: string[] = [];
  assert.equal(await t.manager.read(cookies, (c) => out.push(c)), undefined);
  assert.equal(await t.store.get(`session:${session.id!}`), undefined, 'not written back');
  assert.deepEqual(out, [], 'no cookie written: a login meanwhile keeps its own');
});

function cookieSetup(lifetime = LIFETIME) {
  let now = 1_000_000;
  const backend = new CookieSessionBackend('s', attributes, sealer, { warn: () => {} }, lifetime, () => now);
  const manager = new SessionManager(backend, lifetime, () => now);
  return {
    backend,
    manager,
    advance: (seconds: number) => (now += seconds),
    async login(at: number) {
      const out: string[] = [];
      const real = Date.now;
      Date.now = () => at;
      try {
        await manager.create(data, new Map(), (c) => out.push(c), undefined);
      } finally {
        Date.now = real;
      }
      return jar(out);
    },
    async read(cookies: ReadonlyMap<string, string>) {
      const out: string[] = [];
      return { session: await manager.read(cookies, (c) => out.push(c)), out };
    },
  };
}

test('cookie sessions: a logout leaves a marker, and every copy of the session ended (from before, touched or refreshed by a late answer) is refused; a later login is not', async () => {
  const t = cookieSetup();
  const cookies = await t.login(1_000_000_000);
  t.advance(100);
  const read = await t.read(cookies);
  // A request under way: its touch and its refresh are answered after the logout.
  const touched = jar(read.out, cookies);
  const refreshedOut: string[] = [];
  await t.manager.update(read.session!, { ...data, accessToken: 'at-2' }, touched, (c) => refreshedOut.push(c));
  const logoutOut: string[] = [];
  await t.manager.destroy(read.session, cookies, (c) => logoutOut.push(c));
  const marker = logoutOut.find((c) => c.startsWith('s_ended='));
  assert.ok(marker, 'the logout sets s_ended');
  assert.match(marker, /; Path=\/; Max-Age=9900; HttpOnly; Secure; SameSite=Lax$/, 'with the session cookie\'s attributes, until the session\'s absolute end');
  const afterLogout = jar(logoutOut, cookies);
  assert.equal(afterLogout.has('s'), false);
  for (const late of [read.out, refreshedOut]) {
    const browser = jar(late, afterLogout);
    assert.ok(browser.has('s') && browser.has('s_ended'), 'the late answer put the session cookie back, beside the marker');
    assert.equal(t.backend.loadNow(browser), undefined, 'refused');
    assert.equal((await t.read(browser)).session, undefined);
  }
  const relogged = await t.login(1_000_000_001);
  assert.ok((await t.read(jar([...relogged.entries()].map(([n, v]) => `${n}=${v}; Path=/`), afterLogout))).session, 'a login after the logout is a session');
});

test('cookie sessions: the marker keeps covering an earlier logout, cannot be forged or moved, and is not written for a session that cannot come back', async () => {
  const t = cookieSetup();
  const first = await t.login(1_000_000_000);
  const firstOut: string[] = [];
  await t.manager.destroy(t.backend.loadNow(first), first, (c) => firstOut.push(c));
  const markedOnce = jar(firstOut, first);
  const second = await t.login(1_000_050_000);
  const secondOut: string[] = [];
  const browser = jar([...second.entries()].map(([n, v]) => `${n}=${v}; Path=/`), markedOnce);
  await t.manager.destroy(t.backend.loadNow(browser), browser, (c) => secondOut.push(c));
  const markedTwice = jar(secondOut, browser);
  assert.equal(t.backend.loadNow(new Map([...first, ['s_ended', markedTwice.get('s_ended')!]])), undefined, 'the first session is still covered');
  assert.equal(t.backend.loadNow(new Map([...second, ['s_ended', markedTwice.get('s_ended')!]])), undefined);

  // A marker that does not open is no marker: tampered, made up, or the session cookie moved into its place.
  const marker = markedTwice.get('s_ended')!;
  for (const forged of [`${marker.slice(0, -2)}AA`, 'eyJ1cFRvIjo5OTk5OTk5OTk5OTk5fQ', second.get('s')!, sealer.seal('{"upTo":"x","until":1e20}', 's_ended')]) {
    assert.ok(t.backend.loadNow(new Map([...second, ['s_ended', forged]])), `ignored: ${forged.slice(0, 20)}…`);
  }
  // Past its end (the last covered session's absolute end), a marker covers nothing.
  t.advance(10_000);
  assert.ok(t.backend.loadNow(new Map([['s', sealer.seal(JSON.stringify({ v: 1, createdAt: 1_010_000, createdAtMs: 1, touchedAt: 1_010_000, data }), 's')], ['s_ended', marker]])));

  // No marker for a session that expired (every copy is refused by its own expiry), nor for one from the future.
  const u = cookieSetup({ absoluteDuration: 1_000, rollingDuration: undefined, touchInterval: 0 });
  const old = await u.login(1_000_000_000);
  const session = u.backend.loadNow(old);
  u.advance(1_000);
  const expiredOut: string[] = [];
  await u.manager.destroy(session, old, (c) => expiredOut.push(c));
  assert.deepEqual(expiredOut.map((c) => c.slice(0, c.indexOf('='))), ['s']);
  const future = await u.login(1_000_000_000 + 2_000_000);
  const futureOut: string[] = [];
  await u.manager.destroy(u.backend.loadNow(future), future, (c) => futureOut.push(c));
  assert.deepEqual(futureOut.map((c) => c.slice(0, c.indexOf('='))), ['s']);
});
