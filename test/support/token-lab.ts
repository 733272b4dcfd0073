// token-lab: a small, hostile, fully programmable OAuth 2.0 authorization server for the integration
// tests of the resource-server side (bearer token validation). Tests mint any JWT — valid or forged —
// and script every JWKS, introspection and token-endpoint answer, while the lab counts each request.
import { text as readBody } from 'node:stream/consumers';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { mergeMembers } from './merge-members.ts';

/**
 * One request the lab received, recorded before it is answered (also for unknown paths).
 * `path` is the URL path without the query string; `body` is the raw body as text ('' when none).
 *
 * @example
 * ```ts
 * const [call] = lab.requests.filter((r) => r.path === '/introspect');
 * assert.equal(call!.method, 'POST');
 * assert.match(call!.headers.authorization ?? '', /^Basic /);
 * assert.equal(new URLSearchParams(call!.body).get('token'), token);
 * ```
 */
export interface LabRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A signing key: its private half for `lab.mint`, and the public JWK `/jwks` publishes for it
 * (kty, key material, kid, alg and use 'sig' only — never `d`).
 *
 * @example
 * ```ts
 * const rogue = await lab.generateKey('RS256', 'rs-1'); // same kid as the published key, other key material
 * const forged = await lab.mint({}, { key: rogue });
 * // The RSA public key as PEM (e.g. the secret of an HS256 alg-confusion token):
 * const pem = await exportSPKI((await importJWK(lab.keys[0]!.publicJwk, 'RS256')) as CryptoKey);
 * ```
 */
export interface LabKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * How the lab answers one request, returned by `lab.introspect`, `lab.token` or `lab.jwks`:
 * - `{ status?, headers?, body? }`: status defaults to 200; an object body is sent as JSON; a string body
 *   is sent verbatim. `content-type` defaults to `application/json` (for string bodies too) unless
 *   `headers` sets it; header names are case-insensitive.
 * - `'hang'`: never answer; the socket stays open until the client gives up or `lab.close()`.
 * - `'destroy'`: close the socket abruptly, without any HTTP response.
 *
 * @example
 * ```ts
 * lab.introspect = () => ({ status: 503, headers: { 'retry-after': '1' }, body: { error: 'temporarily_unavailable' } });
 * lab.jwks = () => ({ headers: { 'content-type': 'text/html' }, body: '<html>login</html>' });
 * lab.token = () => 'destroy';
 * ```
 */
export type LabAnswer =
  | { status?: number; headers?: Record<string, string>; body?: string | Record<string, unknown> }
  | 'hang'
  | 'destroy';

/**
 * A running lab. Every property may be changed at any time; the server reads them per request.
 *
 * @example
 * ```ts
 * const lab = await startTokenLab();
 * after(() => lab.close());
 * const token = await lab.mint({ scope: 'read write' });
 * // ... call the resource server with `authorization: Bearer ${token}` ...
 * assert.equal(lab.count('/jwks'), 1);
 * ```
 */
