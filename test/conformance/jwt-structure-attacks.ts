// The JWT attack matrix, part two: hostile structure in tokens that carry a valid signature —
// duplicate members that hide a hostile first value, header members meant for JWE or for JWS
// extensions, implausible dates, empty identifiers, deep nesting, sizes and encodings (issue 24).
// Each variant is refused by the rules every JWT obeys, before any key is fetched: its harness
// checks that the verifier asked the provider for nothing (`preflight`).
import type { AttackContext, AttackToken, JwtAttack } from './jwt-attacks.ts';

/** A valid token's claims or header as JSON text, with raw `"name":value` members put first (so JSON.parse keeps the valid last ones). */
function jsonFirst(value: Record<string, unknown>, first: string): string {
  const text = JSON.stringify(value);
  return text === '{}' ? `{${first}}` : `{${first},${text.slice(1)}`;
}

/** A variant signed with the issuer's real key over exactly this header and payload text. */
function signed(ctx: AttackContext, label: string, header: Record<string, unknown> | string, payload: Record<string, unknown> | string | Uint8Array): AttackToken {
  return { label, token: ctx.sign(header, payload, ctx.signingKey, ctx.signingKey.alg), preflight: true };
}

/** The claims that identify something and must never be empty when present (RFC 7519 §4.1, RFC 9068 §2.2, OIDC Core §2, Back-Channel Logout §2.4). */
const IDENTIFIERS = ['iss', 'sub', 'jti', 'sid', 'client_id', 'azp', 'nonce'];

const ACCESS_TOKEN_SUBJECT = 'RFC 9068 §2.2 makes an access token\'s sub a StringOrURI, not an OpenID subject: any non-empty string (ATK-63 covers the empty one).';

/**
 * The attacks of part two, appended to JWT_ATTACKS (jwt-attacks.ts).
 *
 * @example
 * ```ts
 * for (const attack of STRUCTURE_ATTACKS) console.log(attack.id, attack.title);
 * ```
 */
