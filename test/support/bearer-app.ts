// bearer-app: a resource server on any adapter of the contract suite (default Express 5) (oidc-kit in `resourceServerOnly` mode) in front of a
// token-lab, for the integration tests of bearer-token validation. Real HTTP on 127.0.0.1, no mocks.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ResourceServerOptions } from '../../src/config/options.ts';
import { type ExpressOpenIDConnectOptions, OidcError, type RequestContext } from '../../src/express.ts';
import { type AdapterName, buildTestApp, type ExpressRoutes, isExpress, type TestOidc } from './test-app.ts';
import { get, post, type TestRoute } from './test-routes.ts';
import { startTokenLab, type TokenLab } from './token-lab.ts';

/** The audience the default app requires; the token-lab mints it by default. */
export const AUDIENCE = 'https://api.example';
export const RS_CLIENT_ID = 'rs-client';
export const RS_CLIENT_SECRET = 'rs-secret';
/** Status the `/raw` route's error handler answers with, so a test sees the OidcError it was given. */
export const CAUGHT_STATUS = 418;

/** Characters RFC 6750 §3 allows inside `error` / `error_description` (and `realm`, `scope`). */
const QCHAR = '[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]';
/** A strict RFC 6750 §3 challenge: realm first, then optional error, description and scope — each once. */
const CHALLENGE = new RegExp(
  `^Bearer realm="(${QCHAR}+)"(?:, error="(invalid_request|invalid_token|insufficient_scope)", error_description="(${QCHAR}*)"(?:, scope="(${QCHAR}+)")?)?$`,
);

export interface ParsedChallenge {
  realm: string;
  error: string | undefined;
  description: string | undefined;
  scope: string | undefined;
}

/** Parses a `WWW-Authenticate` value and fails the test unless it is a well-formed Bearer challenge. */
export function parseChallenge(value: string | null | undefined): ParsedChallenge {
  assert.ok(value !== null && value !== undefined, 'expected a WWW-Authenticate header');
  assert.doesNotMatch(value, /[\r\n]/, 'the challenge must not contain CR or LF');
  const match = CHALLENGE.exec(value);
  assert.ok(match, `malformed Bearer challenge: ${JSON.stringify(value)}`);
  return { realm: match[1]!, error: match[2], description: match[3], scope: match[4] };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: Record<string, unknown> | undefined;
  /** The WWW-Authenticate header, or null. */
  challenge: string | null;
}

