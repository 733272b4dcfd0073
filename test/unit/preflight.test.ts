/**
 * preflightJws: the structural rules every JWT passes before any key or provider is consulted.
 * Signatures are not its business, so the tokens here carry a dummy one; every refusal has its
 * stable reason (docs/token-rules.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JwtRefusal, type JwtKind, MAX_JWT_LENGTH, MAX_NUMERIC_DATE, preflightJws } from '../../src/jwt/preflight.ts';
import { typeAccepted } from '../../src/jwt/explicit-type.ts';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const SIG = b64('signature');
const HEADER = '{"alg":"RS256","kid":"k1"}';
const CLAIMS = '{"iss":"https://op.example","sub":"alice","aud":"app","exp":1900000000,"iat":1800000000}';
const token = (header = HEADER, claims = CLAIMS): string => `${b64(header)}.${b64(claims)}.${SIG}`;

function reasonOf(jwt: string, kind: JwtKind = 'id_token'): string {
  try {
    preflightJws(jwt, kind);
  } catch (error) {
    assert.ok(error instanceof JwtRefusal, String(error));
    assert.match(error.message, /^[\x20-\x7e]+$/, 'messages are ASCII (they may go into WWW-Authenticate)');
    return error.reason;
  }
  return 'accepted';
}

test('a well-formed token passes and comes back parsed', () => {
  const { header, claims } = preflightJws(token(), 'id_token');
  assert.deepEqual(header, { alg: 'RS256', kid: 'k1' });
  assert.equal(claims['sub'], 'alice');
});

test('TR-01: size: each kind has its cap, and an oversized header is refused before it is decoded', () => {
  const long = token(HEADER, JSON.stringify({ ...JSON.parse(CLAIMS), pad: 'x'.repeat(7000) }));
  assert.equal(reasonOf(long, 'access_token'), 'too_long');
  assert.equal(reasonOf(long, 'logout_token'), 'too_long');
  assert.equal(reasonOf(long, 'id_token'), 'accepted');
  assert.equal(reasonOf('a'.repeat(MAX_JWT_LENGTH.id_token + 1)), 'too_long');
  assert.equal(reasonOf(token(JSON.stringify({ alg: 'RS256', x: 'y'.repeat(5000) }))), 'header_too_long');
});

test('TR-02: encoding: not canonical, not UTF-8, a BOM, a lone surrogate, not an object', () => {
  assert.equal(reasonOf(`${token()}=`), 'malformed');
  assert.equal(reasonOf(`${token()}.x.y`), 'malformed');
  assert.equal(reasonOf(`${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${b64(CLAIMS)}.${SIG}`), 'encoding');
  assert.equal(reasonOf(token(`\ufeff${HEADER}`)), 'encoding');
  assert.equal(reasonOf(token(HEADER, '{"sub":"\\ud800"}')), 'encoding');
  assert.equal(reasonOf(token('["RS256"]')), 'malformed');
  assert.equal(reasonOf(token(HEADER, '"alice"')), 'malformed');
});

test('TR-03, TR-04: hostile JSON: duplicate members (first or last hostile), non-finite numbers, deep nesting', () => {
  assert.equal(reasonOf(token('{"alg":"none","alg":"RS256"}')), 'duplicate_member');
  assert.equal(reasonOf(token(HEADER, '{"sub":"admin","iss":"x","sub":"alice"}')), 'duplicate_member');
  assert.equal(reasonOf(token(HEADER, '{"sub":"a","exp":1e400}')), 'json_number');
  assert.equal(reasonOf(token(HEADER, `{"sub":"a","deep":${'['.repeat(40)}${']'.repeat(40)}}`)), 'json_depth');
});

test('TR-05: header members that make no sense on a JWS verified here are refused, each under its name', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ alg: 'RS256', crit: ['b64'], b64: true }, 'crit'],
    [{ alg: 'RS256', crit: ['exp'] }, 'crit'],
    [{ alg: 'RS256', b64: false }, 'b64'],
    [{ alg: 'RS256', zip: 'DEF' }, 'zip'],
    [{ alg: 'RS256', enc: 'A256GCM' }, 'enc'],
    [{ alg: 'RS256', cty: 'JWT' }, 'cty'],
    [{ alg: 'RS256', cty: 'application/jwt' }, 'cty'],
    [{ alg: 'RS256', cty: 7 }, 'cty'],
    [{}, 'alg'],
    [{ alg: '' }, 'alg'],
    [{ alg: ['RS256'] }, 'alg'],
    [{ alg: 'RS256', kid: '' }, 'kid'],
    [{ alg: 'RS256', kid: 'k'.repeat(257) }, 'kid'],
    [{ alg: 'RS256', kid: 1 }, 'kid'],
    [{ alg: 'RS256', typ: ['JWT'] }, 'typ'],
  ];
  for (const [header, reason] of cases) assert.equal(reasonOf(token(JSON.stringify(header))), reason, JSON.stringify(header));
  assert.equal(reasonOf(token('{"alg":"RS256","cty":"json","x5u":"https://evil.example"}')), 'accepted');
});

test('TR-06, TR-07: claims: types, plausible NumericDates, non-empty identifiers and audiences, OpenID subjects', () => {
  const withClaim = (extra: Record<string, unknown>): string => token(HEADER, JSON.stringify({ ...JSON.parse(CLAIMS), ...extra }));
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ sub: null }, 'sub'], [{ sub: 42 }, 'sub'], [{ exp: '1900000000' }, 'exp'],
    [{ exp: 1e300 }, 'exp'], [{ exp: MAX_NUMERIC_DATE + 1 }, 'exp'], [{ iat: -1 }, 'iat'], [{ nbf: -5 }, 'nbf'],
    [{ auth_time: 'yesterday' }, 'auth_time'], [{ auth_time: 1e20 }, 'auth_time'],
    [{ sub: '' }, 'sub'], [{ jti: '' }, 'jti'], [{ client_id: '' }, 'client_id'], [{ sid: '' }, 'sid'], [{ sid: 5 }, 'sid'],
    [{ azp: '' }, 'azp'], [{ nonce: '' }, 'nonce'], [{ iss: '' }, 'iss'],
    [{ aud: '' }, 'aud'], [{ aud: [] }, 'aud'], [{ aud: ['app', ''] }, 'aud'], [{ aud: [1] }, 'aud'],
    [{ sub: 's'.repeat(256) }, 'sub'], [{ sub: 'ålice' }, 'sub'], [{ sub: 'a\nb' }, 'sub'],
  ];
  for (const [extra, reason] of cases) assert.equal(reasonOf(withClaim(extra)), reason, JSON.stringify(extra));
  // An access token's subject is any non-empty StringOrURI (RFC 9068), not an OpenID subject.
  assert.equal(reasonOf(withClaim({ sub: 'ålice' }), 'access_token'), 'accepted');
  assert.equal(reasonOf(withClaim({ exp: 1900000000.5, sub: 's'.repeat(255) })), 'accepted');
});

test('TR-08: explicit typing: each kind accepts its own typ and refuses the others', () => {
  assert.equal(typeAccepted('id_token', undefined), true);
  assert.equal(typeAccepted('id_token', 'JWT'), true);
  assert.equal(typeAccepted('id_token', 'application/jwt'), true);
  for (const other of ['at+jwt', 'logout+jwt', 'token-introspection+jwt', 'secevent+jwt', 'dpop+jwt']) {
    assert.equal(typeAccepted('id_token', other), false, other);
    assert.equal(typeAccepted('userinfo', other), false, other);
  }
  assert.equal(typeAccepted('logout_token', 'application/logout+jwt'), true);
  assert.equal(typeAccepted('logout_token', 'application/jwt'), true);
  assert.equal(typeAccepted('logout_token', 'at+jwt'), false);
  assert.equal(typeAccepted('introspection', 'application/token-introspection+jwt'), true);
  assert.equal(typeAccepted('introspection', 'JWT'), false);
  assert.equal(typeAccepted('access_token', 'AT+JWT'), true);
  assert.equal(typeAccepted('access_token', 'JWT'), false);
  assert.equal(typeAccepted('access_token', undefined), false);
  assert.equal(typeAccepted('access_token', 'JWT', { genericAccessTokens: true }), true);
  assert.equal(typeAccepted('access_token', 'logout+jwt', { genericAccessTokens: true }), false);
});
