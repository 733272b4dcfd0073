import { claimTypeProblem, claimTypeRule } from '../claim-types.ts';
import { isCanonicalCompactJws } from './canonical-jws.ts';
import { parseStrictJson, StrictJsonError } from './strict-json.ts';

/**
 * The kinds of JWT oidc-kit verifies. Each has its own size cap and explicit type (RFC 8725 §3.11);
 * all share the structural rules of {@link preflightJws}.
 */
export type JwtKind = 'id_token' | 'access_token' | 'logout_token' | 'userinfo' | 'introspection';

/** A JWS header and claims set that passed {@link preflightJws}: plain JSON objects, unverified. */
export interface PreflightedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Record<string, unknown>;
}

/**
 * A token refused before any key or provider was consulted, with a stable reason code (see
 * docs/token-rules.md) and an ASCII message that names the rule (it may go into `WWW-Authenticate`).
 *
 * @example
 * ```ts
 * try { preflightJws(token, 'logout_token'); } catch (error) { if (error instanceof JwtRefusal) console.log(error.reason); }
 * ```
 */
export class JwtRefusal extends Error {
  override readonly name = 'JwtRefusal';
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * The most characters each kind may have. Access and logout tokens come from anyone (8 KiB, as
 * the bearer check has always capped them); ID tokens, UserInfo and introspection answers come
 * from the provider over an authenticated back channel and may carry large group claims.
 */
export const MAX_JWT_LENGTH: Readonly<Record<JwtKind, number>> = {
  access_token: 8192,
  logout_token: 8192,
  id_token: 65_536,
  userinfo: 65_536,
  introspection: 65_536,
};

/** The most bytes a decoded JOSE header may have: real ones are under 200. */
export const MAX_HEADER_BYTES = 4096;

/** The largest NumericDate accepted: 9999-12-31T23:59:59Z. A date past it is a broken or hostile token. */
export const MAX_NUMERIC_DATE = 253_402_300_799;

/** Claims that are NumericDates (RFC 7519 §2, §4.1.4-6; OIDC Core §2 `auth_time`). */
const DATE_CLAIMS = ['exp', 'iat', 'nbf', 'auth_time'] as const;
/** Claims that, when present, must be a non-empty string: an empty one identifies nothing. */
const IDENTIFIER_CLAIMS = ['iss', 'sub', 'jti', 'sid', 'client_id', 'azp', 'nonce'] as const;
/** Kinds whose `sub` is an OpenID subject: at most 255 ASCII characters (OIDC Core §2). */
const OPENID_SUBJECT_KINDS: ReadonlySet<JwtKind> = new Set(['id_token', 'userinfo', 'logout_token']);

/**
 * JWS header members that make no sense on a compact JWS oidc-kit verifies, each refused under its
 * own reason: `crit` (no extension is supported, RFC 7515 §4.1.11), `b64` (unencoded payloads,
 * RFC 7797), `zip` (compression, RFC 7516 §4.1.3 and RFC 8725 §3.6) and `enc` (a JWE header member,
 * RFC 7516 §9).
 */
const REFUSED_HEADER_MEMBERS = ['crit', 'b64', 'zip', 'enc'] as const;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The structural rules every JWT passes before any key is fetched or any provider is asked —
 * the same for every kind — so that a token refused here costs no provider call:
 *
 * - at most {@link MAX_JWT_LENGTH} characters, a header of at most {@link MAX_HEADER_BYTES} bytes;
 * - a canonical compact JWS (three base64url parts, no padding, no spare bits; RFC 7515 §7.1);
 * - header and claims strict UTF-8 I-JSON objects: no duplicate member, no non-finite number, no
 *   lone surrogate or byte-order mark, nesting at most 32 deep ({@link parseStrictJson});
 * - header: `alg` a non-empty string, `kid` a string of 1-256 characters, `typ` a string; no
 *   `crit`, `b64`, `zip` or `enc`; no `cty` of `JWT` (nested JWTs are not supported, RFC 7519 §7.2
 *   step 8);
 * - claims: registered claims of their type, NumericDates between 0 and year 9999, identifiers
 *   (`iss`, `sub`, `jti`, `sid`, `client_id`, `azp`, `nonce`, each `aud`) non-empty, and an OpenID
 *   `sub` at most 255 printable ASCII characters.
 *
 * Throws a {@link JwtRefusal} whose reason is a stable code: `too_long`, `header_too_long`,
 * `malformed`, `encoding`, `duplicate_member`, `json_depth`, `json_number`, `alg`, `kid`, `typ`,
 * `crit`, `b64`, `zip`, `enc`, `cty`, or the name of the claim at fault. The signature, the issuer,
 * the audience and each kind's own rules are checked by the caller.
 *
 * @example
 * ```ts
 * const { header, claims } = preflightJws(token, 'access_token');
 * ```
 */
export function preflightJws(token: string, kind: JwtKind): PreflightedJwt {
  if (token.length > MAX_JWT_LENGTH[kind]) throw new JwtRefusal('too_long', `The token is longer than ${MAX_JWT_LENGTH[kind]} characters.`);
  if (!isCanonicalCompactJws(token)) throw new JwtRefusal('malformed', 'The token is not a compact JWS in canonical base64url (RFC 7515 section 7.1).');
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  // 4 base64url characters carry 3 bytes: refuse an oversized header before decoding it.
  if (first > Math.ceil(MAX_HEADER_BYTES * 4 / 3)) throw new JwtRefusal('header_too_long', `The token's header is larger than ${MAX_HEADER_BYTES} bytes.`);
  const header = jsonObject(token.slice(0, first), 'header');
  const claims = jsonObject(token.slice(first + 1, second), 'claims set');
  checkHeader(header);
  checkRegisteredClaims(claims, kind);
  return { header, claims };
}

/** A base64url part decoded as a strict UTF-8 I-JSON object. */
function jsonObject(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseStrictJson(UTF8.decode(Buffer.from(part, 'base64url')));
  } catch (error) {
    if (error instanceof StrictJsonError) throw new JwtRefusal(error.reason, `The token's ${what} is refused: ${error.message}`);
    throw new JwtRefusal('encoding', `The token's ${what} is not UTF-8 (RFC 8725 section 3.7).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwtRefusal('malformed', `The token's ${what} is not a JSON object (RFC 7519 section 7.2).`);
  return value as Record<string, unknown>;
}

function checkHeader(header: Record<string, unknown>): void {
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg === '') throw new JwtRefusal('alg', 'The token\'s header has no "alg" string (RFC 7515 section 4.1.1).');
  const kid = header['kid'];
  if (kid !== undefined && (typeof kid !== 'string' || kid === '' || kid.length > 256)) throw new JwtRefusal('kid', 'The token\'s "kid" must be a string of 1 to 256 characters (RFC 7515 section 4.1.4).');
  if (header['typ'] !== undefined && typeof header['typ'] !== 'string') throw new JwtRefusal('typ', 'The token\'s "typ" must be a string (RFC 7515 section 4.1.9).');
  for (const name of REFUSED_HEADER_MEMBERS) {
    if (header[name] !== undefined) throw new JwtRefusal(name, `The token's header carries "${name}", which a signed JWT verified here must not (${HEADER_RULES[name]}).`);
  }
  const cty = header['cty'];
  if (cty !== undefined && (typeof cty !== 'string' || mediaType(cty) === 'jwt')) {
    throw new JwtRefusal('cty', 'The token says it nests another JWT (cty), which is not supported (RFC 7519 section 7.2 step 8).');
  }
}

const HEADER_RULES: Readonly<Record<(typeof REFUSED_HEADER_MEMBERS)[number], string>> = {
  crit: 'no JWS extension is supported, RFC 7515 section 4.1.11',
  b64: 'unencoded payloads are not supported, RFC 7797',
  zip: 'no compression, RFC 8725 section 3.6',
  enc: 'a JWE header member, RFC 7516 section 9',
};

/**
 * The claim rules of {@link preflightJws}, on their own, for claim sets that arrive as plain JSON
 * (introspection answers): registered claims of their type, NumericDates between 0 and year 9999,
 * identifiers non-empty, an OpenID `sub` at most 255 printable ASCII characters. Throws a
 * {@link JwtRefusal} whose reason is the claim's name.
 *
 * @example
 * ```ts
 * checkRegisteredClaims({ sub: '', exp: 1700000000 }, 'introspection'); // throws: reason 'sub'
 * ```
 */
export function checkRegisteredClaims(claims: Readonly<Record<string, unknown>>, kind: JwtKind): void {
  const typeProblem = claimTypeProblem(claims);
  if (typeProblem !== undefined) throw new JwtRefusal(typeProblem, `The token's claim ${claimTypeRule(typeProblem, claims[typeProblem])}.`);
  for (const name of DATE_CLAIMS) {
    const value = claims[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || value < 0 || value > MAX_NUMERIC_DATE) {
      throw new JwtRefusal(name, `The token's "${name}" is not a plausible NumericDate (seconds since 1970, before the year 10000; RFC 7519 section 2).`);
    }
  }
  for (const name of IDENTIFIER_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new JwtRefusal(name, `The token's "${name}" must be a non-empty string.`);
  }
  const aud = claims['aud'];
  if (aud !== undefined && (aud === '' || (Array.isArray(aud) && (aud.length === 0 || aud.includes(''))))) {
    throw new JwtRefusal('aud', 'The token\'s "aud" must name at least one audience, none of them empty (RFC 7519 section 4.1.3).');
  }
  const sub = claims['sub'];
  if (OPENID_SUBJECT_KINDS.has(kind) && typeof sub === 'string' && (sub.length > 255 || !/^[\x20-\x7e]*$/.test(sub))) {
    throw new JwtRefusal('sub', 'The token\'s "sub" must be at most 255 printable ASCII characters (OpenID Connect Core section 2).');
  }
}

/**
 * A `typ` or `cty` value compared as a media type (RFC 7515 §4.1.9): case-insensitively, with the
 * `application/` prefix optional.
 *
 * @example
 * ```ts
 * mediaType('application/AT+JWT'); // 'at+jwt'
 * ```
 */
export function mediaType(value: string): string {
  return value.toLowerCase().replace(/^application\//, '');
}
