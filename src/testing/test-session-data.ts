import type { Claims } from '../claims.ts';
import type { SessionData } from '../session/session-data.ts';

/** The issuer written into test-mode ID tokens, so that nothing can mistake them for real ones. */
export const TEST_MODE_ISSUER = 'urn:oidc-kit:test-mode';

/**
 * Tokens a test session carries.
 *
 * @example
 * ```ts
 * const cookie = await oidc.createTestSession({ sub: 'alice' }, { accessToken: 'alice-token', scope: 'openid reports:read' });
 * ```
 */
export interface TestSessionTokens {
  /** Default: the `testMode.accessToken` option. */
  accessToken?: string;
  /** Default: none. */
  refreshToken?: string;
  /** Granted scopes, space-separated. */
  scope?: string;
}

/**
 * Session data for test mode: the user's claims in an unsigned ID token (`alg: none`, issuer
 * `urn:oidc-kit:test-mode`). It is only ever read back from oidc-kit's own encrypted session, and
 * no provider ever sees it: test mode never talks to one.
 *
 * @example
 * ```ts
 * const data = testSessionData({ sub: 'alice', email: 'alice@example.com' }, 'default', 'my-app', now, {});
 * ```
 */
export function testSessionData(user: Claims, provider: string, clientId: string, now: number, tokens: TestSessionTokens & { accessToken: string }): SessionData {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const claims = { iat: now, exp: now + 3600, auth_time: now, ...user, iss: TEST_MODE_ISSUER, aud: clientId };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return {
    provider,
    idToken: `${header}.${payload}.`,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: 'Bearer',
    scope: tokens.scope,
  };
}
