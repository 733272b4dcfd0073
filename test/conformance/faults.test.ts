/**
 * The fault-injection matrix (faults.ts): every fault × endpoint pair against the hostile provider.
 * Each test (1) makes the provider commit the fault at one endpoint and asserts the documented status
 * and stable error code — never a 500, never a session cookie, never a protected handler run — then
 * (2) lets the fault pass and asserts that the same app, without a restart, works again: a login
 * completes, the session refreshes, the token is accepted. FLT-12…FLT-14 are scenarios of their own.
 * The file also checks that nothing crashed: no unhandled rejection, no uncaught exception.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { after, before, describe, mock, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ExpressOpenIDConnectOptions } from '../../src/express.ts';
import { TestBrowser, type NavigateResult } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { startHostileBed, type HostileBed } from '../support/hostile-bed.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { get, type TestAnswer, type TestExchange, type TestRoute } from '../support/test-routes.ts';
import type { HostileAnswer, HostileKey, HostileProvider, HostileRequest } from '../support/hostile-provider.ts';
import { FAULT_ENDPOINTS, FAULT_NOT_APPLICABLE, FAULTS, faultTestName, type Fault, type FaultEndpoint } from './faults.ts';

/** Short, so that a hanging provider costs little; the slow-but-fine control waits a quarter of it. */
const TIMEOUT_MS = 600;
const SLOW_MS = 150;
const AUDIENCE = 'https://api.example';
/** Padding for the huge bodies: 3 MB, six times the 512 KB oidc-kit reads of metadata. */
const PADDING = 'x'.repeat(3 * 1024 * 1024);
const JSON_ACCEPT = { accept: 'application/json' };

// ---- Crashes: recorded for the whole file, checked at the end. ----
const crashes: unknown[] = [];
const onRejection = (reason: unknown): void => void crashes.push(reason);
const onException = (error: Error): void => void crashes.push(error);
process.on('unhandledRejection', onRejection);
process.on('uncaughtExceptionMonitor', onException);
/** Every status the app answered with, to check the file never saw a 500. */
const statuses: Array<{ what: string; status: number }> = [];

type Code = 'provider_unavailable' | 'provider_error';
/** A failure the library must answer with. */
interface Failure {
  readonly status: 502 | 503;
  readonly code: Code;
  readonly reason?: string;
}
type Outcome = Failure | 'success';
/** The endpoints oidc-kit calls itself (end_session is a browser redirect: not applicable). */
type MatrixEndpoint = Exclude<FaultEndpoint, 'end_session'>;

const UNAVAILABLE: Failure = { status: 503, code: 'provider_unavailable' };
const UNUSABLE: Failure = { status: 502, code: 'provider_error' };
const INTROSPECTION_DOWN: Failure = { status: 503, code: 'provider_unavailable', reason: 'introspection' };
/** An answer too large to keep: refused (502), or used with a session that still fits its cookie. */

/** What the docs promise for a fault at an endpoint (getting-started.md#errors, resource-server.md, registration.md#when-it-fails). */
function outcomeFor(faultId: string, endpoint: MatrixEndpoint): Outcome {
  if (faultId === 'FLT-10') return 'success';
  // Discovery, registration and JWKS answers are read up to 512 KB, token, UserInfo and
  // introspection answers up to 1 MB.
  if (faultId === 'FLT-11') return endpoint === 'introspection' ? INTROSPECTION_DOWN : UNUSABLE;
  // The docs name no content-type rule: a JSON answer is judged on its JSON. UserInfo alone tells
  // JSON from a signed JWT by its content-type (OIDC Core 5.3.2), so there text/html is unusable.
  if (faultId === 'FLT-07') return endpoint === 'userinfo' ? UNUSABLE : 'success';
  // "When the endpoint fails — unreachable, slower than httpTimeout, a 5xx, …, an answer that is not JSON — 503".
  if (endpoint === 'introspection') return INTROSPECTION_DOWN;
  // Not reached (refused, timed out, no answer at all) → 503; an answer that cannot be used → 502.
  if (faultId === 'FLT-01' || faultId === 'FLT-02' || faultId === 'FLT-09') return UNAVAILABLE;
  return UNUSABLE;
}

