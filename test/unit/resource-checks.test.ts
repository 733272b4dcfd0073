import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { test } from 'node:test';
import { claimTypeProblem } from '../../src/claim-types.ts';
import { audienceMatches, scopesOf } from '../../src/resource/access-token-claims.ts';
import { bearerError } from '../../src/resource/bearer-error.ts';
import { claimIncludes, failedClaim, hasRole, keycloakClientRoles, keycloakRealmRoles, missingScopes } from '../../src/resource/claim-checks.ts';
import { AdmissionFilter } from '../../src/resource/admission-filter.ts';
import { ExpiringCache } from '../../src/util/expiring-cache.ts';
import { checkBearerSyntax, readBearerToken } from '../../src/resource/read-bearer-token.ts';
import type { RequestView } from '../../src/http.ts';
import { OidcError } from '../../src/errors.ts';

test('scopesOf: space-separated scope, or scp as a string or an array; case-sensitive', () => {
  assert.deepEqual(scopesOf({ scope: 'read  write' }), ['read', 'write']);
  assert.deepEqual(scopesOf({ scp: ['read', 7, 'Admin'] }), ['read', 'Admin']);
  assert.deepEqual(scopesOf({ scp: 'read' }), ['read']);
  assert.deepEqual(scopesOf({}), []);
  assert.deepEqual(missingScopes(scopesOf({ scope: 'read write' }), ['admin', 'read']), ['admin']);
  assert.deepEqual(missingScopes(scopesOf({ scope: 'Admin' }), ['admin']), ['admin']);
});

test('audienceMatches: exact, string or array', () => {
  assert.equal(audienceMatches('https://api', ['https://api']), true);
  assert.equal(audienceMatches(['x', 'https://api'], ['https://api']), true);
  assert.equal(audienceMatches('https://api/', ['https://api']), false);
  assert.equal(audienceMatches(undefined, ['https://api']), false);
  assert.equal(audienceMatches([1], ['1']), false);
});

test('claimTypeProblem names the first claim of the wrong type', () => {
  assert.equal(claimTypeProblem({ sub: 'a', exp: 1, aud: ['x'] }), undefined);
  assert.equal(claimTypeProblem({ sub: 1 }), 'sub');
  assert.equal(claimTypeProblem({ exp: '1' }), 'exp');
  assert.equal(claimTypeProblem({ exp: Number.POSITIVE_INFINITY }), 'exp');
  assert.equal(claimTypeProblem({ aud: ['x', 2] }), 'aud');
  assert.equal(claimTypeProblem({ scope: ['read'] }), 'scope');
});

test('claim rules: equality, claimIncludes, predicates (a throwing one fails), own properties only', () => {
  const claims = { tenant: 'acme', groups: ['staff', 'admins'], scope: 'read write', email_verified: true };
  assert.equal(failedClaim(claims, { tenant: 'acme', email_verified: true }), undefined);
  assert.equal(failedClaim(claims, { tenant: 'other' }), 'tenant');
  assert.equal(failedClaim(claims, { email_verified: 'true' }), 'email_verified');
  assert.equal(failedClaim(claims, { groups: claimIncludes('admins', 'staff') }), undefined);
  assert.equal(failedClaim(claims, { groups: claimIncludes('root') }), 'groups');
  assert.equal(failedClaim(claims, { scope: claimIncludes('write') }), undefined);
  assert.equal(failedClaim(claims, { tenant: (value) => String(value).startsWith('ac') }), undefined);
  assert.equal(failedClaim(claims, { tenant: () => { throw new Error('boom'); } }), 'tenant');
  assert.equal(failedClaim(claims, { missing: null }), 'missing');
  assert.equal(failedClaim(claims, { toString: claimIncludes('x') }), 'toString');
});

test('roles: a claim name, Keycloak realm and client roles; malformed claims grant nothing', () => {
  const claims = { roles: ['reader'], realm_access: { roles: ['admin'] }, resource_access: { api: { roles: ['editor'] }, other: { roles: 'viewer' } } };
  assert.equal(hasRole(claims, ['reader'], 'roles'), true);
  assert.equal(hasRole(claims, ['writer', 'reader'], 'roles'), true);
  assert.equal(hasRole(claims, ['admin'], 'roles'), false);
  assert.equal(hasRole(claims, ['admin'], keycloakRealmRoles), true);
  assert.equal(hasRole(claims, ['editor'], keycloakClientRoles('api')), true);
  assert.equal(hasRole(claims, ['editor'], keycloakClientRoles('other')), false);
  assert.equal(hasRole(claims, ['viewer'], keycloakClientRoles('other')), true);
  assert.equal(hasRole(claims, ['editor'], keycloakClientRoles('missing')), false);
  assert.equal(hasRole({ realm_access: 'admin' }, ['admin'], keycloakRealmRoles), false);
  assert.equal(hasRole({ resource_access: { __proto__: { roles: ['x'] } } }, ['x'], keycloakClientRoles('__proto__')), false);
});

