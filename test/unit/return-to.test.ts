import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeReturnTo } from '../../src/login/return-to.ts';

const base = new URL('https://app.example');
const fallback = 'https://app.example/';

test('paths and same-origin URLs are kept, made absolute', () => {
  assert.equal(safeReturnTo('/profile?tab=1#top', base, fallback), 'https://app.example/profile?tab=1#top');
  assert.equal(safeReturnTo('https://app.example/a', base, fallback), 'https://app.example/a');
  assert.equal(safeReturnTo('relative', base, fallback), 'https://app.example/relative');
});

test('BCP-14: everything that could leave the origin falls back', () => {
  const hostile = [
    'https://evil.example', '//evil.example', '///evil.example', '/\\evil.example', '\\\\evil.example', '/\t/evil.example',
    '/\n/evil.example', 'javascript:alert(1)', 'data:text/html,x', 'http://app.example/', 'https://app.example:8443/',
    'https://user:pw@app.example/', 'https://app.example.evil.example/', '', 'x'.repeat(3000),
  ];
  for (const candidate of hostile) assert.equal(safeReturnTo(candidate, base, fallback), fallback, JSON.stringify(candidate));
  for (const candidate of [undefined, null, 42, {}]) assert.equal(safeReturnTo(candidate, base, fallback), fallback);
});

test('an app under a path prefix keeps users under it', () => {
  const prefixed = new URL('https://host.example/app');
  assert.equal(safeReturnTo('/page?x=1', prefixed, 'F'), 'https://host.example/app/page?x=1', 'an app path goes under the prefix');
  assert.equal(safeReturnTo('https://host.example/app/page', prefixed, 'F'), 'https://host.example/app/page');
  assert.equal(safeReturnTo('https://host.example/other-app/page', prefixed, 'F'), 'F');
  assert.equal(safeReturnTo('https://host.example/application', prefixed, 'F'), 'F');
  assert.equal(safeReturnTo('//evil.example', prefixed, 'F'), 'F');
});

test('BCP-14: a path like //host inside the origin stays on the origin', () => {
  const result = safeReturnTo('https://app.example//evil.example', base, fallback);
  assert.equal(new URL(result).origin, 'https://app.example');
  // Percent-encoded and Unicode look-alikes of "//" and "\\" are paths of the app, never another host.
  for (const candidate of ['/%2F%2Fevil.example', '/%5C%5Cevil.example', '/%2fevil.example', '/\uFF0F\uFF0Fevil.example', '/\u2215\u2215evil.example']) {
    assert.equal(new URL(safeReturnTo(candidate, base, fallback)).origin, 'https://app.example', JSON.stringify(candidate));
  }
});
