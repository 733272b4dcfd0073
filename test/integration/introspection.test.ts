/**
 * RFC 7662 token introspection by the resource server (conformance checklist §3.3, rows INT-*): the
 * request it sends, how it judges the answer (fail closed), 503 (never 401) when the endpoint fails,
 * and the cache: single-flight, min(cacheTtl, exp), short negative caching, keyed by a hash.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertAccepted, assertBearerError, assertProviderFailure, AUDIENCE, type BearerApp, nowSeconds, opaqueToken, RS_CLIENT_ID, RS_CLIENT_SECRET,
  startBearerApp, type BearerAppOptions } from '../support/bearer-app.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { type LabRequest, startTokenLab, type TokenLab } from '../support/token-lab.ts';

const INTROSPECT = '/introspect';

/**
 * The client id and secret of a request's `Authorization: Basic` header, each form-decoded as RFC 6749
 * §2.3.1 requires (an AS decodes them so); fails unless the header holds exactly one unencoded ":".
 */
function basicCredentials(request: LabRequest): [string, string] {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(request.headers.authorization ?? '');
  assert.ok(match, `not a Basic header: ${request.headers.authorization}`);
  const parts = Buffer.from(match[1]!, 'base64').toString('utf8').split(':');
  assert.equal(parts.length, 2, `exactly one unencoded ":" expected, got ${parts.join(':')}`);
  const formDecode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '));
  return [formDecode(parts[0]!), formDecode(parts[1]!)];
}

