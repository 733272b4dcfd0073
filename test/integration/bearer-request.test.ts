/**
 * RFC 6750 bearer token usage at a resource server (conformance checklist §3.1, rows B6750-*): how
 * the token is read (header, form body, query), the exact WWW-Authenticate challenges, and the
 * resource-server-only mode (no routes, no cookies). Real HTTP against the hostile token-lab.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { OidcError } from '../../src/express.ts';
import {
  assertAccepted, assertBearerError, assertNoCredentials, type BearerApp, CAUGHT_STATUS, nowSeconds, opaqueToken, parseChallenge, startBearerApp,
} from '../support/bearer-app.ts';
import { ADAPTERS, isExpress } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import { startTokenLab, type TokenLab } from '../support/token-lab.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

for (const adapter of ADAPTERS) describe(`RFC 6750 bearer token requests (resource-server-only) (${adapter})`, () => {
  /** Express's own API (a body parser after acceptToken(); next(error) to the app's error middleware): Express adapters only. */
  const onExpress = isExpress(adapter);
  let lab: TokenLab;
  /** Defaults: form and query tokens off. */
  let main: BearerApp;
  /** allowFormToken and allowQueryToken on. */
  let both: BearerApp;
  /** realm 'orders' */
  let realmApp: BearerApp;
  /** `both`, plus an Express body parser after acceptToken() (Express adapters only). */
  let formEcho: BearerApp | undefined;

  before(async () => {
    lab = await startTokenLab();
    main = await startBearerApp({
      lab,
      adapter,
      appRoutes: [
        get('/scoped', [['acceptToken'], ['requireScopes', 'admin']], ({ oidc }) => ({ json: { sub: oidc.token?.sub ?? null, authenticatedBy: oidc.authenticatedBy ?? null } })),
        get('/ac', [['accessControl', { scopes: 'read' }]], ({ oidc }) => ({ json: { authenticatedBy: oidc.authenticatedBy ?? null, sub: oidc.token?.sub ?? null } })),
        // No error handling of the app's own: the adapter's (Express: oidc.errorHandler(); node:http: its listener's catch).
        get('/unrendered', [['acceptToken', { renderErrors: false }], ['requireScopes', 'admin', { renderErrors: false }]], ({ oidc }) => ({ json: { sub: oidc.token?.sub ?? null, authenticatedBy: oidc.authenticatedBy ?? null } })),
      ],
    });
    both = await startBearerApp({
      lab,
      adapter,
      resourceServer: { allowFormToken: true, allowQueryToken: true },
    });
    if (onExpress) formEcho = await startBearerApp({
      lab,
      adapter,
      resourceServer: { allowFormToken: true, allowQueryToken: true },
      routes: (app, oidc) => {
        // A body parser after acceptToken() still sees the form oidc-kit read the token from.
        app.post('/form-echo', oidc.acceptToken(), express.urlencoded({ extended: false }), (req, res) => {
          res.json({ sub: req.oidc.token?.sub ?? null, body: req.body as unknown });
        });
      },
    });
    realmApp = await startBearerApp({ lab, adapter, resourceServer: { realm: 'orders' } });
  });

  after(async () => {
    await main.close();
    await both.close();
    await formEcho?.close();
    await realmApp.close();
    await lab.close();
  });

  test('B6750-01: no credentials → 401 with a bare `Bearer realm="api"` challenge (no error attribute)', async () => {
    for (const response of [await main.request('/api'), await main.request('/api', { method: 'POST' }), await both.request('/api')]) {
      assertNoCredentials(response);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.json?.['reason'], undefined);
    }
  });

  test('B6750-01: the realm option is the realm of every challenge', async () => {
    assertNoCredentials(await realmApp.request('/api'), 'orders');
    assertBearerError(await realmApp.bearer('not a token'), { status: 400, error: 'invalid_request', realm: 'orders' });
    assertBearerError(await realmApp.bearer(await lab.mint({ exp: nowSeconds() - 3600 })), { status: 401, error: 'invalid_token', reason: 'exp', realm: 'orders' });
  });

  test('B6750-02: Basic (or another scheme) counts as no credentials → bare 401', async () => {
    assertNoCredentials(await main.request('/api', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }));
    assertNoCredentials(await main.request('/api', { headers: { authorization: 'Digest username="x", realm="api"' } }));
    assertNoCredentials(await main.request('/api', { headers: { authorization: `DPoP ${await lab.mint()}` } }));
  });

  test('B6750-03: the scheme is case-insensitive: Bearer, bearer and BEARER are accepted', async () => {
    const token = await lab.mint({ scope: 'read write' });
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const response = await main.request('/api', { headers: { authorization: `${scheme} ${token}` } });
      assertAccepted(response);
      assert.deepEqual(response.json?.['scopes'], ['read', 'write']);
      assert.equal((response.json?.['token'] as Record<string, unknown>)['client_id'], 'client-1');
    }
  });

  test('B6750-04: Bearer without a token → 400 invalid_request', async () => {
    assertBearerError(await main.request('/api', { headers: { authorization: 'Bearer' } }), { status: 400, error: 'invalid_request', reason: 'authorization_header' });
    assertBearerError(await main.raw(['GET /api HTTP/1.1', 'Authorization: Bearer ']), { status: 400, error: 'invalid_request' });
  });

  test('B6750-04: `Bearer a b`, two spaces, and characters outside b64token → 400 invalid_request', async () => {
    const token = await lab.mint();
    for (const value of ['Bearer a b', `Bearer  ${token}`, 'Bearer abc$def', 'Bearer abc,def', 'Bearer "abc"', 'Bearer ab=c', 'Bearer abc;def', `Bearer ${token} extra`]) {
      assertBearerError(await main.request('/api', { headers: { authorization: value } }), { status: 400, error: 'invalid_request', reason: 'authorization_header' });
    }
  });

  test('B6750-04: two Authorization headers → 400 invalid_request', async () => {
    const token = await lab.mint();
    const twoBearer = await main.raw(['GET /api HTTP/1.1', `Authorization: Bearer ${token}`, `Authorization: Bearer ${token}`]);
    assertBearerError(twoBearer, { status: 400, error: 'invalid_request', reason: 'authorization_headers' });
    const bearerAndBasic = await main.raw(['GET /api HTTP/1.1', `Authorization: Bearer ${token}`, 'authorization: Basic dXNlcjpwYXNz']);
    assertBearerError(bearerAndBasic, { status: 400, error: 'invalid_request', reason: 'authorization_headers' });
  });

  test('B6750-05: header + query → 400 invalid_request (query off: reason query_token; query on: two_methods)', async () => {
    const token = await lab.mint();
    assertBearerError(await main.bearer(token, `/api?access_token=${token}`), { status: 400, error: 'invalid_request', reason: 'query_token' });
    assertBearerError(await both.bearer(token, `/api?access_token=${token}`), { status: 400, error: 'invalid_request', reason: 'two_methods' });
  });

  test('B6750-05: header + a query access_token whose name is percent-encoded (access%5Ftoken) → 400 invalid_request', async () => {
    // application/x-www-form-urlencoded decoding makes `access%5Ftoken` the access_token parameter (RFC 6750 §2.3).
    const token = await lab.mint();
    assertBearerError(await both.bearer(token, `/api?access%5Ftoken=${token}`), { status: 400, error: 'invalid_request', reason: 'two_methods' });
    assertBearerError(await main.request(`/api?access%5Ftoken=${token}`), { status: 400, error: 'invalid_request', reason: 'query_token' });
  });

  test('B6750-05: header + form body, and query + form body → 400 invalid_request', async () => {
    const token = await lab.mint();
    const body = new URLSearchParams({ access_token: token }).toString();
    assertBearerError(await both.bearer(token, '/api', { method: 'POST', headers: FORM, body }), { status: 400, error: 'invalid_request', reason: 'two_methods' });
    assertBearerError(await both.request(`/api?access_token=${token}`, { method: 'POST', headers: FORM, body }), { status: 400, error: 'invalid_request', reason: 'two_methods' });
  });

  test('B6750-06: an invalid token → 401 invalid_token with a description', async () => {
    const [h, p] = (await lab.mint()).split('.');
    const [, , otherSignature] = (await lab.mint({ sub: 'admin' })).split('.');
    assertBearerError(await main.bearer(`${h}.${p}.${otherSignature}`), { status: 401, error: 'invalid_token', reason: 'signature' });
    assertBearerError(await main.bearer(await lab.mint({ exp: nowSeconds() - 3600 })), { status: 401, error: 'invalid_token', reason: 'exp' });
    // An unknown opaque token: the lab's introspection says { active: false }.
    assertBearerError(await main.bearer(opaqueToken()), { status: 401, error: 'invalid_token', reason: 'inactive' });
    assertBearerError(await main.bearer('a'.repeat(8193)), { status: 401, error: 'invalid_token', reason: 'too_long' });
  });

  test('B6750-07: a valid token without the scope → 403 insufficient_scope with scope="admin"', async () => {
    const response = await main.bearer(await lab.mint({ scope: 'read write' }), '/admin');
    const challenge = assertBearerError(response, { status: 403, error: 'insufficient_scope', reason: 'scope', scope: 'admin' });
    assert.match(response.challenge!, /^Bearer realm="api", error="insufficient_scope", error_description="[^"]*", scope="admin"$/);
    assert.equal(challenge.scope, 'admin');
    const both2 = await main.bearer(await lab.mint({ scope: 'read' }), '/read-write');
    assertBearerError(both2, { status: 403, error: 'insufficient_scope', reason: 'scope', scope: 'read write' });
    assertAccepted(await main.bearer(await lab.mint({ scope: 'read admin' }), '/admin'));
    // The same through requireScopes() after acceptToken().
    assertBearerError(await main.bearer(await lab.mint({ scope: 'read write' }), '/scoped'), { status: 403, error: 'insufficient_scope', reason: 'scope', scope: 'admin' });
    assertAccepted(await main.bearer(await lab.mint({ scope: 'admin' }), '/scoped'));
  });

  test('B6750-08: form body token on POST application/x-www-form-urlencoded is accepted when allowFormToken is on', async () => {
    const token = await lab.mint();
    assertAccepted(await both.request('/api', { method: 'POST', headers: FORM, body: new URLSearchParams({ access_token: token }).toString() }));
    assertAccepted(await both.request('/api', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: `x=1&access_token=${token}`,
    }));
  });

  test('with allowFormToken on, a header token with a large form body (no access_token) is accepted', async () => {
    // One method only (the header): nothing in RFC 6750 makes this request invalid.
    assertAccepted(await both.bearer(await lab.mint(), '/api', { method: 'POST', headers: FORM, body: `item=${'x'.repeat(70_000)}&note=ok` }));
  });

  // Express's own API (body-parser interplay): a body parser after acceptToken() gets the form oidc-kit read.
  if (onExpress) test('B6750-08: with allowFormToken on, express.urlencoded() after acceptToken() gets the form (with a form token; a large one beside a header token)', async () => {
    const token = await lab.mint();
    const echo = await formEcho!.request('/form-echo', { method: 'POST', headers: FORM, body: `access_token=${token}&item=42&note=a+b` });
    assert.equal(echo.status, 200, echo.text);
    assert.equal(echo.json?.['sub'], 'user-1');
    assert.deepEqual({ ...(echo.json?.['body'] as Record<string, unknown>) }, { access_token: token, item: '42', note: 'a b' });
    const big = await formEcho!.bearer(token, '/form-echo', { method: 'POST', headers: FORM, body: `item=${'x'.repeat(70_000)}&note=ok` });
    assert.equal(big.status, 200, `expected 200, got ${big.status}: ${big.text}`);
    assert.equal(big.json?.['sub'], 'user-1');
    assert.equal((big.json?.['body'] as Record<string, unknown>)['note'], 'ok');
  });

  test('B6750-08: a form token on GET (a GET with a body) is not a credential → bare 401', async () => {
    const token = await lab.mint();
    const response = await both.raw(['GET /api HTTP/1.1', 'Content-Type: application/x-www-form-urlencoded'], `access_token=${token}`);
    assertNoCredentials(response);
  });

  test('B6750-08: JSON and multipart bodies carrying access_token are not credentials → bare 401', async () => {
    const token = await lab.mint();
    assertNoCredentials(await both.request('/api', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: token }) }));
    const boundary = 'XyZboundary';
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="access_token"\r\n\r\n${token}\r\n--${boundary}--\r\n`;
    assertNoCredentials(await both.request('/api', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: multipart }));
    assertNoCredentials(await both.request('/api', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `access_token=${token}` }));
  });

  test('B6750-08: form tokens are off by default → bare 401', async () => {
    const token = await lab.mint();
    assertNoCredentials(await main.request('/api', { method: 'POST', headers: FORM, body: `access_token=${token}` }));
  });

  test('B6750-08: two access_token form parameters, or a malformed one → 400 invalid_request', async () => {
    const token = await lab.mint();
    assertBearerError(await both.request('/api', { method: 'POST', headers: FORM, body: `access_token=${token}&access_token=${token}` }), {
      status: 400, error: 'invalid_request', reason: 'access_token',
    });
    assertBearerError(await both.request('/api', { method: 'POST', headers: FORM, body: 'access_token=a%20b' }), { status: 400, error: 'invalid_request', reason: 'access_token' });
  });

  test('B6750-09: a query token while query tokens are off → 400 invalid_request reason query_token', async () => {
    const token = await lab.mint();
    const response = await main.request(`/api?access_token=${token}`);
    const challenge = assertBearerError(response, { status: 400, error: 'invalid_request', reason: 'query_token' });
    assert.ok(!challenge.description!.includes(token));
  });

  test('B6750-09: a query token is accepted when allowQueryToken is on; two of them → 400', async () => {
    const token = await lab.mint();
    assertAccepted(await both.request(`/api?access_token=${token}`));
    assertAccepted(await both.request(`/api?x=1&access_token=${encodeURIComponent(token)}&y=2`));
    assertBearerError(await both.request(`/api?access_token=${token}&access_token=${token}`), { status: 400, error: 'invalid_request', reason: 'access_token' });
  });

  test('B6750-09: 2xx answers to a query-token request carry Cache-Control: private', async () => {
    const response = await both.request(`/api?access_token=${await lab.mint()}`);
    assertAccepted(response);
    assert.match(response.headers.get('cache-control') ?? '', /\bprivate\b/, 'RFC 6750 §2.3: success responses to query-token requests SHOULD carry Cache-Control: private');
  });

  test('B6750-10: error_description never carries `"`, CR/LF or token content, even for a kid with quotes and CRLF', async () => {
    const rogue = await lab.generateKey('RS256');
    const hostileKid = 'k"id\r\nX-Injected: 1\\"';
    const token = await lab.mint({ sub: 'victim"\r\nX-Sub: 2' }, { key: rogue, header: { kid: hostileKid } });
    const response = await main.bearer(token);
    const challenge = assertBearerError(response, { status: 401, error: 'invalid_token', reason: 'kid' });
    assert.equal(response.headers.get('x-injected'), null);
    assert.equal(response.headers.get('x-sub'), null);
    assert.ok(!response.challenge!.includes('X-Injected') && !response.challenge!.includes('victim'));
    assert.doesNotMatch(challenge.description!, /["\r\n\\]/);
    // The JSON body does not echo the token either.
    assert.ok(!response.text.includes(token) && !response.text.includes('X-Injected'));
    for (const segment of token.split('.')) assert.ok(!response.challenge!.includes(segment));

    // The same for a malformed request with a quote in the "token".
    const quoted = await main.request('/api', { headers: { authorization: 'Bearer abc"def\\ghi' } });
    const q = assertBearerError(quoted, { status: 400, error: 'invalid_request' });
    assert.ok(!quoted.challenge!.includes('abc') && !quoted.text.includes('abc"def'));
    assert.doesNotMatch(q.description!, /["\\]/);

    // Every challenge seen so far in this file is well-formed, with each attribute at most once.
    for (const seen of [...main.responses, ...both.responses]) {
      if (seen.challenge === null) continue;
      parseChallenge(seen.challenge);
      for (const attribute of ['realm', 'error', 'error_description', 'scope']) {
        assert.ok((seen.challenge.match(new RegExp(`(^|[ ,])${attribute}=`, 'g')) ?? []).length <= 1, seen.challenge);
      }
    }
  });

  test('B6750-12: a JWT bound to a key (cnf.jkt) presented as Bearer → 401 invalid_token reason bound_token', async () => {
    const bound = await lab.mint({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } });
    assertBearerError(await main.bearer(bound), { status: 401, error: 'invalid_token', reason: 'bound_token' });
    const mtls = await lab.mint({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } });
    assertBearerError(await main.bearer(mtls), { status: 401, error: 'invalid_token', reason: 'bound_token' });
  });

  test('required: false lets anonymous requests through with req.oidc.token undefined; a bad token is still refused', async () => {
    const anonymous = await main.request('/optional');
    assert.equal(anonymous.status, 200, anonymous.text);
    assert.equal(anonymous.json?.['anonymous'], true);
    assert.equal(anonymous.json?.['token'], null);
    assert.equal(anonymous.json?.['authenticatedBy'], null);
    assert.equal(anonymous.challenge, null);
    // Another scheme is no token: anonymous too.
    assert.equal((await main.request('/optional', { headers: { authorization: 'Basic dXNlcjpwYXNz' } })).json?.['anonymous'], true);

    assertAccepted(await main.bearer(await lab.mint(), '/optional'));
    assertBearerError(await main.bearer(await lab.mint({ exp: nowSeconds() - 3600 }), '/optional'), { status: 401, error: 'invalid_token', reason: 'exp' });
    assertBearerError(await main.request('/optional', { headers: { authorization: 'Bearer a b' } }), { status: 400, error: 'invalid_request' });
  });

  // Express's own API: the OidcError reaches next(error) and the app's error middleware (every adapter: the next test).
  if (onExpress) test('renderErrors: false hands the OidcError (status, code, reason, challenge) to the error handler', async () => {
    main.caught.length = 0;
    const bad = await main.bearer(await lab.mint({ iss: 'https://evil.example' }), '/raw');
    assert.equal(bad.status, CAUGHT_STATUS);
    assert.equal(bad.challenge, null, 'nothing was rendered by oidc-kit');
    assert.equal(bad.json?.['oidcError'], true);
    assert.equal(bad.json?.['code'], 'invalid_token');
    assert.equal(bad.json?.['status'], 401);
    assert.equal(bad.json?.['reason'], 'iss');
    const parsed = parseChallenge(bad.json?.['challenge'] as string);
    assert.equal(parsed.error, 'invalid_token');

    const none = await main.request('/raw');
    assert.equal(none.status, CAUGHT_STATUS);
    assert.deepEqual([none.json?.['code'], none.json?.['status'], none.json?.['challenge']], ['unauthenticated', 401, 'Bearer realm="api"']);

    const malformed = await main.request('/raw', { headers: { authorization: 'Bearer' } });
    assert.deepEqual([malformed.json?.['code'], malformed.json?.['status']], ['invalid_request', 400]);
    assert.equal(parseChallenge(malformed.json?.['challenge'] as string).error, 'invalid_request');

    const scope = await main.bearer(await lab.mint({ scope: 'admin' }), '/raw');
    assertAccepted(scope);

    assert.equal(main.caught.length, 3);
    for (const error of main.caught) assert.ok(error instanceof OidcError);
    const first = main.caught[0] as OidcError;
    assert.equal(first.status, 401);
    assert.equal(first.code, 'invalid_token');
    assert.match(first.challenge ?? '', /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/);
  });

  test('renderErrors: false hands the OidcError to the adapter\'s error handling, whose recovery logs it and answers as the guard would have', async () => {
    const cases: [string, Record<string, string>][] = [
      ['iss', { authorization: `Bearer ${await lab.mint({ iss: 'https://evil.example', scope: 'admin' })}` }],
      ['no token', {}],
      ['malformed', { authorization: 'Bearer' }],
      ['scope', { authorization: `Bearer ${await lab.mint({ scope: 'read' })}` }],
    ];
    for (const [what, headers] of cases) {
      main.warnings.length = 0;
      const rendered = await main.request('/scoped', { headers }); // the same guards, rendering their errors
      assert.deepEqual(main.warnings, [], `${what}: a rendered guard error is not logged`);
      const unrendered = await main.request('/unrendered', { headers });
      assert.ok(unrendered.status >= 400 && unrendered.status < 500, `${what}: ${unrendered.status} ${unrendered.text}`);
      assert.deepEqual(
        [unrendered.status, unrendered.challenge, unrendered.headers.get('cache-control'), unrendered.json],
        [rendered.status, rendered.challenge, rendered.headers.get('cache-control'), rendered.json],
        what,
      );
      assert.equal(main.warnings.length, 1, `${what}: the adapter's error handling (oidc-kit's recovery) logged it: ${main.warnings.join(' | ')}`);
      assert.match(main.warnings[0]!, /^request failed: (invalid_token:iss|unauthenticated|invalid_request|insufficient_scope)/, what);
    }
    assertBearerError(await main.request('/unrendered', { headers: cases[3]![1] }), { status: 403, error: 'insufficient_scope', scope: 'admin' });
    assertAccepted(await main.bearer(await lab.mint({ scope: 'admin' }), '/unrendered'));
  });

  test('resource-server-only: /login, /callback, /logout are not mounted (404); requireLogin() throws; accessControl() judges bearer tokens', async () => {
    for (const path of ['/login', '/callback', '/logout', '/logout/callback', '/callback?code=x&state=y']) {
      const response = await main.request(path);
      assert.equal(response.status, 404, `${path}: ${response.status}`);
    }
    assert.throws(() => main.oidc.requireLogin(), TypeError);
    assertNoCredentials(await main.request('/ac'));
    const ok = await main.bearer(await lab.mint(), '/ac');
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json, { authenticatedBy: 'token', sub: 'user-1' });
    assertBearerError(await main.bearer(await lab.mint({ scope: 'other' }), '/ac'), { status: 403, error: 'insufficient_scope', scope: 'read' });
  });

  test('resource-server-only: no Set-Cookie header on any response', () => {
    const all = [...main.responses, ...both.responses, ...realmApp.responses, ...(formEcho?.responses ?? [])];
    assert.ok(all.length > 40, `only ${all.length} responses seen`);
    for (const response of all) assert.equal(response.headers.get('set-cookie'), null, `${response.status} ${response.text.slice(0, 80)}`);
  });
});
