import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRedirectUris } from '../../src/index.ts';

test('https URIs make a web client; loopback http and the out-of-band URN a native one (Flask-OIDC check_redirect_uris)', () => {
  assert.equal(checkRedirectUris(['https://app.example.com/callback', 'https://app.example.com/other']), 'web');
  assert.equal(checkRedirectUris(['http://localhost:3000/callback']), 'native');
  assert.equal(checkRedirectUris(['http://127.0.0.1:3000/cb', 'http://[::1]/cb', 'urn:ietf:wg:oauth:2.0:oob']), 'native');
  assert.equal(checkRedirectUris(['https://app.example.com/callback'], 'web'), 'web');
  assert.equal(checkRedirectUris(['http://localhost/cb'], 'native'), 'native');
});

test('what Flask-OIDC refused is refused, with a message that says why', () => {
  assert.throws(() => checkRedirectUris([]), /at least one redirect URI/);
  assert.throws(() => checkRedirectUris('https://app.example.com/cb' as unknown as string[]), /at least one redirect URI/, 'not a list');
  assert.throws(() => checkRedirectUris(['https://app.example.com/cb', 'http://localhost/cb']), /mix https ones/);
  assert.throws(() => checkRedirectUris(['http://app.example.com/cb']), /plain http on a host other than localhost/);
  assert.throws(() => checkRedirectUris(['http://localhost.example.com/cb']), /plain http/, 'a name that merely starts with localhost');
  assert.throws(() => checkRedirectUris(['https://app.example.com/cb'], 'native'), /make a web client, not a native one/);
  assert.throws(() => checkRedirectUris(['http://localhost/cb'], 'web'), /make a native client, not a web one/);
  assert.throws(() => checkRedirectUris(['https://app.example.com/cb'], 'desktop' as 'web'), /must be "web" or "native"/);
});

test('URIs that no provider may accept: relative, with a fragment, other schemes', () => {
  assert.throws(() => checkRedirectUris(['/callback']), /not an absolute URL/);
  assert.throws(() => checkRedirectUris(['https://app.example.com/cb#frag']), /fragment/);
  assert.throws(() => checkRedirectUris(['https://app.example.com/cb#']), /fragment/, 'even an empty one');
  assert.throws(() => checkRedirectUris(['javascript:alert(1)']), /neither https nor http on localhost/);
  assert.throws(() => checkRedirectUris([42 as unknown as string]), /must be a string/);
});
