/**
 * One string per token and per sealed cookie: Node's base64url decoder (and jose's) accepts many
 * spellings of the same bytes — characters outside the alphabet are skipped, a last character's
 * spare bits ignored — so a re-spelled token or cookie still verified. Found by fuzzing
 * (test/fuzz); pinned here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieSealer } from '../../src/cookies/cookie-sealer.ts';
import { isCanonicalCompactJws } from '../../src/provider/canonical-jws.ts';

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
