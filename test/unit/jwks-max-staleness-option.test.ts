/**
 * `jwksMaxStaleness`: a day by default, at the top level and per provider (inherited by named
 * providers), and an invalid value fails at start-up naming the option and the fix.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveOptions } from '../../src/config/resolve-options.ts';
import { ConfigurationError, type OpenIDConnectOptions } from '../../src/index.ts';

const valid: OpenIDConnectOptions = { baseUrl: 'https://app.example', secret: 's'.repeat(32), issuer: 'https://op.example', clientId: 'app', clientSecret: 'client-secret' };
const named = (options: Partial<OpenIDConnectOptions>): OpenIDConnectOptions => ({
  baseUrl: 'https://app.example', secret: 's'.repeat(32), ...options,
});

test('a day by default; set at the top level, per provider, or inherited by named providers', () => {
  assert.equal(resolveOptions(valid).provider.jwksMaxStalenessMs, 86_400_000);
  assert.equal(resolveOptions({ ...valid, jwksMaxStaleness: 0 }).provider.jwksMaxStalenessMs, 0);
  const config = resolveOptions(named({
    jwksMaxStaleness: 3600,
    providers: {
      a: { issuer: 'https://a.example', clientId: 'a', clientSecret: 'a' },
      b: { issuer: 'https://b.example', clientId: 'b', clientSecret: 'b', jwksMaxStaleness: 60 },
    },
  }));
  assert.equal(config.providers.get('a')?.jwksMaxStalenessMs, 3_600_000);
  assert.equal(config.providers.get('b')?.jwksMaxStalenessMs, 60_000);
});

test('negative, not a number, or more than 30 days (milliseconds given for seconds) fails at start-up, naming the option', () => {
  const cases: Array<[OpenIDConnectOptions, string, RegExp]> = [
    [{ ...valid, jwksMaxStaleness: -1 }, 'jwksMaxStaleness', /must be a number ≥ 0/],
    [{ ...valid, jwksMaxStaleness: '3600' as unknown as number }, 'jwksMaxStaleness', /must be a number ≥ 0/],
    [{ ...valid, jwksMaxStaleness: 86_400_000 }, 'jwksMaxStaleness', /is in seconds and at most 2592000 \(30 days\); got 86400000/],
    [named({ providers: { b: { issuer: 'https://b.example', clientId: 'b', clientSecret: 'b', jwksMaxStaleness: Infinity } } }), 'providers.b.jwksMaxStaleness', /must be a number ≥ 0/],
  ];
  for (const [options, option, message] of cases) {
    assert.throws(() => resolveOptions(options), (error: unknown) => {
      assert.ok(error instanceof ConfigurationError, String(error));
      assert.equal(error.option, option);
      assert.match(error.message, message);
      return true;
    });
  }
});