function outcomeText(faultId: string, endpoint: MatrixEndpoint, outcome: Outcome): string {
  if (outcome === 'success') {
    if (faultId === 'FLT-10') return 'succeeds (positive control), and again after';
    if (faultId === 'FLT-07') return 'judged on its JSON (no content-type rule): succeeds, and again after';
    return 'judged on its content: succeeds, and again after';
  }
  const failure = `${outcome.status} ${outcome.code}${outcome.reason === undefined ? '' : ` (reason ${outcome.reason})`}`;
  const cap = faultId === 'FLT-11' ? ` over the ${endpoint === 'discovery' || endpoint === 'registration' || endpoint === 'jwks' ? '512 KB' : '1 MB'} cap` : faultId === 'FLT-07' && endpoint === 'userinfo' ? ' (UserInfo is JSON or a JWT by its content-type)' : '';
  switch (endpoint) {
    case 'discovery':
    case 'jwks':
      return `${failure}${cap} for logins and bearer tokens (no challenge, no session), then both recover`;
    case 'introspection':
      return `${failure} without an invalid_token challenge, then the token is accepted`;
    case 'token (refresh)':
      return `${failure}, the session kept, then the refresh succeeds`;
    case 'token (client credentials)':
      return `${failure}, then the grant succeeds`;
    default:
      return `${failure}${cap}, no session, then a login completes`;
  }
}

// ---- The apps. ----
/** Logins, bearer tokens and the client credentials grant. */
let bed: HostileBed;
/** Run-time registration (each registration replaces the provider's client, so it has its own provider). */
let regBed: HostileBed;
/** The issuer the current app is configured with (tokens are minted for it). */
let issuer = '';
/** Runs of the protected handlers of /api/jwt, /api/opaque and /cc. */
let handlerRuns = 0;
/** Opaque access tokens the provider's introspection endpoint knows → their claims. */
const opaque = new Map<string, Record<string, unknown>>();

const now = (): number => Math.floor(Date.now() / 1000);

/** The protected routes of both beds, as data (every adapter); `/cc` asks the client credentials grant of its own bed's app. */
function routesOf(owner: () => HostileBed): readonly TestRoute[] {
  const answer = ({ oidc }: TestExchange): TestAnswer => {
    handlerRuns++;
    return { json: { sub: oidc.token?.sub ?? null, authenticatedBy: oidc.authenticatedBy ?? null } };
  };
  return [
    get('/api/jwt', [['acceptToken', { strategy: 'jwt' }]], answer),
    get('/api/opaque', [['acceptToken', { strategy: 'introspection' }]], answer),
    get('/cc', [], async () => {
      const token = await owner().oidc.clientCredentials({ scope: 'read', forceRefresh: true });
      handlerRuns++;
      return { json: { accessToken: token.accessToken } };
    }),
  ];
}

/** A new app instance on the login bed (cold caches: no metadata, no keys); the fault then meets it first. */
function fresh(extra: Partial<ExpressOpenIDConnectOptions> = {}): void {
  issuer = extra.issuer ?? bed.op.issuer;
  bed.reconfigure({ httpTimeout: TIMEOUT_MS, resourceServer: { audience: AUDIENCE }, ...extra });
}

/** A new app instance on the registration bed: it registers itself at the provider on first use. */
function freshRegistering(): void {
  regBed.reconfigure({ clientId: undefined, clientSecret: undefined, registration: { metadata: { client_name: 'oidc-kit fault matrix' } }, httpTimeout: TIMEOUT_MS });
}

/** The introspection answer of the provider for a token (active with its claims, or not). */
function introspectionAnswer(token: string | null): Record<string, unknown> {
  const claims = opaque.get(token ?? '');
  return claims === undefined ? { active: false } : { active: true, ...claims };
}

function newOpaqueToken(): string {
  const token = randomBytes(24).toString('base64url');
  opaque.set(token, { sub: 'user-1', aud: AUDIENCE, scope: 'read', client_id: 'client-1', token_type: 'Bearer', iat: now(), exp: now() + 300 });
  return token;
}

/** A JWT access token for this API, signed by the provider (default: its current RS256 key). */
function jwt(key?: HostileKey): Promise<string> {
  const claims = { iss: issuer, sub: 'user-1', aud: AUDIENCE, client_id: 'client-1', scope: 'read', iat: now(), exp: now() + 300, jti: randomUUID() };
  return bed.op.sign(claims, { ...(key === undefined ? {} : { key }), header: { typ: 'at+jwt' } });
}

// ---- Requests and what they must show. ----
interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

function parse(headers: Headers, text: string): Record<string, unknown> | undefined {
  return /application\/json/.test(headers.get('content-type') ?? '') ? JSON.parse(text) as Record<string, unknown> : undefined;
}

async function request(on: HostileBed, path: string, init: { browser?: TestBrowser; headers?: Record<string, string> } = {}): Promise<Reply> {
  const response = await (init.browser ?? new TestBrowser()).request(`${on.appUrl}${path}`, init.headers === undefined ? {} : { headers: init.headers });
  statuses.push({ what: `GET ${path}`, status: response.status });
  return { status: response.status, headers: response.headers, text: response.body, json: parse(response.headers, response.body) };
}