export const STRUCTURE_ATTACKS: readonly JwtAttack[] = [
  {
    id: 'ATK-59',
    title: 'a validly signed token whose duplicate members put the hostile value first',
    rule: 'RFC 7515 §4 and RFC 7519 §4: duplicate member names are refused (oidc-kit refuses rather than keep the last); RFC 7493 §2.3.',
    expect: 'refused',
    build(ctx) {
      const header = ctx.header();
      const claims = ctx.claims();
      return Promise.resolve([
        signed(ctx, 'header: alg none, then the real alg', jsonFirst(header, '"alg":"none"'), claims),
        signed(ctx, 'header: typ of another kind, then the real one', jsonFirst(header, '"typ":"secevent+jwt"'), claims),
        signed(ctx, 'claims: sub admin, then the real sub', header, jsonFirst(claims, '"sub":"admin"')),
        signed(ctx, 'claims: another audience, then the real one', header, jsonFirst(claims, '"aud":"https://evil.example"')),
        signed(ctx, 'claims: a nested duplicate', header, JSON.stringify(claims).replace(/\}$/, ',"extra":{"role":"admin","role":"user"}}')),
      ]);
    },
  },
  {
    id: 'ATK-60',
    title: 'a validly signed token whose header carries JWE or compression members over plain JSON claims',
    rule: 'RFC 7516 §4.1.3 and §9: zip and enc belong to JWE; RFC 8725 §3.6: no compression; RFC 7519 §7.2 step 8: cty JWT means a nested JWT, which is not supported.',
    expect: 'refused',
    build(ctx) {
      const claims = ctx.claims();
      return Promise.resolve([
        signed(ctx, 'zip DEF over plain claims', { ...ctx.header(), zip: 'DEF' }, claims),
        signed(ctx, 'enc A256GCM', { ...ctx.header(), enc: 'A256GCM' }, claims),
        signed(ctx, 'cty JWT over plain claims', { ...ctx.header(), cty: 'JWT' }, claims),
        signed(ctx, 'cty application/jwt over plain claims', { ...ctx.header(), cty: 'application/jwt' }, claims),
      ]);
    },
  },
  {
    id: 'ATK-61',
    title: 'a validly signed token with JWS extension members a lax verifier ignores (b64 without crit, crit naming b64 true)',
    rule: 'RFC 7515 §4.1.11: crit names extensions the verifier must understand; RFC 7797 §3, §6: b64 only with crit. oidc-kit supports no extension: any crit or b64 is refused.',
    expect: 'refused',
    build(ctx) {
      const claims = ctx.claims();
      return Promise.resolve([
        signed(ctx, 'crit [b64] with b64 true', { ...ctx.header(), crit: ['b64'], b64: true }, claims),
        signed(ctx, 'b64 false without crit (the payload still base64url)', { ...ctx.header(), b64: false }, claims),
        signed(ctx, 'b64 true alone', { ...ctx.header(), b64: true }, claims),
        signed(ctx, 'an empty crit', { ...ctx.header(), crit: [] }, claims),
      ]);
    },
  },
  {
    id: 'ATK-62',
    title: 'a validly signed token with NumericDates no real token has (exp 1e300, past the year 9999, negative)',
    rule: 'RFC 7519 §2 and §4.1.4-6: NumericDates are seconds since 1970; absurd values break expiry arithmetic and replay records (oidc-kit: 0 to the year 9999).',
    expect: 'refused',
    build(ctx) {
      const claims = ctx.claims();
      const variants = [
        signed(ctx, 'exp 1e300', ctx.header(), { ...claims, exp: 1e300 }),
        signed(ctx, 'exp in the year 10000', ctx.header(), { ...claims, exp: 253_402_300_800 }),
        signed(ctx, 'iat negative', ctx.header(), { ...claims, iat: -1 }),
        signed(ctx, 'nbf negative', ctx.header(), { ...claims, nbf: -86_400 }),
      ];
      if (ctx.tokenType === 'id_token') variants.push(signed(ctx, 'auth_time 1e20', ctx.header(), { ...claims, auth_time: 1e20 }));
      return Promise.resolve(variants);
    },
  },
  {
    id: 'ATK-63',
    title: 'a validly signed token with an empty identifier or audience',
    rule: 'RFC 7519 §4.1 and RFC 9068 §2.2: an identifier that is present must identify something; an empty sub, jti, client_id or audience matches nothing the issuer meant.',
    expect: 'refused',
    build(ctx) {
      const claims = ctx.claims();
      const present = IDENTIFIERS.filter((name) => claims[name] !== undefined);
      return Promise.resolve([
        ...present.map((name) => signed(ctx, `${name} ""`, ctx.header(), { ...claims, [name]: '' })),
        signed(ctx, 'aud ""', ctx.header(), { ...claims, aud: '' }),
        signed(ctx, 'aud []', ctx.header(), { ...claims, aud: [] }),
        signed(ctx, 'aud with an empty member', ctx.header(), { ...claims, aud: [claims['aud'], ''].flat() }),
      ]);
    },
  },
  {
    id: 'ATK-64',
    title: 'a validly signed token with nesting 2 000 deep or a number beyond a double in an unregistered claim',
    rule: 'RFC 8259 §9: a parser may limit nesting (oidc-kit: 32, so no claim can overflow a stack later); RFC 7493 §2.2: numbers must be finite doubles.',
    expect: 'refused',
    build(ctx) {
      const claims = ctx.claims();
      return Promise.resolve([
        signed(ctx, 'an array 2 000 deep', ctx.header(), JSON.stringify(claims).replace(/\}$/, `,"deep":${'['.repeat(2000)}${']'.repeat(2000)}}`)),
        signed(ctx, 'objects 40 deep', ctx.header(), JSON.stringify(claims).replace(/\}$/, `,"deep":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`)),
        signed(ctx, 'a claim of 1e400', ctx.header(), JSON.stringify(claims).replace(/\}$/, ',"weight":1e400}')),
        signed(ctx, 'a header member of -1e999', JSON.stringify(ctx.header()).replace(/\}$/, ',"x":-1e999}'), claims),
      ]);
    },
  },
  {
    id: 'ATK-65',
    title: 'a validly signed token larger than its kind allows, or with a 5 KB header',
    rule: 'RFC 8725 §2.9 (unbounded input): access and logout tokens at most 8 KiB, ID tokens and signed answers 64 KiB, headers 4 KiB.',
    expect: 'refused',
    build(ctx) {
      const cap = ctx.tokenType === 'access_token' || ctx.tokenType === 'logout_token' ? 8192 : 65_536;
      return Promise.resolve([
        signed(ctx, `claims padded past ${cap} characters`, ctx.header(), { ...ctx.claims(), padding: 'x'.repeat(Math.ceil(cap * 0.8)) }),
        signed(ctx, 'a 5 KB header', { ...ctx.header(), padding: 'x'.repeat(5000) }, ctx.claims()),
      ]);
    },
  },
  {
    id: 'ATK-66',
    title: 'a validly signed token with a byte-order mark or a lone surrogate',
    rule: 'RFC 8259 §8.1: no byte-order mark in networked JSON; RFC 7493 §2.1: no lone surrogates; RFC 8725 §3.7: UTF-8 only.',
    expect: 'refused',
    build(ctx) {
      const claims = JSON.stringify(ctx.claims());
      return Promise.resolve([
        signed(ctx, 'claims behind a BOM', ctx.header(), `\ufeff${claims}`),
        signed(ctx, 'a header behind a BOM', `\ufeff${JSON.stringify(ctx.header())}`, claims),
        signed(ctx, 'a claim with an escaped lone surrogate', ctx.header(), claims.replace(/\}$/, ',"name":"\\ud800"}')),
        signed(ctx, 'claims that are not UTF-8 (a raw surrogate, CESU-8)', ctx.header(), Buffer.concat([Buffer.from(claims.slice(0, -1)), Buffer.from(',"n":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])),
      ]);
    },
  },
  {
    id: 'ATK-67',
    title: 'a validly signed token whose OpenID subject is not 1 to 255 printable ASCII characters',
    rule: 'OpenID Connect Core §2: sub must not exceed 255 ASCII characters.',
    expect: 'refused',
    notApplicable: { access_token: ACCESS_TOKEN_SUBJECT },
    build(ctx) {
      const claims = ctx.claims();
      return Promise.resolve([
        signed(ctx, 'sub of 256 characters', ctx.header(), { ...claims, sub: 's'.repeat(256) }),
        signed(ctx, 'sub with a non-ASCII letter', ctx.header(), { ...claims, sub: `${String(claims['sub'])}\u00e9` }),
        signed(ctx, 'sub with a line break', ctx.header(), { ...claims, sub: `${String(claims['sub'])}\nadmin` }),
      ]);
    },
  },
];