export interface RequestInit2 {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface BearerApp {
  lab: TokenLab;
  oidc: TestOidc;
  url: string;
  /** Messages passed to the logger's warn(). */
  warnings: string[];
  /** The errors the `/raw` route (renderErrors: false) handed to its error handler. */
  caught: unknown[];
  /** Every response this app gave through `request` / `bearer` / `raw` (for file-wide checks such as "no Set-Cookie"). */
  responses: ApiResponse[];
  request(path: string, init?: RequestInit2): Promise<ApiResponse>;
  /** `GET path` (default `/api`) with `Authorization: Bearer <token>`. */
  bearer(token: string, path?: string, init?: RequestInit2): Promise<ApiResponse>;
  /** Sends `head` (request line + header lines, no trailing blank line) and `body` verbatim over a socket. */
  raw(head: string[], body?: string): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface BearerAppOptions {
  /** Reuse a running lab (it is then not closed by `close()`); default: start a new one. */
  lab?: TokenLab;
  /** Merged over `{ audience: AUDIENCE }`. */
  resourceServer?: ResourceServerOptions;
  /** Other OpenIDConnect options, merged over the defaults (issuer, client, logger, resourceServerOnly). */
  options?: Partial<ExpressOpenIDConnectOptions>;
  /** The adapter the API runs on (default Express 5). */
  adapter?: AdapterName;
  /** Extra routes as data (every adapter), declared after the default ones. */
  appRoutes?: readonly TestRoute[];
  /** Extra routes in Express's own terms (Express adapters only). */
  routes?: ExpressRoutes;
  /** The server's header limit (Node's default is 16 KiB), for tests of oidc-kit's own size bounds. */
  maxHeaderSize?: number;
}

/** What the default routes answer: who the token says, and how the request was authenticated. */
function answer(oidc: RequestContext): { json: Record<string, unknown> } {
  return {
    json: {
      sub: oidc.token?.sub ?? null,
      scopes: oidc.tokenScopes,
      authenticatedBy: oidc.authenticatedBy ?? null,
      anonymous: oidc.token === undefined,
      token: oidc.token ?? null,
    },
  };
}

/** The API's routes, for every adapter (the Express-only /raw is added apart). */
const BEARER_ROUTES: readonly TestRoute[] = [
  get('/api', [['acceptToken']], ({ oidc }) => answer(oidc)),
  post('/api', [['acceptToken']], ({ oidc }) => answer(oidc)),
  get('/optional', [['acceptToken', { required: false }]], ({ oidc }) => answer(oidc)),
  get('/admin', [['acceptToken', { scopes: 'admin' }]], ({ oidc }) => answer(oidc)),
  get('/read-write', [['acceptToken', { scopes: 'read write' }]], ({ oidc }) => answer(oidc)),
  get('/jwt-only', [['acceptToken', { strategy: 'jwt' }]], ({ oidc }) => answer(oidc)),
  get('/introspect-only', [['acceptToken', { strategy: 'introspection' }]], ({ oidc }) => answer(oidc)),
];

/**
 * Starts a token-lab (unless given) and an app on the chosen adapter with oidc-kit in resource-server-only mode.
 * Default routes (all answer JSON `{ sub, scopes, authenticatedBy, token }` on success):
 * - `GET|POST /api`: `acceptToken()`
 * - `GET /optional`: `acceptToken({ required: false })` (+ `anonymous: true` when no token)
 * - `GET /admin`: `acceptToken({ scopes: 'admin' })`
 * - `GET /read-write`: `acceptToken({ scopes: 'read write' })`
 * - `GET /raw` (Express adapters only): `acceptToken({ renderErrors: false })` with an error handler that records the error and answers
 *   {@link CAUGHT_STATUS} with `{ caught: true, oidcError, code, status, reason, challenge }`.
 * - `GET /jwt-only`: `acceptToken({ strategy: 'jwt' })`; `GET /introspect-only`: `acceptToken({ strategy: 'introspection' })`.
 */
export async function startBearerApp(config: BearerAppOptions = {}): Promise<BearerApp> {
  const ownLab = config.lab === undefined;
  const lab = config.lab ?? (await startTokenLab());
  const warnings: string[] = [];
  const caught: unknown[] = [];
  const responses: ApiResponse[] = [];
  const options: ExpressOpenIDConnectOptions = {
    resourceServerOnly: true,
    issuer: lab.issuer,
    clientId: RS_CLIENT_ID,
    clientSecret: RS_CLIENT_SECRET,
    httpTimeout: 2000,
    logger: { warn: (message) => warnings.push(message) },
    ...config.options,
    resourceServer: { audience: AUDIENCE, ...config.resourceServer },
  };

  const adapter = config.adapter ?? 'express5';
  const onExpress = isExpress(adapter);
  // /raw hands errors to Express's error handling (renderErrors: false): Express's own API.
  const expressRoutes: ExpressRoutes = (app, oidc) => {
    const record: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
      caught.push(error);
      const e = error as Partial<OidcError>;
      res.status(CAUGHT_STATUS).json({
        caught: true,
        oidcError: error instanceof OidcError,
        code: e.code ?? null,
        status: e.status ?? null,
        reason: e.reason ?? null,
        challenge: e.challenge ?? null,
      });
    };
    app.get('/raw', oidc.acceptToken({ renderErrors: false }), ((req, res) => void res.json(answer(req.oidc).json)) as RequestHandler, record);
    config.routes?.(app, oidc);
  };
  const built = buildTestApp(adapter, options, {
    routes: [...BEARER_ROUTES, ...(config.appRoutes ?? [])],
    standardRoutes: false,
    ...(onExpress ? { expressRoutes } : {}),
  });
  if (!onExpress && config.routes !== undefined) throw new TypeError('Express routes need an Express adapter; use appRoutes');
  const oidc = built.oidc;