async function bearer(path: '/api/jwt' | '/api/opaque', token: string): Promise<Reply> {
  const response = await fetch(`${bed.appUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  statuses.push({ what: `GET ${path} (bearer)`, status: response.status });
  return { status: response.status, headers: response.headers, text, json: parse(response.headers, text) };
}

/** Where a login through the provider ended. `status` 0: the app's last answer could not even be read. */
interface Login {
  status: number;
  /** The path of the last request. */
  path: string;
  headers: Headers;
  body: string;
  json: Record<string, unknown> | undefined;
  browser: TestBrowser;
}

async function login(on: HostileBed = bed): Promise<Login> {
  const browser = new TestBrowser();
  let result: NavigateResult;
  try {
    result = await on.login({ returnTo: '/profile', browser });
  } catch (error) {
    // e.g. an answer whose headers no HTTP client accepts: no status, no code, no usable login.
    const cause = error instanceof Error && error.cause instanceof Error ? `${error.cause.name} (${(error.cause as { code?: string }).code ?? ''}): ${error.cause.message}` : '';
    statuses.push({ what: 'login, unreadable answer', status: 0 });
    return { status: 0, path: '(unreadable)', headers: new Headers(), body: `the app's answer could not be read: ${String(error)} ${cause}`, json: undefined, browser };
  }
  statuses.push({ what: `login, ended at ${result.url.pathname}`, status: result.response.status });
  const { response } = result;
  return { status: response.status, path: result.url.pathname, headers: response.headers, body: response.body, json: parse(response.headers, response.body), browser };
}

/** The session cookies (oidc_session, or its chunks) a browser holds for the app. */
function sessionCookies(browser: TestBrowser, on: HostileBed): string[] {
  return [...browser.cookies(on.appUrl).keys()].filter((name) => /^oidc_session(\.\d+)?$/.test(name));
}

function assertLoggedIn(result: Login, on: HostileBed = bed): void {
  assert.equal(result.status, 200, `the login did not complete: ${result.status} at ${result.path}: ${result.body.slice(0, 500)}`);
  assert.equal(result.path, '/profile');
  assert.equal(result.json?.['sub'], 'alice');
  assert.equal(result.json?.['email'], 'alice@example.com', 'UserInfo claims are in the session');
  assert.notDeepEqual(sessionCookies(result.browser, on), []);
}

async function assertLoginRefused(result: Login, failure: Failure, at: '/login' | '/callback', on: HostileBed = bed): Promise<void> {
  const seen = `${result.status} at ${result.path}: ${result.body.slice(0, 500)}`;
  assert.equal(result.status, failure.status, seen);
  assert.equal(result.path, at, seen);
  assert.equal(result.json?.['error'], failure.code, seen);
  if (failure.reason !== undefined) assert.equal(result.json?.['reason'], failure.reason, seen);
  assert.equal(result.headers.get('location'), null);
  assert.deepEqual(sessionCookies(result.browser, on), [], 'no session cookie');
  const profile = await request(on, '/profile', { browser: result.browser, headers: JSON_ACCEPT });
  assert.equal(profile.status, 401, 'not logged in');
  assert.equal(profile.json?.['error'], 'unauthenticated');
}

/** A login under a fault: it completes (success), or it is refused as the outcome says. */
async function judgeLogin(result: Login, outcome: Outcome, at: '/login' | '/callback', on: HostileBed = bed): Promise<void> {
  if (outcome === 'success') assertLoggedIn(result, on);
  else await assertLoginRefused(result, outcome, at, on);
}

function assertAccepted(reply: Reply): void {
  assert.equal(reply.status, 200, `expected the token to be accepted: ${reply.status} ${reply.text}`);
  assert.equal(reply.json?.['sub'], 'user-1');
  assert.equal(reply.json?.['authenticatedBy'], 'token');
}

/** A provider failure on a bearer route: the status and code, and nothing that tells the client its token is bad. */
function assertBearerFailure(reply: Reply, failure: Failure): void {
  const seen = `${reply.status}: ${reply.text}`;
  assert.equal(reply.status, failure.status, seen);
  assert.equal(reply.headers.get('www-authenticate'), null, `a provider failure carries no challenge: ${seen}`);
  assert.doesNotMatch(reply.text, /invalid_token/);
  assert.equal(reply.json?.['error'], failure.code, seen);
  if (failure.reason !== undefined) assert.equal(reply.json?.['reason'], failure.reason, seen);
}

function assertFailure(reply: Reply, failure: Failure): void {
  const seen = `${reply.status}: ${reply.text.slice(0, 300)}`;
  assert.equal(reply.status, failure.status, seen);
  assert.equal(reply.json?.['error'], failure.code, seen);
  if (failure.reason !== undefined) assert.equal(reply.json?.['reason'], failure.reason, seen);
}

// ---- A TCP door in front of the provider: shut, its port refuses connections; open, it forwards. ----
interface Door {
  readonly url: string;
  open(): Promise<void>;
  shut(): Promise<void>;
}

