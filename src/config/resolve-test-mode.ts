import { ConfigurationError } from '../errors.ts';
import type { OpenIDConnectOptions } from './options.ts';
import type { ResolvedConfig } from './resolved-config.ts';

/**
 * The `testMode` option: who `/login` logs in without a provider, and the access token their
 * sessions carry; undefined when test mode is off. Refused under NODE_ENV=production, because a
 * test mode left on there would log anyone in.
 *
 * @example
 * ```ts
 * resolveTestMode({ testMode: true });                    // { user: { sub: 'test-user' }, accessToken: 'test-access-token' }
 * resolveTestMode({ testMode: { user: { sub: 'ann' } } }); // { user: { sub: 'ann' }, accessToken: 'test-access-token' }
 * resolveTestMode({});                                    // undefined
 * ```
 */
export function resolveTestMode(options: OpenIDConnectOptions): ResolvedConfig['testMode'] {
  const testMode = options.testMode;
  if (testMode === undefined || testMode === false) return undefined;
  if (process.env['NODE_ENV'] === 'production') {
    throw new ConfigurationError('testMode', 'refused because NODE_ENV is "production": test mode logs anyone in without a provider. Enable it only in your test setup.');
  }
  const settings = testMode === true ? {} : testMode;
  if (typeof settings !== 'object' || settings === null) {
    throw new ConfigurationError('testMode', 'must be true or { user, accessToken }.');
  }
  const user = settings.user ?? { sub: 'test-user' };
  if (typeof user.sub !== 'string' || user.sub === '') {
    throw new ConfigurationError('testMode.user', 'needs a non-empty string `sub`.');
  }
  return { user, accessToken: settings.accessToken ?? 'test-access-token' };
}