  const server: Server = createServer(config.maxHeaderSize === undefined ? {} : { maxHeaderSize: config.maxHeaderSize }, built.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const finish = (status: number, headers: Headers, text: string): ApiResponse => {
    let json: Record<string, unknown> | undefined;
    if (/application\/json/.test(headers.get('content-type') ?? '')) json = JSON.parse(text) as Record<string, unknown>;
    const response = { status, headers, text, json, challenge: headers.get('www-authenticate') };
    responses.push(response);
    return response;
  };

  const request = async (path: string, init: RequestInit2 = {}): Promise<ApiResponse> => {
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      ...(init.headers === undefined ? {} : { headers: init.headers }),
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return finish(response.status, response.headers, await response.text());
  };

  const raw = (head: string[], body = ''): Promise<ApiResponse> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('end', () => {
        try {
          const all = Buffer.concat(chunks).toString('latin1');
          const split = all.indexOf('\r\n\r\n');
          const [statusLine = '', ...lines] = all.slice(0, split).split('\r\n');
          const headers = new Headers();
          for (const line of lines) {
            const colon = line.indexOf(':');
            headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
          }
          let text = all.slice(split + 4);
          if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) text = dechunk(text);
          resolve(finish(Number(statusLine.split(' ')[1]), headers, Buffer.from(text, 'latin1').toString('utf8')));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      const lines = [...head, `Host: 127.0.0.1:${port}`, 'Connection: close'];
      if (body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
      socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
    });

  return {
    lab,
    oidc,
    url,
    warnings,
    caught,
    responses,
    request,
    bearer: (token, path = '/api', init = {}) => request(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } }),
    raw,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownLab) await lab.close();
    },
  };
}

function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    const size = parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** Asserts the response is a 200 from one of the default routes, authenticated by a token. */
export function assertAccepted(response: ApiResponse, sub = 'user-1'): void {
  assert.equal(response.status, 200, `expected 200, got ${response.status}: ${response.text}`);
  assert.equal(response.json?.['authenticatedBy'], 'token');
  assert.equal(response.json?.['sub'], sub);
  assert.equal(response.challenge, null);
}

/**
 * Asserts an RFC 6750 error response: status, the exact challenge attributes, the JSON `error` (and `reason`),
 * `cache-control: no-store`, and a description that carries no forbidden characters.
 */
export function assertBearerError(
  response: ApiResponse,
  expected: { status: 400 | 401 | 403; error: 'invalid_request' | 'invalid_token' | 'insufficient_scope'; reason?: string; scope?: string; realm?: string },
): ParsedChallenge {
  assert.equal(response.status, expected.status, `expected ${expected.status}, got ${response.status}: ${response.text}`);
  const challenge = parseChallenge(response.challenge);
  assert.equal(challenge.realm, expected.realm ?? 'api');
  assert.equal(challenge.error, expected.error);
  assert.ok(challenge.description !== undefined && challenge.description.length > 0, 'expected an error_description');
  assert.equal(challenge.scope, expected.scope);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(response.json?.['error'], expected.error);
  if (expected.reason !== undefined) assert.equal(response.json?.['reason'], expected.reason, `reason: ${response.text}`);
  return challenge;
}

/** Asserts the bare RFC 6750 §3.1 challenge: 401, `Bearer realm="…"` exactly, no error attribute. */
export function assertNoCredentials(response: ApiResponse, realm = 'api'): void {
  assert.equal(response.status, 401, `expected 401, got ${response.status}: ${response.text}`);
  assert.equal(response.challenge, `Bearer realm="${realm}"`);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(response.json?.['error'], 'unauthenticated');
}

/** Asserts a provider outage answer: the status, `error`, and no WWW-Authenticate (clients must not drop their token). */
export function assertProviderFailure(response: ApiResponse, status: 502 | 503, reason?: string): void {
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${response.text}`);
  assert.equal(response.challenge, null, 'a provider failure must not carry a challenge');
  assert.doesNotMatch(response.text, /invalid_token/);
  assert.equal(response.json?.['error'], status === 503 ? 'provider_unavailable' : 'provider_error');
  if (reason !== undefined) assert.equal(response.json?.['reason'], reason);
}

/** A random opaque token (no dots: never taken for a JWT). */
export function opaqueToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
}

/** Seconds since the epoch. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