async function makeDoor(target: HostileProvider): Promise<Door> {
  const port = await freePort();
  const targetPort = Number(new URL(target.origin).port);
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  let server: ReturnType<typeof createNetServer> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    async open() {
      if (server !== undefined) return;
      const listening = createNetServer((socket) => {
        const upstream = connect(targetPort, '127.0.0.1');
        track(socket);
        track(upstream);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
        socket.pipe(upstream).pipe(socket);
      });
      server = listening;
      await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    },
    async shut() {
      const closing = server;
      if (closing === undefined) return;
      server = undefined;
      // Kept-alive connections through the door go too: after this, nothing gets through.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}

// ---- Injecting a fault. ----
/** A fault's life in one test: set up before the app starts, active while the endpoint is exercised, then passed. */
interface Injection {
  /** Options the app must be built with (an issuer behind a door). */
  readonly appOptions: Partial<ExpressOpenIDConnectOptions>;
  /** Right after the app is built, before anything else. */
  afterStart(): Promise<void>;
  activate(): Promise<void>;
  /** How many answers the fault has shaped so far (undefined where the provider never sees the request: a shut door). */
  hits(): number | undefined;
  /** The fault passes. */
  deactivate(): Promise<void>;
  cleanup(): Promise<void>;
}

const GRANT: Partial<Record<MatrixEndpoint, string>> = {
  'token (login)': 'authorization_code',
  'token (refresh)': 'refresh_token',
  'token (client credentials)': 'client_credentials',
};

/** Whether a request the provider received is a call to the endpoint. */
function reaches(endpoint: MatrixEndpoint, request: HostileRequest): boolean {
  switch (endpoint) {
    case 'discovery':
      return request.path.endsWith('/.well-known/openid-configuration');
    case 'jwks':
      return request.path === '/jwks';
    case 'userinfo':
      return request.path === '/userinfo';
    case 'introspection':
      return request.path === '/introspect';
    case 'registration':
      return request.path === '/register';
    default:
      return request.path === '/token' && request.form.get('grant_type') === GRANT[endpoint];
  }
}

/** Registers the client as the provider would, and returns its answer's body (for answers reshaped around it). */
function registerHonestly(op: HostileProvider, metadata: Record<string, unknown>): Record<string, unknown> {
  const clientId = `dyn-${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('base64url');
  const redirectUris = Array.isArray(metadata['redirect_uris']) ? (metadata['redirect_uris'] as string[]) : [];
  op.client = { clientId, clientSecret, redirectUris, metadata };
  return { ...metadata, client_id: clientId, client_secret: clientSecret, client_secret_expires_at: 0, client_id_issued_at: now() };
}

/** Valid JSON, not what the endpoint answers. */
function wrongShape(endpoint: MatrixEndpoint, op: HostileProvider): string | Record<string, unknown> {
  switch (endpoint) {
    case 'discovery': // the metadata nested one level down
      return { issuer, endpoints: { authorization_endpoint: op.metadata['authorization_endpoint'], token_endpoint: op.metadata['token_endpoint'], jwks_uri: op.metadata['jwks_uri'] } };
    case 'jwks': // keys as an object by kid instead of an array
      return { keys: Object.fromEntries(op.keys.map((k) => [k.kid, k.publicJwk])) };
    case 'userinfo': // the claims nested
      return { user: { sub: op.subject, email: 'alice@example.com' } };
    case 'introspection': // an array
      return JSON.stringify([{ active: true, sub: 'user-1', aud: AUDIENCE }]);
    case 'registration': // the client nested
      return { client: { client_id: 'dyn-nested', client_secret: 'nested-secret' } };
    default: // a token response whose members have the wrong types
      return { access_token: 42, token_type: 'Bearer', expires_in: 'soon' };
  }
}

/** Makes the endpoint answer its honest answer reshaped (wrong content-type, padding). */
function reshapeHonest(endpoint: MatrixEndpoint, op: HostileProvider, reshape: (body: Record<string, unknown>) => HostileAnswer): void {
  switch (endpoint) {
    case 'discovery':
      op.fault = (r) => (reaches(endpoint, r) ? reshape(op.metadata) : undefined);
      return;
    case 'jwks':
      op.fault = (r) => (reaches(endpoint, r) ? reshape({ keys: op.keys.map((k) => k.publicJwk) }) : undefined);
      return;
    case 'userinfo':
      op.userinfo = (claims) => reshape(claims);
      return;
    case 'introspection':
      op.fault = (r) => (reaches(endpoint, r) ? reshape(introspectionAnswer(r.form.get('token'))) : undefined);
      return;
    case 'registration':
      op.register = (metadata) => reshape(registerHonestly(op, metadata));
      return;
    default:
      op.tokenResponse = (body, context) => (context.grantType === GRANT[endpoint] ? reshape(body) : body);
  }
}

/** Faults the provider commits itself (FLT-02…FLT-11). */
function providerInjection(faultId: string, endpoint: MatrixEndpoint, op: HostileProvider): Injection {
  const ok = endpoint === 'registration' ? 201 : 200;
  let hits = 0;
  const hit = <T>(value: T): T => {
    hits++;
    return value;
  };
  const at = (answer: HostileAnswer): void => {
    op.fault = (r) => (reaches(endpoint, r) ? hit(answer) : undefined);
  };
  const install = (): void => {
    switch (faultId) {
      case 'FLT-02':
        return at('hang');
      case 'FLT-03':
        return at({ status: 500, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!doctype html><title>Error</title><h1>500 Internal Server Error</h1>' });
      case 'FLT-04':
        return at({ status: 503, headers: { 'content-type': 'text/plain', 'retry-after': '120' }, body: 'Service Unavailable' });
      case 'FLT-05':
        return at({ status: ok, body: '{"issuer": "http://127.0.0.1", "keys": [tru' });
      case 'FLT-06':
        op.fault = (r) => (reaches(endpoint, r) ? hit({ status: ok, body: wrongShape(endpoint, op) }) : undefined);
        return;
      case 'FLT-07':
        return reshapeHonest(endpoint, op, (body) => hit({ status: ok, headers: { 'content-type': 'text/html; charset=utf-8' }, body }));
      case 'FLT-08':
        return at('truncate');
      case 'FLT-09':
        return at('destroy');
      case 'FLT-10':
        op.fault = async (r) => {
          if (reaches(endpoint, r)) await sleep(hit(SLOW_MS));
          return undefined;
        };
        return;
      case 'FLT-11':
        // A refused refresh answer must not have spent the refresh token at the provider (a provider
        // that rotated it and then sent an unreadable answer ends the session at the next refresh,
        // rightly): the huge refresh answer is made up, not the honest one padded.
        if (endpoint === 'token (refresh)') return at({ status: ok, body: { access_token: 'unread', token_type: 'Bearer', expires_in: 300, padding: PADDING } });
        return reshapeHonest(endpoint, op, (body) => hit({ status: ok, body: { ...body, padding: PADDING } }));
      default:
        throw new Error(`no injection for ${faultId}`);
    }
  };
  const passed = (): Promise<void> => {
    op.fault = undefined;
    op.tokenResponse = undefined;
    op.userinfo = undefined;
    op.register = undefined;
    return Promise.resolve();
  };
  return {
    appOptions: {},
    afterStart: () => Promise.resolve(),
    activate: () => Promise.resolve(install()),
    hits: () => hits,
    deactivate: passed,
    cleanup: passed,
  };
}

const MEMBER: Record<Exclude<MatrixEndpoint, 'discovery'>, string> = {
  jwks: 'jwks_uri',
  'token (login)': 'token_endpoint',
  'token (refresh)': 'token_endpoint',
  'token (client credentials)': 'token_endpoint',
  userinfo: 'userinfo_endpoint',
  introspection: 'introspection_endpoint',
  registration: 'registration_endpoint',
};

/**
 * The issuer served through a door: discovery goes through it, everything else (named by the
 * metadata) straight to the provider, whose ID tokens and authorization responses then carry the
 * door's issuer.
 */
async function issuerBehindDoor(on: HostileBed): Promise<{ door: Door; restore: () => Promise<void> }> {
  const door = await makeDoor(on.op);
  const url = door.url;
  on.op.metadata['issuer'] = url;
  on.op.idToken = (claims) => ({ ...claims, iss: url });
  on.op.authorizeResponse = (params) => {
    params.set('iss', url);
  };
  return {
    door,
    async restore() {
      on.op.metadata['issuer'] = on.op.issuer;
      on.op.idToken = undefined;
      on.op.authorizeResponse = undefined;
      await door.shut();
    },
  };
}

/** FLT-01: the endpoint is reached through a door that is shut (connection refused), then opens. */
async function doorInjection(endpoint: MatrixEndpoint, on: HostileBed): Promise<Injection> {
  if (endpoint === 'discovery') {
    const { door, restore } = await issuerBehindDoor(on);
    return {
      appOptions: { issuer: door.url },
      afterStart: () => Promise.resolve(),
      activate: () => door.shut(),
      hits: () => undefined,
      deactivate: () => door.open(),
      cleanup: restore,
    };
  }
  const door = await makeDoor(on.op);
  const member = MEMBER[endpoint];
  const original = String(on.op.metadata[member]);
  on.op.metadata[member] = `${door.url}${new URL(original).pathname}`;
  const restore = async (): Promise<void> => {
    on.op.metadata[member] = original;
    await door.shut();
  };
  if (endpoint === 'registration') {
    // Registration happens with discovery, and a failed one is not kept: the next request discovers
    // again. The fault passes when the provider names a reachable registration endpoint again.
    return {
      appOptions: {},
      afterStart: () => Promise.resolve(),
      activate: () => Promise.resolve(),
      hits: () => undefined,
      deactivate: () => {
        on.op.metadata[member] = original;
        return Promise.resolve();
      },
      cleanup: restore,
    };
  }
  await door.open();
  return {
    appOptions: {},
    // Discovery learns the door's URL; then the provider serves the endpoint under its own name again
    // (it routes by its metadata), and only the door decides whether the app gets through.
    async afterStart() {
      const warm = await request(on, '/login');
      assert.equal(warm.status, 302, `discovery through the door failed: ${warm.status} ${warm.text}`);
      on.op.metadata[member] = original;
    },
    activate: () => door.shut(),
    hits: () => undefined,
    deactivate: () => door.open(),
    cleanup: restore,
  };
}

// ---- Exercising an endpoint. ----
interface Context {
  browser?: TestBrowser;
  accessToken?: unknown;
  token?: string;
}

async function prepare(endpoint: MatrixEndpoint): Promise<Context> {
  if (endpoint === 'token (refresh)') {
    const result = await login();
    assertLoggedIn(result);
    const tokens = await request(bed, '/tokens', { browser: result.browser, headers: JSON_ACCEPT });
    assert.equal(tokens.status, 200);
    return { browser: result.browser, accessToken: tokens.json?.['accessToken'] };
  }
  if (endpoint === 'introspection') return { token: newOpaqueToken() };
  return {};
}

/** Calls the endpoint the way the library does, and asserts the outcome. */
async function exercise(endpoint: MatrixEndpoint, context: Context, outcome: Outcome): Promise<void> {
  const runs = handlerRuns;
  switch (endpoint) {
    case 'discovery':
    case 'jwks': {
      const reply = await bearer('/api/jwt', await jwt());
      if (outcome === 'success') assertAccepted(reply);
      else assertBearerFailure(reply, outcome);
      await judgeLogin(await login(), outcome, endpoint === 'discovery' ? '/login' : '/callback');
      break;
    }
    case 'token (login)':
    case 'userinfo':
      await judgeLogin(await login(), outcome, '/callback');
      break;
    case 'registration':
      await judgeLogin(await login(regBed), outcome, '/login', regBed);
      break;
    case 'token (refresh)': {
      const browser = context.browser!;
      const refreshed = await request(bed, '/api/token?force=1', { browser, headers: JSON_ACCEPT });
      if (outcome === 'success') {
        assert.equal(refreshed.status, 200, `the refresh failed: ${refreshed.status} ${refreshed.text}`);
        assert.equal(typeof refreshed.json?.['accessToken'], 'string');
        assert.notEqual(refreshed.json?.['accessToken'], context.accessToken, 'a new access token');
        context.accessToken = refreshed.json?.['accessToken'];
      } else {
        assertFailure(refreshed, outcome);
        // An unreachable or broken provider ends nothing: same session, same tokens.
        const home = await request(bed, '/', { browser, headers: JSON_ACCEPT });
        assert.deepEqual(home.json, { authenticated: true, sub: 'alice' });
        const tokens = await request(bed, '/tokens', { browser, headers: JSON_ACCEPT });
        assert.equal(tokens.status, 200);
        assert.equal(tokens.json?.['accessToken'], context.accessToken, 'the session keeps its tokens');
      }
      break;
    }
    case 'introspection': {
      const reply = await bearer('/api/opaque', context.token!);
      if (outcome === 'success') assertAccepted(reply);
      else assertBearerFailure(reply, outcome);
      break;
    }
    case 'token (client credentials)': {
      const reply = await request(bed, '/cc', { headers: JSON_ACCEPT });
      if (outcome === 'success') {
        assert.equal(reply.status, 200, `the grant failed: ${reply.status} ${reply.text}`);
        assert.equal(typeof reply.json?.['accessToken'], 'string');
      } else {
        assertFailure(reply, outcome);
      }
      break;
    }
  }
  if (outcome !== 'success') assert.equal(handlerRuns, runs, 'no protected handler ran');
}

async function runPair(faultId: string, endpoint: MatrixEndpoint, outcome: Outcome): Promise<void> {
  const on = endpoint === 'registration' ? regBed : bed;
  const injection = faultId === 'FLT-01' ? await doorInjection(endpoint, on) : providerInjection(faultId, endpoint, on.op);
  try {
    if (endpoint === 'registration') freshRegistering();
    else fresh(injection.appOptions);
    await injection.afterStart();
    const context = await prepare(endpoint);
    await injection.activate();
    await exercise(endpoint, context, outcome);
    const hits = injection.hits();
    if (hits !== undefined) assert.ok(hits > 0, 'the provider committed the fault');
    await injection.deactivate();
    // The same app instance, no restart: it works again.
    await exercise(endpoint, context, 'success');
  } finally {
    await injection.cleanup();
  }
}

/** Names of the tests declared, per pair, for the coverage check. */
const declared = new Set<string>();
function pairTest(fault: Fault, endpoint: FaultEndpoint, outcome: string, body: () => Promise<void>): void {
  declared.add(`${fault.id} (${endpoint})`);
  test(faultTestName(fault, endpoint, outcome), body);
}
const fault = (id: string): Fault => FAULTS.find((f) => f.id === id)!;

// The same matrix on every adapter: the beds below are the describe's own while it runs.
for (const adapter of ADAPTERS) {
  describe(`fault injection: a provider that is down or lies (${adapter})`, () => {
    before(async () => {
      bed = await startHostileBed({ adapter, oidc: { httpTimeout: TIMEOUT_MS, resourceServer: { audience: AUDIENCE } }, appRoutes: routesOf(() => bed) });
      regBed = await startHostileBed({ adapter, appRoutes: routesOf(() => regBed) });
      // The provider's introspection, answering for the opaque tokens of this file (with this API as audience).
      bed.op.introspect = (form) => ({ body: introspectionAnswer(form.get('token')) });
    });

    after(async () => {
      mock.timers.reset();
      await bed.close();
      await regBed.close();
    });

    for (const f of FAULTS.filter((x) => Number(x.id.slice(4)) <= 11)) {
      for (const endpoint of FAULT_ENDPOINTS) {
        if (endpoint === 'end_session') continue;
        const outcome = outcomeFor(f.id, endpoint);
        pairTest(f, endpoint, outcomeText(f.id, endpoint, outcome), () => runPair(f.id, endpoint, outcome));
      }
    }

    pairTest(fault('FLT-12'), 'jwks', 'a login with a new kid refetches the key set at once, a bearer token once the 30 s cooldown has passed; both then accepted, removed-key tokens refused (400 id_token_invalid:kid, 401 invalid_token:kid)', async () => {
      fresh();
      const op = bed.op;
      // Only Date is faked, to step over the refetch limits (configuration.md#idtokensigningalg,
      // resource-server.md#jwt-access-tokens): ID tokens refetch at most once a second, tokens from
      // outside (bearer) at most every 30 s.
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      try {
        const [removed] = op.keys;
        op.clear();
        assertLoggedIn(await login());
        assertAccepted(await bearer('/api/jwt', await jwt()));
        assert.equal(op.count('/jwks'), 1, 'one key set for ID tokens and access tokens');

        // Rotated between two logins: the second login's ID token names an unknown kid.
        mock.timers.tick(5_000);
        await op.rotateKeys();
        assertLoggedIn(await login());
        assert.equal(op.count('/jwks'), 2, 'one refetch, at once, for the ID token');
        assertAccepted(await bearer('/api/jwt', await jwt()));
        assert.equal(op.count('/jwks'), 2, 'the new keys serve bearer tokens too');

        // Rotated between two bearer requests: refused while the last fetch is under 30 s old, then one refetch.
        await op.rotateKeys();
        const newest = await jwt();
        const early = await bearer('/api/jwt', newest);
        assert.equal(early.status, 401, early.text);
        assert.equal(early.json?.['reason'], 'kid');
        assert.equal(op.count('/jwks'), 2, 'no fetch within the cooldown');
        mock.timers.tick(31_000);
        assertAccepted(await bearer('/api/jwt', newest));
        assert.equal(op.count('/jwks'), 3, 'one refetch after the cooldown');
        assertLoggedIn(await login());
        assertAccepted(await bearer('/api/jwt', await jwt()));
        assert.equal(op.count('/jwks'), 3, 'no more fetches');

        // Tokens signed with a removed key are refused.
        const runs = handlerRuns;
        const old = await bearer('/api/jwt', await jwt(removed));
        assert.equal(old.status, 401, old.text);
        assert.equal(old.json?.['error'], 'invalid_token');
        assert.equal(old.json?.['reason'], 'kid');
        assert.match(old.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
        assert.equal(handlerRuns, runs);
        assert.equal(op.count('/jwks'), 3, 'a removed kid in a bearer token: no fetch within the cooldown');
        op.signIdToken = (claims) => op.sign(claims, { key: removed! });
        const userinfoCalls = op.count('/userinfo');
        for (let i = 0; i < 2; i += 1) {
          const refused = await login();
          assert.equal(refused.status, 400, refused.body);
          assert.equal(refused.path, '/callback');
          assert.equal(refused.json?.['error'], 'id_token_invalid');
          assert.equal(refused.json?.['reason'], 'kid');
          assert.deepEqual(sessionCookies(refused.browser, bed), []);
        }
        assert.equal(op.count('/userinfo'), userinfoCalls, 'no UserInfo call after a refused ID token');
        assert.equal(op.count('/jwks'), 4, 'a removed kid in ID tokens: one refetch (at most once a second)');
      } finally {
        op.signIdToken = undefined;
        mock.timers.reset();
      }
    });

    pairTest(fault('FLT-13'), 'introspection', 'cached answers still serve, new and concurrent tokens 503 provider_unavailable (never 401, never 200), all accepted once it is back', async () => {
      const injection = await doorInjection('introspection', bed);
      try {
        fresh();
        await injection.afterStart();
        const calls = (token: string): number => bed.op.requestsTo('/introspect').filter((r) => r.form.get('token') === token).length;
        const warm = newOpaqueToken();
        assertAccepted(await bearer('/api/opaque', warm));

        await injection.activate(); // down
        const runs = handlerRuns;
        assertAccepted(await bearer('/api/opaque', warm)); // cached (cacheTtl): no call needed
        const later = newOpaqueToken();
        for (let i = 0; i < 3; i += 1) assertBearerFailure(await bearer('/api/opaque', later), INTROSPECTION_DOWN);
        const crowd = newOpaqueToken();
        const replies = await Promise.all(Array.from({ length: 5 }, () => bearer('/api/opaque', crowd)));
        for (const reply of replies) assertBearerFailure(reply, INTROSPECTION_DOWN);
        assert.equal(handlerRuns, runs + 1, 'only the cached token reached its handler');

        await injection.deactivate(); // back
        assertAccepted(await bearer('/api/opaque', later));
        assertAccepted(await bearer('/api/opaque', crowd));
        assertAccepted(await bearer('/api/opaque', warm));
        assert.deepEqual([calls(warm), calls(later), calls(crowd)], [1, 1, 1], 'failures were not cached; answers are');
        const unknown = await bearer('/api/opaque', randomBytes(24).toString('base64url'));
        assert.equal(unknown.status, 401, 'once it is back, the provider decides again');
        assert.equal(unknown.json?.['reason'], 'inactive');
      } finally {
        await injection.cleanup();
      }
    });

    pairTest(fault('FLT-14'), 'discovery', 'public pages served, logins, bearer tokens and the grant 503 provider_unavailable; all work once the provider answers, without a restart', async () => {
      const { door, restore } = await issuerBehindDoor(bed);
      try {
        fresh({ issuer: door.url }); // built while the provider is down
        await sleep(50); // anything it starts in the background has time to fail
        const browser = new TestBrowser();
        const home = await request(bed, '/', { browser, headers: JSON_ACCEPT });
        assert.deepEqual(home.json, { authenticated: false, sub: null });
        const page = await request(bed, '/profile', { browser });
        assert.equal(page.status, 503, page.text);
        assert.match(page.headers.get('content-type') ?? '', /text\/html/);
        assert.match(page.text, /provider_unavailable/);
        const logins = await Promise.all(Array.from({ length: 5 }, () => login()));
        for (const result of logins) await assertLoginRefused(result, UNAVAILABLE, '/login');
        const runs = handlerRuns;
        assertBearerFailure(await bearer('/api/jwt', await jwt()), UNAVAILABLE);
        const token = newOpaqueToken();
        assertBearerFailure(await bearer('/api/opaque', token), UNAVAILABLE);
        assertFailure(await request(bed, '/cc', { headers: JSON_ACCEPT }), UNAVAILABLE);
        assert.equal(handlerRuns, runs);

        await door.open(); // the provider is up
        const result = await login();
        assertLoggedIn(result);
        assert.deepEqual((await request(bed, '/', { browser: result.browser, headers: JSON_ACCEPT })).json, { authenticated: true, sub: 'alice' });
        assertAccepted(await bearer('/api/jwt', await jwt()));
        assertAccepted(await bearer('/api/opaque', token));
        const grant = await request(bed, '/cc', { headers: JSON_ACCEPT });
        assert.equal(grant.status, 200, grant.text);
      } finally {
        await restore();
      }
    });

    test('the fault matrix: every fault × endpoint pair has a test here or a reason why it does not apply, never both', () => {
      const problems: string[] = [];
      for (const f of FAULTS) {
        for (const endpoint of FAULT_ENDPOINTS) {
          const key = `${f.id} (${endpoint})`;
          const tested = declared.has(key);
          const reason = FAULT_NOT_APPLICABLE[key];
          if (tested === (reason !== undefined)) problems.push(`${key}: ${tested ? 'tested and marked not applicable' : 'neither tested nor marked not applicable'}`);
        }
      }
      assert.deepEqual(problems, []);
      for (const key of Object.keys(FAULT_NOT_APPLICABLE)) assert.match(key, /^FLT-\d{2} \(.+\)$/);
    });
  });
}

after(() => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtExceptionMonitor', onException);
  assert.deepEqual(statuses.filter((s) => s.status === 500), [], 'the app never answered 500');
  assert.deepEqual(crashes.map((c) => (c instanceof Error ? c.stack ?? c.message : String(c))), [], 'no unhandled rejection, no uncaught exception');
});