export interface TokenLab {
  /**
   * e.g. http://127.0.0.1:PORT — no trailing slash. The discovery document's issuer is `lab.issuer`
   * unless `lab.metadataOverrides.issuer` is set.
   *
   * @example
   * ```ts
   * const discovery = await fetch(`${lab.issuer}/.well-known/openid-configuration`).then((r) => r.json());
   * ```
   */
  readonly issuer: string;
  /**
   * Every request received, oldest first (body as text). Clear with `lab.requests.length = 0`.
   *
   * @example
   * ```ts
   * lab.requests.length = 0;
   * await callApi(token);
   * assert.deepEqual(lab.requests.map((r) => r.path), ['/.well-known/openid-configuration', '/jwks']);
   * ```
   */
  readonly requests: LabRequest[];
  /**
   * Number of requests received for a path (without query string).
   *
   * @example
   * ```ts
   * assert.equal(lab.count('/jwks'), 1); // the JWKS was cached across calls
   * ```
   */
  count(path: string): number;
  /**
   * Merged over the discovery document served at /.well-known/openid-configuration and
   * /.well-known/oauth-authorization-server. Default document: issuer, authorization_endpoint
   * `${issuer}/authorize`, token_endpoint `${issuer}/token`, jwks_uri `${issuer}/jwks`,
   * introspection_endpoint `${issuer}/introspect`, userinfo_endpoint `${issuer}/userinfo`,
   * response_types_supported ['code'], subject_types_supported ['public'],
   * id_token_signing_alg_values_supported ['RS256','ES256'], grant_types_supported
   * ['authorization_code','client_credentials','refresh_token'], token_endpoint_auth_methods_supported
   * ['client_secret_basic','client_secret_post']. A key set to undefined removes it.
   *
   * @example
   * ```ts
   * lab.metadataOverrides.issuer = 'https://evil.example'; // discovery answers with a foreign issuer
   * lab.metadataOverrides.introspection_endpoint = undefined; // no introspection advertised
   * ```
   */
  metadataOverrides: Record<string, unknown>;
  /**
   * Keys published at /jwks (public parts). Starts with one RS256 key (kid 'rs-1') and one ES256 key
   * (kid 'es-1'). `lab.keys[0]` is the default key of `lab.mint`.
   *
   * @example
   * ```ts
   * lab.keys.push(await lab.generateKey('PS256', 'ps-1')); // publish one more key
   * lab.keys = []; // an empty JWKS
   * ```
   */
  keys: LabKey[];
  /**
   * Generates a key (alg: RS256|RS384|RS512|PS256|ES256|ES384|EdDSA; kid default random) WITHOUT
   * publishing it; push it into lab.keys to publish.
   *
   * @example
   * ```ts
   * const unpublished = await lab.generateKey('ES256');
   * const token = await lab.mint({}, { key: unpublished }); // kid unknown to the JWKS
   * ```
   */
  generateKey(alg: string, kid?: string): Promise<LabKey>;
  /**
   * Replaces the published keys with fresh ones of the same algorithms (new random kids; RS256 + ES256
   * when `lab.keys` is empty) and returns them — simulates a key rotation. `lab.keys` becomes a new
   * array; tokens minted before still carry the old kids.
   *
   * @example
   * ```ts
   * const old = await lab.mint();
   * const [fresh] = await lab.rotateKeys();
   * const current = await lab.mint(); // signed with `fresh`, whose kid the RS has not seen yet
   * ```
   */
  rotateKeys(): Promise<LabKey[]>;
  /**
   * Signs a JWT. Defaults: header { alg: key.alg, kid: key.kid, typ: 'at+jwt' }, key = lab.keys[0];
   * payload defaults: iss = lab.issuer, sub 'user-1', aud 'https://api.example', client_id 'client-1',
   * iat now, exp now+300, jti random, scope 'read'. `claims` are merged over the defaults; a claim
   * set to undefined is removed. `header` is merged over the default header; `header.typ: undefined`
   * removes typ, `header.kid: undefined` removes kid. `key` picks another key (e.g. one not published).
   *
   * The signature is always computed with `key.alg`, whatever `header.alg` claims, so a header may lie
   * about its algorithm; any other header (e.g. `crit`, `jku`, `b64`) is sent as given. Claim values are
   * not validated (e.g. `exp: 'tomorrow'` is fine).
   *
   * @example
   * ```ts
   * const expired = await lab.mint({ exp: Math.floor(Date.now() / 1000) - 60 });
   * const noTyp = await lab.mint({}, { header: { typ: undefined } });
   * const idToken = await lab.mint({ nonce: 'n' }, { header: { typ: 'JWT' }, key: lab.keys[1] });
   * ```
   */
  mint(claims?: Record<string, unknown>, options?: { key?: LabKey; header?: Record<string, unknown> }): Promise<string>;
  /**
   * Builds raw compact JWS pieces for attacks jose refuses to produce: alg none
   * (`unsigned(header, payload)` → `b64(header).b64(payload).`), or any header/payload with a given
   * signature string (appended verbatim, so pass it base64url-encoded). No defaults are added.
   *
   * @example
   * ```ts
   * const now = Math.floor(Date.now() / 1000);
   * const none = lab.unsigned({ alg: 'none', typ: 'at+jwt' }, { iss: lab.issuer, aud: 'https://api.example', sub: 'x', iat: now, exp: now + 60 });
   * const [h, , sig] = (await lab.mint()).split('.');
   * const tampered = lab.unsigned({ alg: 'RS256', kid: 'rs-1', typ: 'at+jwt' }, { sub: 'admin' }, sig);
   * ```
   */
  unsigned(header: Record<string, unknown>, payload: Record<string, unknown>, signature?: string): string;
  /**
   * HS256 token signed with the given secret bytes (e.g. the RSA public key PEM text, for the
   * alg-confusion attack). `payload` is merged over the same default claims as `lab.mint` (undefined
   * removes a claim); `header` is merged over { alg: 'HS256', typ: 'at+jwt' } (undefined removes).
   *
   * @example
   * ```ts
   * const pem = await exportSPKI((await importJWK(lab.keys[0]!.publicJwk, 'RS256')) as CryptoKey);
   * const confused = await lab.mintHs256({}, new TextEncoder().encode(pem), { kid: 'rs-1' });
   * ```
   */
  mintHs256(payload: Record<string, unknown>, secret: Uint8Array, header?: Record<string, unknown>): Promise<string>;
  /**
   * How /introspect answers. Default: `lab.introspections.get(token)` or { active: false } with status
   * 200 JSON. Set a function to take full control: it gets the parsed form body and the request;
   * returns { status?, headers?, body (string | object → JSON) } or 'hang' (never answer; socket stays
   * open) or 'destroy' (close the socket abruptly). A function that throws yields a 500 JSON answer.
   *
   * @example
   * ```ts
   * lab.introspect = (form) => ({ body: { active: true, sub: 'user-1', token_type: form.get('token_type_hint') } });
   * lab.introspect = () => 'hang';
   * lab.introspect = undefined; // back to the default
   * ```
   */
  introspect: ((form: URLSearchParams, request: LabRequest) => LabAnswer | Promise<LabAnswer>) | undefined;
  /**
   * Token → introspection JSON for the default behaviour.
   *
   * @example
   * ```ts
   * lab.introspections.set('opaque-1', { active: true, sub: 'user-1', scope: 'read', exp: now + 60 });
   * ```
   */
  introspections: Map<string, Record<string, unknown>>;
  /**
   * Same control for /token (default: client_credentials grant → { access_token: random, token_type:
   * 'Bearer', expires_in: 300, scope: form.scope }; any other grant → 400 { error: 'unsupported_grant_type' }).
   *
   * @example
   * ```ts
   * lab.token = async (form) => ({ body: { access_token: await lab.mint({ scope: form.get('scope') ?? 'read' }), token_type: 'Bearer', expires_in: 60 } });
   * ```
   */
  token: ((form: URLSearchParams, request: LabRequest) => LabAnswer | Promise<LabAnswer>) | undefined;
  /**
   * Same control for /jwks (default: 200 { keys: publicJwks }).
   *
   * @example
   * ```ts
   * lab.jwks = () => ({ status: 500, body: 'oops' });
   * lab.jwks = () => ({ body: { keys: [{ ...lab.keys[0]!.publicJwk, kid: 'other' }] } });
   * ```
   */
  jwks: ((request: LabRequest) => LabAnswer | Promise<LabAnswer>) | undefined;
  /**
   * Milliseconds every answer is delayed by (default 0). The request is recorded before the delay.
   *
   * @example
   * ```ts
   * lab.delayMs = 2_000; // slower than the client's timeout
   * ```
   */
  delayMs: number;
  /**
   * Stops the server promptly, destroying open sockets (including hanging and delayed requests).
   *
   * @example
   * ```ts
   * after(() => lab.close());
   * ```
   */
  close(): Promise<void>;
}