test('bearerError: RFC 6750 challenges, no error attribute without a token, unsafe characters replaced', () => {
  assert.equal(bearerError('unauthenticated', 'x', { realm: 'api' }).challenge, 'Bearer realm="api"');
  const scoped = bearerError('insufficient_scope', 'Needs admin.', { realm: 'api', scope: ['admin', 'write'] });
  assert.equal(scoped.challenge, 'Bearer realm="api", error="insufficient_scope", error_description="Needs admin.", scope="admin write"');
  assert.equal(scoped.status, 403);
  const hostile = bearerError('invalid_token', 'kid "a"\r\nSet-Cookie: x=1 \\ é', { realm: 'api' });
  assert.equal(hostile.challenge, 'Bearer realm="api", error="invalid_token", error_description="kid \'a\'??Set-Cookie: x=1 / ?"');
  assert.equal(hostile.status, 401);
  assert.equal(bearerError('invalid_request', 'x', { realm: 'api' }).status, 400);
});

test('ExpiringCache: entries expire, the oldest is evicted when full', () => {
  const cache = new ExpiringCache<number>(2);
  cache.set('a', 1, 100);
  cache.set('b', 2, 100);
  assert.equal(cache.get('a', 50), 1);
  assert.equal(cache.get('a', 100), undefined, 'expired at its time');
  cache.set('c', 3, 200);
  cache.set('d', 4, 200);
  assert.equal(cache.size, 2);
  assert.equal(cache.get('b', 50), undefined, 'evicted');
  assert.equal(cache.get('d', 50), 4);
});

test('ExpiringCache: under churn it stays within its bound, keeps the newest entries, and evicts the oldest first', () => {
  const cache = new ExpiringCache<number>(1000);
  for (let i = 0; i < 50_000; i++) {
    cache.set(`k${i}`, i, Number.POSITIVE_INFINITY);
    assert.ok(cache.size <= 1000);
  }
  assert.ok(cache.size > 900, 'at most a sixteenth is evicted at once');
  assert.equal(cache.get('k49999', 0), 49_999);
  assert.equal(cache.get('k48999', 0), undefined, 'older than the bound');
  for (let i = 49_100; i < 50_000; i++) assert.equal(cache.get(`k${i}`, 0), i, `k${i} kept`);
});

function view(url: string, headers: Record<string, string>, options: { method?: string; body?: string; count?: number } = {}): RequestView {
  return {
    method: options.method ?? 'GET',
    url,
    header: (name) => headers[name],
    headerCount: () => options.count ?? 1,
    readBody: () => Promise.resolve(options.body ?? ''),
  };
}
const transports = { form: false, query: false, realm: 'api' };
function refusedWith(run: () => unknown, reason: string): void {
  assert.throws(run, (error: unknown) => error instanceof OidcError && error.code === 'invalid_request' && error.reason === reason);
}

/** readBearerToken, then the header syntax check the core runs before using a token it has not cached. */
function readChecked(request: RequestView): ReturnType<typeof readBearerToken> {
  const found = readBearerToken(request, transports);
  if (found !== undefined && !(found instanceof Promise)) checkBearerSyntax(found, transports.realm);
  return found;
}

test('readBearerToken + checkBearerSyntax: the header, case-insensitive scheme; other schemes are no credentials; malformed headers refused', () => {
  assert.deepEqual(readBearerToken(view('/', { authorization: 'Bearer abc.DEF-_~+/==' }), transports), { token: 'abc.DEF-_~+/==', source: 'header' });
  assert.deepEqual(readBearerToken(view('/', { authorization: 'bearer t' }), transports), { token: 't', source: 'header' });
  assert.deepEqual(readBearerToken(view('/', { authorization: 'BEARER t' }), transports), { token: 't', source: 'header' });
  assert.equal(readBearerToken(view('/', { authorization: 'Basic dXNlcjpwYXNz' }), transports), undefined);
  assert.equal(readBearerToken(view('/', {}), transports), undefined);
  refusedWith(() => readBearerToken(view('/', { authorization: 'Bearer' }), transports), 'authorization_header');
  refusedWith(() => readChecked(view('/', { authorization: 'Bearer a b' })), 'authorization_header');
  refusedWith(() => readChecked(view('/', { authorization: 'Bearer  a' })), 'authorization_header');
  refusedWith(() => readChecked(view('/', { authorization: 'Bearer a=b' })), 'authorization_header');
  refusedWith(() => readBearerToken(view('/', { authorization: 'Bearer a' }, { count: 2 }), transports), 'authorization_headers');
  // The syntax is checked apart (a cached token skips it): readBearerToken alone hands it over.
  assert.deepEqual(readBearerToken(view('/', { authorization: 'Bearer a b' }), transports), { token: 'a b', source: 'header' });
  checkBearerSyntax({ token: 'abc.DEF-_~+/==', source: 'header' }, 'api');
  checkBearerSyntax({ token: 'a b', source: 'query' }, 'api'); // query and form tokens were checked by readBearerToken
});

