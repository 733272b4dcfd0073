import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonPath } from '../../src/util/common-path.ts';

test('commonPath: the shared leading segments, as a cookie path', () => {
  assert.equal(commonPath(['/']), '/');
  assert.equal(commonPath(['/', '/login', '/logout']), '/');
  assert.equal(commonPath(['/app', '/app/login', '/app/logout']), '/app');
  assert.equal(commonPath(['/app/', '/app/login']), '/app');
  assert.equal(commonPath(['/apple', '/app/login']), '/');
  assert.equal(commonPath(['/auth/login']), '/auth/login');
});
