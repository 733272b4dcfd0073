import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OidcError } from '../../src/errors.ts';
import { pathOf, seeOther, wantsJson } from '../../src/http.ts';
import { errorResponse } from '../../src/render/error-response.ts';

const view = (headers: Record<string, string>) => ({ header: (name: string) => headers[name] });

test('wantsJson: XHR or an Accept asking for JSON but not HTML', () => {
  assert.equal(wantsJson(view({ accept: 'application/json' })), true);
  assert.equal(wantsJson(view({ accept: 'application/problem+json' })), true);
  assert.equal(wantsJson(view({ 'x-requested-with': 'XMLHttpRequest' })), true);
  assert.equal(wantsJson(view({ accept: 'text/html,application/xhtml+xml,application/json;q=0.9' })), false);
  assert.equal(wantsJson(view({ accept: '*/*' })), false);
  assert.equal(wantsJson(view({})), false);
});

test('pathOf strips query and fragment', () => {
  assert.equal(pathOf('/a/b?x=1#y'), '/a/b');
  assert.equal(pathOf('/a#y?x'), '/a');
  assert.equal(pathOf('/'), '/');
});

test('error pages escape everything and carry the stable code; JSON has the same code', () => {
  const error = new OidcError('op_error', 'The provider said <no>.', { oauthError: 'access_denied', oauthErrorDescription: '"><img src=x onerror=alert(1)>' });
  const page = errorResponse(error, false, 'https://app.example/?a="b"');
  assert.equal(page.status, 400);
  assert.doesNotMatch(page.body!, /<img|<no>/);
  assert.match(page.body!, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(page.body!, /href="https:\/\/app\.example\/\?a=&quot;b&quot;"/);
  assert.match(page.headers['content-security-policy']!, /default-src 'none'/);
  const json = errorResponse(error, true);
  assert.deepEqual(JSON.parse(json.body!), { error: 'op_error', error_description: 'The provider said <no>.', oauth_error: 'access_denied' });
  assert.equal(new OidcError('provider_unavailable', 'x').status, 503);
  assert.equal(new OidcError('discovery_issuer_mismatch', 'x').status, 502);
});

test('seeOther: a 303 that caches never keep', () => {
  assert.deepEqual(seeOther('https://app.example/p'), { status: 303, headers: { location: 'https://app.example/p', 'cache-control': 'no-store' } });
});

test('a 503 says when to come back (Retry-After), as page and as JSON; other statuses do not', () => {
  const outage = new OidcError('provider_unavailable', 'The provider is down.');
  assert.equal(outage.retryAfter, 5);
  assert.equal(errorResponse(outage, false).headers['retry-after'], '5');
  assert.equal(errorResponse(outage, true).headers['retry-after'], '5');
  const busy = new OidcError('provider_unavailable', 'Busy.', { retryAfter: 0.2 });
  assert.equal(errorResponse(busy, true).headers['retry-after'], '1', 'whole seconds, at least one');
  const refused = new OidcError('provider_error', 'Broken.', { retryAfter: 30 });
  assert.equal(refused.retryAfter, undefined, 'a 502 is not promised to pass');
  assert.equal(errorResponse(refused, true).headers['retry-after'], undefined);
});