test('readBearerToken: query tokens only when enabled (escaped names too), never two methods, form bodies only on small urlencoded non-GET requests', async () => {
  refusedWith(() => readBearerToken(view('/?access_token=t', {}), transports), 'query_token');
  refusedWith(() => readBearerToken(view('/?access%5Ftoken=t', {}), transports), 'query_token');
  assert.equal(readBearerToken(view('/?x=1&y=%20', {}), transports), undefined);
  const query = { ...transports, query: true };
  assert.deepEqual(readBearerToken(view('/?access_token=t', {}), query), { token: 't', source: 'query' });
  assert.deepEqual(readBearerToken(view('/?%61ccess_token=t', {}), query), { token: 't', source: 'query' });
  refusedWith(() => readBearerToken(view('/?access_token=t&access_token=u', {}), query), 'access_token');
  refusedWith(() => readBearerToken(view('/?access%5Ftoken=t', { authorization: 'Bearer t' }), query), 'two_methods');
  const form = { ...transports, form: true };
  const urlencoded = (body: string) => ({ 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(body.length) });
  const post = (body: string, headers: Record<string, string> = {}, method = 'POST') => view('/', { ...urlencoded(body), ...headers }, { method, body });
  assert.deepEqual(await readBearerToken(post('access_token=f&x=1'), form), { token: 'f', source: 'form' });
  assert.equal(await readBearerToken(post('access_token=f', {}, 'GET'), form), undefined);
  assert.equal(await readBearerToken(post('{"access_token":"f"}', { 'content-type': 'application/json' }), form), undefined);
  assert.equal(await readBearerToken(post('access_token=f', { 'content-length': String(64 * 1024 + 1) }), form), undefined, 'a large body is left alone');
  const noLength: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  assert.equal(await readBearerToken(view('/', noLength, { method: 'POST', body: 'access_token=f' }), form), undefined, 'a body of unknown size is left alone');
  await assert.rejects(Promise.resolve(readBearerToken(post('access_token=f', { authorization: 'Bearer t' }), form)),
    (error: unknown) => error instanceof OidcError && error.reason === 'two_methods');
  assert.deepEqual(await readBearerToken(post('x=1', { authorization: 'Bearer t' }), form), { token: 't', source: 'header' });
});

/** Cache keys as the token validator makes them: the base64url SHA-256 of a token. */
const keyOf = (i: number): string => hash('sha256', `token-${i}`, 'base64url');

test('AdmissionFilter: a key is admitted on its second sighting, and only then', () => {
  const admission = new AdmissionFilter(10_000);
  assert.equal(admission.admit(keyOf(0)), false, 'first sighting');
  assert.equal(admission.admit(keyOf(0)), true, 'second');
  assert.equal(admission.admit(keyOf(0)), true, 'and after');
  // 5 000 other keys, each seen once: none is taken for another (32-bit fingerprints).
  for (let i = 1; i <= 5_000; i += 1) assert.equal(admission.admit(keyOf(i)), false, `key ${i} on its first sighting`);
});

test('AdmissionFilter: sightings are remembered across about `window` other keys, and forgotten long after', () => {
  const admission = new AdmissionFilter(65_536);
  for (let i = 0; i < 1_000; i += 1) admission.admit(keyOf(i));
  let admitted = 0;
  for (let i = 0; i < 1_000; i += 1) if (admission.admit(keyOf(i))) admitted += 1;
  assert.ok(admitted >= 950, `${admitted} of 1 000 keys seen again after 1 000 others were admitted`);

  const small = new AdmissionFilter(64);
  small.admit(keyOf(0));
  for (let i = 1; i <= 64 * 20; i += 1) small.admit(keyOf(i));
  assert.equal(small.admit(keyOf(0)), false, 'forgotten after 20 windows of other keys: a token reused that late is verified again');
});

test('AdmissionFilter: memory is bounded whatever the window (cacheMaxEntries may be huge)', () => {
  // Unbounded, 2^40 slots would throw a RangeError here.
  const huge = new AdmissionFilter(1e12);
  assert.equal(huge.admit(keyOf(1)), false);
  assert.equal(huge.admit(keyOf(1)), true);
});
