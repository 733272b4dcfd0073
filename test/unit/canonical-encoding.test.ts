/**
 * One string per token and per sealed cookie: Node's base64url decoder (and jose's) accepts many
 * spellings of the same bytes — characters outside the alphabet are skipped, a last character's
 * spare bits ignored — so a re-spelled token or cookie still verified. Found by fuzzing
 * (test/fuzz); pinned here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieSealer } from '../../src/cookies/cookie-sealer.ts';
import { isCanonicalCompactJws } from '../../src/jwt/canonical-jws.ts';

/** The same bytes, spelled differently: the last character's spare bits flipped. */
function respelled(part: string): string {
  const last = part.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (const candidate of alphabet) {
    const other = part.slice(0, -1) + candidate;
    if (candidate !== last && Buffer.from(other, 'base64url').equals(Buffer.from(part, 'base64url'))) return other;
  }
  throw new Error('no spare bits in this part');
}

test('compact JWS: canonical base64url only', () => {
  const signature = Buffer.alloc(256, 7).toString('base64url'); // 342 characters: 2 spare bits
  const token = `eyJhbGciOiJSUzI1NiJ9.e30.${signature}`;
  assert.equal(isCanonicalCompactJws(token), true);
  assert.equal(isCanonicalCompactJws(`eyJhbGciOiJSUzI1NiJ9.e30.${respelled(signature)}`), false, 'spare bits set');
  assert.equal(isCanonicalCompactJws(`eyJhbGciOiJSUzI1NiJ9.e30.${signature.slice(0, 10)}.${signature.slice(10)}`), false, 'four parts');
  assert.equal(isCanonicalCompactJws(`eyJhbGciOiJSUzI1NiJ9.e30.${signature.slice(0, 10)}*${signature.slice(10)}`), false, 'a character outside the alphabet (skipped by decoders)');
  assert.equal(isCanonicalCompactJws(`eyJhbGciOiJSUzI1NiJ9.e30.${signature}=`), false, 'padding');
  assert.equal(isCanonicalCompactJws('eyJhbGciOiJSUzI1NiJ9.e30'), false);
});

test('sealed cookies: a re-spelled value does not open', () => {
  const sealer = new CookieSealer(['s'.repeat(32)], 'session');
  let sealed = sealer.seal('{"sub":"alice"}', 'oidc_session');
  // A value whose length leaves spare bits in its last character.
  for (let i = 0; sealed.length % 4 === 0 && i < 10; i++) sealed = sealer.seal(`{"sub":"alice${'x'.repeat(i + 1)}"}`, 'oidc_session');
  assert.ok(sealer.open(sealed, 'oidc_session') !== undefined);
  assert.equal(sealer.open(respelled(sealed), 'oidc_session'), undefined);
  assert.equal(sealer.open(`${sealed.slice(0, 5)}.${sealed.slice(5)}`, 'oidc_session'), undefined, 'a character the decoder skips');
});

test('compact JWS: the string check agrees with decoding and re-encoding, on random parts of every length and alphabet', () => {
  // The reference definition: a part is canonical when decoding and encoding it again gives it back.
  const reference = (token: string): boolean => {
    const parts = token.split('.');
    return parts.length === 3 && parts.every((part) => /^[A-Za-z0-9_-]*$/.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part);
  };
  const characters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.* ';
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const part = (): string => Array.from({ length: random(12) }, () => characters[random(random(4) === 0 ? characters.length : 64)]).join('');
  let canonical = 0;
  for (let i = 0; i < 20_000; i++) {
    const token = random(3) === 0 ? `${part()}.${part()}` : `${part()}.${part()}.${part()}`;
    assert.equal(isCanonicalCompactJws(token), reference(token), JSON.stringify(token));
    if (reference(token)) canonical++;
  }
  assert.ok(canonical > 1000, 'the sample holds canonical tokens too');
  // Real tokens: every length of signature, canonical or re-spelled.
  for (let bytes = 1; bytes < 70; bytes++) {
    const signature = Buffer.alloc(bytes, bytes * 37).toString('base64url');
    assert.equal(isCanonicalCompactJws(`eyJhbGciOiJFUzI1NiJ9.e30.${signature}`), true);
    if (bytes % 3 !== 0) assert.equal(isCanonicalCompactJws(`eyJhbGciOiJFUzI1NiJ9.e30.${respelled(signature)}`), false);
  }
});