for (const adapter of ADAPTERS) {
  /** The resource server on this adapter. */
  const startApi = (options: BearerAppOptions = {}): Promise<BearerApp> => startBearerApp({ adapter, ...options });

  describe(`RFC 7662 token introspection (${adapter})`, () => {
    let lab: TokenLab;
    /** Defaults: client_secret_basic with the provider's client, hint access_token, cacheTtl 60, inactiveCacheTtl 5. */
    let basic: BearerApp;
    let post: BearerApp;
    let bearerAuth: BearerApp;
    let noHint: BearerApp;
    let punctuated: BearerApp;
    /** httpTimeout 300 ms. */
    let slow: BearerApp;
    const cleanup: Array<() => Promise<void>> = [];

    /** An active introspection answer that passes every check of the default app. */
    const active = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      active: true,
      iss: lab.issuer,
      sub: 'user-1',
      aud: AUDIENCE,
      client_id: 'client-1',
      scope: 'read',
      token_type: 'Bearer',
      exp: nowSeconds() + 300,
      iat: nowSeconds(),
      ...extra,
    });
    /** A new opaque token the lab introspects as `answer`. */
    const issue = (answer: Record<string, unknown>): string => {
      const token = opaqueToken();
      lab.introspections.set(token, answer);
      return token;
    };
    const callsFor = (token: string, on: TokenLab = lab): LabRequest[] =>
      on.requests.filter((r) => r.path === INTROSPECT && new URLSearchParams(r.body).get('token') === token);

    before(async () => {
      lab = await startTokenLab();
      basic = await startApi({ lab });
      post = await startApi({ lab, resourceServer: { introspection: { authMethod: 'client_secret_post' } } });
      bearerAuth = await startApi({ lab, resourceServer: { introspection: { authMethod: 'bearer' } } });
      noHint = await startApi({ lab, resourceServer: { introspection: { tokenTypeHint: false } } });
      punctuated = await startApi({ lab, resourceServer: { introspection: { clientId: 'a b:c%+/#&', clientSecret: 's3:c r%e+t/#&=' } } });
      slow = await startApi({ lab, options: { httpTimeout: 300 } });
    });

    after(async () => {
      for (const app of [basic, post, bearerAuth, noHint, punctuated, slow]) await app.close();
      for (const close of cleanup) await close();
      await lab.close();
    });

    test('INT-01: POST form with token and token_type_hint=access_token, client_secret_basic by default', async () => {
      const token = issue(active({ scope: 'read write' }));
      const response = await basic.bearer(token);
      assertAccepted(response);
      assert.deepEqual(response.json?.['scopes'], ['read', 'write']);
      const claims = response.json?.['token'] as Record<string, unknown>;
      assert.equal(claims['active'], undefined, 'req.oidc.token holds the claims, not the active flag');
      assert.equal(claims['client_id'], 'client-1');

      const [call, ...more] = callsFor(token);
      assert.equal(more.length, 0);
      assert.equal(call!.method, 'POST');
      assert.match(call!.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
      assert.deepEqual(Object.fromEntries(new URLSearchParams(call!.body)), { token, token_type_hint: 'access_token' });
      assert.equal(new URLSearchParams(call!.body).getAll('token').length, 1);
      assert.deepEqual(basicCredentials(call!), [RS_CLIENT_ID, RS_CLIENT_SECRET]);
      assert.match(call!.headers.accept ?? '', /application\/json/);
    });

    test('INT-01: authMethod client_secret_post puts client_id and client_secret in the body, no Authorization header', async () => {
      const token = issue(active());
      assertAccepted(await post.bearer(token));
      const [call] = callsFor(token);
      const form = new URLSearchParams(call!.body);
      assert.equal(form.get('client_id'), RS_CLIENT_ID);
      assert.equal(form.get('client_secret'), RS_CLIENT_SECRET);
      assert.equal(form.get('token_type_hint'), 'access_token');
      assert.equal(call!.headers.authorization, undefined);
    });

    test('INT-01: authMethod bearer sends Authorization: Bearer <the token> and no secret', async () => {
      const token = issue(active());
      assertAccepted(await bearerAuth.bearer(token));
      const [call] = callsFor(token);
      assert.equal(call!.headers.authorization, `Bearer ${token}`);
      const form = new URLSearchParams(call!.body);
      assert.equal(form.get('client_secret'), null);
      assert.equal(form.get('token'), token);
    });

    test('INT-01: tokenTypeHint: false sends no token_type_hint', async () => {
      const token = issue(active());
      assertAccepted(await noHint.bearer(token));
      const [call] = callsFor(token);
      assert.deepEqual(Object.fromEntries(new URLSearchParams(call!.body)), { token });
      assert.match(call!.headers.authorization ?? '', /^Basic /);
    });

    test('INT-01: credentials with punctuation are form-encoded inside Basic auth (RFC 6749 §2.3.1)', async () => {
      const token = issue(active());
      assertAccepted(await punctuated.bearer(token));
      const [call] = callsFor(token);
      assert.deepEqual(basicCredentials(call!), ['a b:c%+/#&', 's3:c r%e+t/#&=']);
      const decoded = Buffer.from((call!.headers.authorization ?? '').slice('Basic '.length), 'base64').toString('utf8');
      assert.doesNotMatch(decoded, /[ #&/=]/, `raw punctuation left unencoded: ${decoded}`);
      assert.equal(new URLSearchParams(call!.body).get('client_secret'), null);
    });

    test('INT-02: {"active": false} → 401 invalid_token reason inactive; other members ignored', async () => {
      const token = issue({ active: false, sub: 'admin', scope: 'admin', aud: AUDIENCE, exp: nowSeconds() + 300 });
      assertBearerError(await basic.bearer(token, '/admin'), { status: 401, error: 'invalid_token', reason: 'inactive' });
      assertBearerError(await basic.bearer(opaqueToken()), { status: 401, error: 'invalid_token', reason: 'inactive' });
    });

    test('INT-03: active missing, "true", 1 or null → 401 inactive (fail closed)', async () => {
      const seen: Array<[string, number, unknown]> = [];
      const tokens: string[] = [];
      for (const value of [undefined, 'true', 1, null, {}]) {
        const answer = active({ active: value });
        if (value === undefined) delete answer['active'];
        const token = issue(answer);
        tokens.push(token);
        const response = await basic.bearer(token);
        seen.push([value === undefined ? 'missing' : JSON.stringify(value), response.status, response.json?.['reason']]);
      }
      // All at once, so a failure shows every case.
      assert.deepEqual(seen, [['missing', 401, 'inactive'], ['"true"', 401, 'inactive'], ['1', 401, 'inactive'], ['null', 401, 'inactive'], ['{}', 401, 'inactive']]);
      for (const token of tokens) assertBearerError(await basic.bearer(token), { status: 401, error: 'invalid_token', reason: 'inactive' });
    });

    test('INT-03: an answer that is not JSON → 503 provider_unavailable reason introspection, no challenge', async () => {
      lab.introspect = () => ({ body: 'not json {' });
      assertProviderFailure(await basic.bearer(opaqueToken()), 503, 'introspection');
      lab.introspect = () => ({ headers: { 'content-type': 'text/html' }, body: '<html>login</html>' });
      assertProviderFailure(await basic.bearer(opaqueToken()), 503, 'introspection');
      lab.introspect = () => ({ body: '[true]' });
      const array = await basic.bearer(opaqueToken());
      assert.ok(array.status === 503 || array.status === 401, array.text);
      assert.notEqual(array.status, 200);
      lab.introspect = undefined;
    });

    test('INT-04, B6750-11: the AS answering 500, 429, timing out or dropping the connection → 503 with Retry-After, no invalid_token, nothing cached; warnings never carry the token', async () => {
      const answers = [
        () => ({ status: 500, body: 'boom' }),
        () => ({ status: 503, body: { error: 'temporarily_unavailable' } }),
        () => ({ status: 429, body: { error: 'slow_down' } }),
        () => 'hang' as const,
        () => 'destroy' as const,
      ];
      const tokens: string[] = [];
      try {
        for (const answer of answers) {
          lab.introspect = answer;
          const token = opaqueToken();
          tokens.push(token);
          const started = Date.now();
          const response = await slow.bearer(token);
          assertProviderFailure(response, 503, 'introspection');
          assert.match(response.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
          assert.ok(Date.now() - started < 2000);
        }
      } finally {
        lab.introspect = undefined;
      }
      // One outage, said once with its first cause (the provider's fault log), not once per request.
      const down = slow.warnings.filter((w) => / is down: /.test(w));
      assert.equal(down.length, 1, slow.warnings.join('\n'));
      assert.match(down[0]!, /introspection endpoint failed \(the provider answered 500\)/);
      for (const warning of slow.warnings) for (const token of tokens) assert.ok(!warning.includes(token));
    });

    test('INT-04: the AS refusing this API\'s client (401, invalid_client) → 502 client_refused, logged with what to check, then held for 5 s without a call', async () => {
      for (const answer of [
        () => ({ status: 401, headers: { 'www-authenticate': 'Basic realm="as"' }, body: { error: 'invalid_client' } }),
        () => ({ status: 401, body: { error: 'invalid_client' } }),
        () => ({ status: 400, body: { error: 'invalid_client' } }),
      ]) {
        // A fresh API each time: the refusal is held for 5 s.
        const own = await startApi({ lab });
        cleanup.push(() => own.close());
        lab.introspect = answer;
        const calls = (): number => lab.requests.filter((r) => r.path === INTROSPECT).length;
        const before = calls();
        try {
          assertProviderFailure(await own.bearer(opaqueToken()), 502, 'client_refused');
          // Held: made-up tokens do not each reach the provider while the client is refused.
          for (let i = 0; i < 5; i++) assertProviderFailure(await own.bearer(opaqueToken()), 502, 'client_refused');
          assert.equal(calls() - before, 1, 'one call, then none while the refusal is held');
        } finally {
          lab.introspect = undefined;
        }
        assert.ok(own.warnings.some((w) => /refused this API's client; check clientId, clientSecret and resourceServer.introspection.authMethod/.test(w)), own.warnings.join('\n'));
      }
    });

    test('INT-04: a 400 or 413 about the token → 401 invalid_token introspection_refused, remembered like an inactive answer; with bearer authentication a 401 too', async () => {
      for (const [app, answer] of [
        [basic, () => ({ status: 400, body: { error: 'invalid_request' } })],
        [basic, () => ({ status: 413, body: 'too large' })],
        [bearerAuth, () => ({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: { error: 'invalid_token' } })],
      ] as const) {
        lab.introspect = answer;
        const token = opaqueToken();
        try {
          for (let i = 0; i < 3; i++) assertBearerError(await app.bearer(token), { status: 401, error: 'invalid_token', reason: 'introspection_refused' });
        } finally {
          lab.introspect = undefined;
        }
        assert.equal(callsFor(token).length, 1, 'the refusal is remembered: one call for three requests');
      }
    });

    test('INT-04: an endpoint that is not there (404) → 502 provider_error, not the token\'s fault', async () => {
      lab.introspect = () => ({ status: 404, body: { error: 'not_found' } });
      try {
        assertProviderFailure(await basic.bearer(opaqueToken()), 502, 'introspection');
      } finally {
        lab.introspect = undefined;
      }
      assert.ok(basic.warnings.some((w) => / is down: provider_error:introspection: .*\(the provider answered 404 not_found; check its introspection_endpoint\)/.test(w)), basic.warnings.join('\n'));
    });

    test('INT-05: active: true but exp in the past → 401 reason exp', async () => {
      assertBearerError(await basic.bearer(issue(active({ exp: nowSeconds() - 120 }))), { status: 401, error: 'invalid_token', reason: 'exp' });
    });

    test('INT-06: active: true but aud not this API → 401 reason aud; an array containing it → accepted', async () => {
      assertBearerError(await basic.bearer(issue(active({ aud: 'https://other.example' }))), { status: 401, error: 'invalid_token', reason: 'aud' });
      assertBearerError(await basic.bearer(issue(active({ aud: undefined }))), { status: 401, error: 'invalid_token', reason: 'aud' });
      assertAccepted(await basic.bearer(issue(active({ aud: ['https://other.example', AUDIENCE] }))));
    });

    test('INT-07: active: true but iss not the expected AS (even by a trailing slash) → 401 reason iss', async () => {
      assertBearerError(await basic.bearer(issue(active({ iss: 'https://evil.example' }))), { status: 401, error: 'invalid_token', reason: 'iss' });
      assertBearerError(await basic.bearer(issue(active({ iss: `${lab.issuer}/` }))), { status: 401, error: 'invalid_token', reason: 'iss' });
      assertAccepted(await basic.bearer(issue(active({ iss: undefined }))));
    });

    test('INT-08: active: true but nbf in the future → 401 reason nbf', async () => {
      assertBearerError(await basic.bearer(issue(active({ nbf: nowSeconds() + 600 }))), { status: 401, error: 'invalid_token', reason: 'nbf' });
    });

    test('INT-09: active: true but the scope is insufficient → 403 insufficient_scope scope="admin"', async () => {
      assertBearerError(await basic.bearer(issue(active({ scope: 'read write' })), '/admin'), { status: 403, error: 'insufficient_scope', reason: 'scope', scope: 'admin' });
      assertAccepted(await basic.bearer(issue(active({ scope: 'read admin' })), '/admin'));
    });

    test('INT-12: token_type refresh_token → 401 token_type; DPoP or cnf → 401 bound_token; Bearer / access_token accepted', async () => {
      assertBearerError(await basic.bearer(issue(active({ token_type: 'refresh_token' }))), { status: 401, error: 'invalid_token', reason: 'token_type' });
      assertBearerError(await basic.bearer(issue(active({ token_type: 'DPoP' }))), { status: 401, error: 'invalid_token', reason: 'bound_token' });
      assertBearerError(await basic.bearer(issue(active({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }))), { status: 401, error: 'invalid_token', reason: 'bound_token' });
      assertAccepted(await basic.bearer(issue(active({ token_type: 'access_token' }))));
      assertAccepted(await basic.bearer(issue(active({ token_type: undefined }))));
    });

    test('the same opaque token 20 times sequentially → exactly one introspection call', async () => {
      const token = issue(active());
      for (let i = 0; i < 20; i += 1) assertAccepted(await basic.bearer(token));
      assert.equal(callsFor(token).length, 1);
      // Inactive answers are cached too (default inactiveCacheTtl 5 s).
      const unknown = opaqueToken();
      for (let i = 0; i < 20; i += 1) assertBearerError(await basic.bearer(unknown), { status: 401, error: 'invalid_token', reason: 'inactive' });
      assert.equal(callsFor(unknown).length, 1);
    });

    test('the same opaque token in 20 concurrent requests → exactly one introspection call', async () => {
      const token = issue(active());
      lab.delayMs = 150;
      try {
        const responses = await Promise.all(Array.from({ length: 20 }, () => basic.bearer(token)));
        for (const response of responses) assertAccepted(response);
      } finally {
        lab.delayMs = 0;
      }
      assert.equal(callsFor(token).length, 1);
    });

    test('failures are not cached: once the endpoint answers again the next request succeeds', async () => {
      const token = issue(active());
      lab.introspect = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });
      assertProviderFailure(await basic.bearer(token), 503, 'introspection');
      assertProviderFailure(await basic.bearer(token), 503, 'introspection');
      lab.introspect = undefined;
      assertAccepted(await basic.bearer(token));
      assert.equal(callsFor(token).length, 3);
      assertAccepted(await basic.bearer(token));
      assert.equal(callsFor(token).length, 3);
    });

    test('strategy: \'jwt\' forced on an opaque token → 401 malformed, no introspection; strategy: \'introspection\' forced on a JWT introspects it', async () => {
      const token = issue(active());
      assertBearerError(await basic.bearer(token, '/jwt-only'), { status: 401, error: 'invalid_token', reason: 'malformed' });
      assert.equal(callsFor(token).length, 0);
      const jwt = await lab.mint();
      lab.introspections.set(jwt, active({ sub: 'from-introspection' }));
      assertAccepted(await basic.bearer(jwt, '/introspect-only'), 'from-introspection');
      assert.equal(callsFor(jwt).length, 1);
      // auto: a three-part value whose header is not JSON is introspected, not taken for a JWT.
      const dotted = 'abc.def.ghi';
      lab.introspections.set(dotted, active({ sub: 'dotted' }));
      assertAccepted(await basic.bearer(dotted), 'dotted');
    });

    test('INT-10: an active answer is cached for min(cacheTtl, exp): exp = now+2 with cacheTtl 300 → introspected again after exp', async () => {
      const own = await startApi({ resourceServer: { introspection: { cacheTtl: 300 } } });
      cleanup.push(() => own.close());
      const token = opaqueToken();
      const exp = nowSeconds() + 2;
      own.lab.introspections.set(token, { active: true, sub: 'user-1', aud: AUDIENCE, scope: 'read', exp });
      assertAccepted(await own.bearer(token));
      assertAccepted(await own.bearer(token));
      assert.equal(callsFor(token, own.lab).length, 1);
      await sleep(exp * 1000 - Date.now() + 200);
      await own.bearer(token); // exp passed (still within the clock tolerance): the cached answer is gone
      assert.equal(callsFor(token, own.lab).length, 2);
    });

    test('INT-10, INT-11, B6750-11: cacheTtl and inactiveCacheTtl bound the revocation window; the token reaches the AS only in the introspection body', async () => {
      const own = await startApi({ resourceServer: { introspection: { cacheTtl: 1, inactiveCacheTtl: 1 } } });
      cleanup.push(() => own.close());
      const revoked = opaqueToken();
      own.lab.introspections.set(revoked, { active: true, sub: 'user-1', aud: AUDIENCE, scope: 'read', exp: nowSeconds() + 300 });
      const unknown = opaqueToken();

      assertAccepted(await own.bearer(revoked));
      assertBearerError(await own.bearer(unknown), { status: 401, error: 'invalid_token', reason: 'inactive' });
      own.lab.introspections.delete(revoked); // revoked at the AS
      own.lab.introspections.set(unknown, { active: true, sub: 'user-2', aud: AUDIENCE, scope: 'read', exp: nowSeconds() + 300 }); // now valid
      assertAccepted(await own.bearer(revoked)); // cached positive answer
      assertBearerError(await own.bearer(unknown), { status: 401, error: 'invalid_token', reason: 'inactive' }); // cached negative answer
      assert.equal(callsFor(revoked, own.lab).length, 1);
      assert.equal(callsFor(unknown, own.lab).length, 1);

      await sleep(1150);
      assertBearerError(await own.bearer(revoked), { status: 401, error: 'invalid_token', reason: 'inactive' });
      assertAccepted(await own.bearer(unknown), 'user-2');
      assert.equal(callsFor(revoked, own.lab).length, 2);
      assert.equal(callsFor(unknown, own.lab).length, 2);

      for (const request of own.lab.requests) {
        for (const token of [revoked, unknown]) {
          assert.ok(!JSON.stringify(request.headers).includes(token), `token in the headers of ${request.path}`);
          if (request.path !== INTROSPECT) assert.ok(!request.body.includes(token), `token in the body of ${request.path}`);
        }
      }
      for (const warning of own.warnings) assert.ok(!warning.includes(revoked) && !warning.includes(unknown));
    });

    test('an opaque token when the provider advertises no introspection_endpoint → 401 reason opaque and one warning', async () => {
      const ownLab = await startTokenLab();
      ownLab.metadataOverrides['introspection_endpoint'] = undefined;
      const own = await startApi({ lab: ownLab });
      cleanup.push(async () => {
        await own.close();
        await ownLab.close();
      });
      assertBearerError(await own.bearer(opaqueToken()), { status: 401, error: 'invalid_token', reason: 'opaque' });
      assertBearerError(await own.bearer(opaqueToken()), { status: 401, error: 'invalid_token', reason: 'opaque' });
      assert.equal(ownLab.count(INTROSPECT), 0);
      const warnings = own.warnings.filter((w) => /opaque access tokens are refused/.test(w));
      assert.equal(warnings.length, 1, own.warnings.join('\n'));
      assert.match(warnings[0]!, /introspection_endpoint/);
      // JWT access tokens are still verified locally.
      assertAccepted(await own.bearer(await ownLab.mint()));
    });

    test('an opaque token without a client to introspect as → 401 reason opaque and a warning', async () => {
      const own = await startApi({ options: { clientId: undefined, clientSecret: undefined } });
      cleanup.push(() => own.close());
      assertBearerError(await own.bearer(opaqueToken()), { status: 401, error: 'invalid_token', reason: 'opaque' });
      assert.equal(own.lab.count(INTROSPECT), 0);
      assert.ok(own.warnings.some((w) => /no client to introspect as/.test(w)), own.warnings.join('\n'));
    });
  });
}