const SUPPORTED_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
/** Public JWK members that carry key material, per key type. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'n', 'e', 'x', 'y'] as const;

/**
 * Starts a token lab on 127.0.0.1 (random port) with an RS256 key 'rs-1' and an ES256 key 'es-1'.
 * Routes (by path, any method): /.well-known/openid-configuration, /.well-known/oauth-authorization-server,
 * /jwks, /introspect, /token; anything else → 404 JSON. Every request is recorded.
 *
 * @example
 * ```ts
 * const lab = await startTokenLab();
 * t.after(() => lab.close());
 * const token = await lab.mint({ aud: 'https://api.example', scope: 'read' });
 * lab.introspections.set('opaque', { active: true, sub: 'user-1' });
 * ```
 */
export async function startTokenLab(): Promise<TokenLab> {
  const closing = new AbortController();
  const requests: LabRequest[] = [];

  const defaultClaims = (): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: lab.issuer,
      sub: 'user-1',
      aud: 'https://api.example',
      client_id: 'client-1',
      iat: now,
      exp: now + 300,
      jti: randomUUID(),
      scope: 'read',
    };
  };

  const lab: TokenLab = {
    issuer: '',
    requests,
    count: (path) => requests.filter((r) => r.path === path).length,
    metadataOverrides: {},
    keys: [await generateLabKey('RS256', 'rs-1'), await generateLabKey('ES256', 'es-1')],
    generateKey: (alg, kid) => generateLabKey(alg, kid),
    async rotateKeys() {
      const algs = lab.keys.length > 0 ? lab.keys.map((k) => k.alg) : ['RS256', 'ES256'];
      const fresh = await Promise.all(algs.map((alg) => generateLabKey(alg)));
      lab.keys = [...fresh];
      return fresh;
    },
    async mint(claims = {}, options = {}) {
      const key = options.key ?? lab.keys[0];
      if (!key) throw new Error('token-lab: lab.keys is empty; pass options.key to mint');
      const header = mergeMembers({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }, options.header ?? {});
      const input = `${encodeJson(header)}.${encodeJson(mergeMembers(defaultClaims(), claims))}`;
      return `${input}.${await signWith(key, input)}`;
    },
    unsigned: (header, payload, signature = '') => `${encodeJson(header)}.${encodeJson(payload)}.${signature}`,
    async mintHs256(payload, secret, header = {}) {
      const input = `${encodeJson(mergeMembers({ alg: 'HS256', typ: 'at+jwt' }, header))}.${encodeJson(mergeMembers(defaultClaims(), payload))}`;
      const hmac = await crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      const signature = await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(input));
      return `${input}.${Buffer.from(signature).toString('base64url')}`;
    },
    introspect: undefined,
    introspections: new Map(),
    token: undefined,
    jwks: undefined,
    delayMs: 0,
    close: () => Promise.resolve(),
  };

  const metadata = (): Record<string, unknown> =>
    mergeMembers(
      {
        issuer: lab.issuer,
        authorization_endpoint: `${lab.issuer}/authorize`,
        token_endpoint: `${lab.issuer}/token`,
        jwks_uri: `${lab.issuer}/jwks`,
        introspection_endpoint: `${lab.issuer}/introspect`,
        userinfo_endpoint: `${lab.issuer}/userinfo`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
        grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      },
      lab.metadataOverrides,
    );

  async function route(request: LabRequest): Promise<LabAnswer> {
    switch (request.path) {
      case '/.well-known/openid-configuration':
      case '/.well-known/oauth-authorization-server':
        return { body: metadata() };
      case '/jwks':
        return lab.jwks ? lab.jwks(request) : { body: { keys: lab.keys.map((k) => k.publicJwk) } };
      case '/introspect': {
        const form = new URLSearchParams(request.body);
        if (lab.introspect) return lab.introspect(form, request);
        return { body: lab.introspections.get(form.get('token') ?? '') ?? { active: false } };
      }
      case '/token': {
        const form = new URLSearchParams(request.body);
        if (lab.token) return lab.token(form, request);
        if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
        return {
          body: {
            access_token: randomBytes(32).toString('base64url'),
            token_type: 'Bearer',
            expires_in: 300,
            scope: form.get('scope') ?? undefined,
          },
        };
      }
      default:
        return { status: 404, body: { error: 'not_found', path: request.path } };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const request: LabRequest = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://lab.invalid').pathname,
      headers: req.headers,
      body,
    };
    requests.push(request);
    let answer: LabAnswer;
    try {
      answer = await route(request);
    } catch (error) {
      answer = { status: 500, body: { error: 'lab_handler_threw', message: error instanceof Error ? error.message : String(error) } };
    }
    if (lab.delayMs > 0) await sleep(lab.delayMs, undefined, { signal: closing.signal });
    if (answer === 'hang') return;
    if (answer === 'destroy') {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, value] of Object.entries(answer.headers ?? {})) headers[name.toLowerCase()] = value;
    const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status ?? 200, headers);
    res.end(text);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // Closing (aborted delay) or a broken socket: nothing left to answer.
      req.socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  (lab as { issuer: string }).issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  lab.close = () =>
    new Promise<void>((resolve, reject) => {
      closing.abort();
      server.close((error) => (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return lab;
}

async function generateLabKey(alg: string, kid: string = `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`): Promise<LabKey> {
  if (!SUPPORTED_ALGS.includes(alg)) throw new Error(`token-lab: unsupported key alg ${alg} (supported: ${SUPPORTED_ALGS.join(', ')})`);
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const exported = await exportJWK(publicKey);
  const publicJwk: JWK = { kid, alg, use: 'sig' };
  for (const member of PUBLIC_MEMBERS) if (exported[member] !== undefined) publicJwk[member] = exported[member];
  return { kid, alg, privateKey, publicJwk };
}

/** The base64url JWS signature of `input` under `key`, always computed with `key.alg`. */
async function signWith(key: LabKey, input: string): Promise<string> {
  const bits = Number(key.alg.slice(-3));
  let params: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
  if (key.alg.startsWith('RS')) params = { name: 'RSASSA-PKCS1-v1_5' };
  else if (key.alg.startsWith('PS')) params = { name: 'RSA-PSS', saltLength: bits / 8 } satisfies RsaPssParams;
  else if (key.alg.startsWith('ES')) params = { name: 'ECDSA', hash: `SHA-${bits}` } satisfies EcdsaParams;
  else if (key.alg === 'EdDSA' || key.alg === 'Ed25519') params = { name: 'Ed25519' };
  else throw new Error(`token-lab: cannot sign with alg ${key.alg}`);
  const signature = await crypto.subtle.sign(params, key.privateKey, new TextEncoder().encode(input));
  return Buffer.from(signature).toString('base64url');
}

function encodeJson(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
