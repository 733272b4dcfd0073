import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearChunkedCookie, MAX_COOKIE_CHUNKS, maxCookieValueLength, readChunkedCookie, writeChunkedCookie } from '../../src/cookies/chunked-cookie.ts';
import { type CookieAttributes, parseCookieHeader, serializeCookie } from '../../src/cookies/cookie-header.ts';

const attrs: CookieAttributes = { path: '/', httpOnly: true, secure: true, sameSite: 'Lax', maxAge: 604800 };

test('parseCookieHeader: first occurrence wins, spaces and quotes tolerated, junk skipped', () => {
  const cookies = parseCookieHeader('a=1; b = 2 ;a=3; junk; c="4"; =x; d=');
  assert.equal(cookies.get('a'), '1');
  assert.equal(cookies.get('b'), '2');
  assert.equal(cookies.get('c'), '4');
  assert.equal(cookies.get('d'), '');
  assert.equal(cookies.has('junk'), false);
  assert.equal(parseCookieHeader(undefined).size, 0);
});

test('serializeCookie writes every attribute, and deletion with an Expires in the past', () => {
  assert.equal(serializeCookie('s', 'v', { ...attrs, domain: 'example.com' }), 's=v; Path=/; Domain=example.com; Max-Age=604800; HttpOnly; Secure; SameSite=Lax');
  assert.equal(serializeCookie('s', '', { ...attrs, maxAge: 0 }), 's=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax');
});

test('a small value is one cookie and clears chunks left from a larger session', () => {
  const out = writeChunkedCookie('s', 'small', attrs, new Map([['s.0', 'x'], ['s.1', 'y'], ['s.tx', 'keep']]));
  assert.equal(out[0], serializeCookie('s', 'small', attrs));
  assert.equal(out.length, 3);
  assert.ok(out.slice(1).every((c) => /^s\.\d=;/.test(c)));
});

test('a large value is chunked within the browser limit and read back whole', () => {
  const value = 'v'.repeat(10_000);
  const out = writeChunkedCookie('s', value, attrs, new Map([['s', 'old'], ['s.5', 'stale']]));
  const chunks = out.filter((c) => /^s\.\d+=v/.test(c));
  assert.equal(chunks.length, 3);
  for (const chunk of chunks) assert.ok(chunk.length <= 4096);
  assert.ok(out.some((c) => c.startsWith('s=;')), 'the unchunked cookie is cleared');
  assert.ok(out.some((c) => c.startsWith('s.5=;')), 'a stale chunk is cleared');
  const jar = new Map(chunks.map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1, c.indexOf(';'))]));
  assert.equal(readChunkedCookie(jar, 's'), value);
});

test('the chunk size accounts for the real attributes', () => {
  const longDomain: CookieAttributes = { ...attrs, domain: `${'sub.'.repeat(20)}example.com` };
  assert.ok(maxCookieValueLength('s', longDomain) < maxCookieValueLength('s', attrs));
  for (const cookie of writeChunkedCookie('s', 'v'.repeat(9000), longDomain, new Map())) assert.ok(cookie.length <= 4096);
});

test('reading stops at a gap; clearing removes every shape', () => {
  assert.equal(readChunkedCookie(new Map([['s.0', 'a'], ['s.2', 'c']]), 's'), 'a');
  assert.equal(readChunkedCookie(new Map(), 's'), undefined);
  assert.equal(clearChunkedCookie('s', attrs, new Map([['s', '1'], ['s.0', '1'], ['s.1', '1'], ['other', '1']])).length, 3);
});

test('hostile chunk cookies: clearing answers only the chunks the writer could have written, reading stops there too (issue 25, item 6)', () => {
  const hostile = new Map<string, string>([['s', ''], ...Array.from({ length: 300 }, (_, i): [string, string] => [`s.${i}`, ''])]);
  hostile.set('s.007', '');
  hostile.set('s.99999999999999999999', '');
  const cleared = clearChunkedCookie('s', attrs, hostile);
  assert.equal(cleared.length, 1 + MAX_COOKIE_CHUNKS, 'the whole cookie and chunks 0..15');
  assert.ok(cleared.join('\n').length < 2500, `${cleared.join('\n').length} bytes of Set-Cookie`);
  const many = new Map(Array.from({ length: 40 }, (_, i): [string, string] => [`s.${i}`, 'x']));
  assert.equal(readChunkedCookie(many, 's'), 'x'.repeat(MAX_COOKIE_CHUNKS));
});

test('the writer never writes more than MAX_COOKIE_CHUNKS chunks, and says what to do instead', () => {
  const fits = 'v'.repeat(maxCookieValueLength(`s.${MAX_COOKIE_CHUNKS - 1}`, attrs) * MAX_COOKIE_CHUNKS);
  assert.equal(writeChunkedCookie('s', fits, attrs, new Map()).length, MAX_COOKIE_CHUNKS);
  assert.throws(() => writeChunkedCookie('s', `${fits}v`, attrs, new Map()), /would need 17 chunks of 4 KB, more than the 16 oidc-kit writes .*session\.store/);
});
