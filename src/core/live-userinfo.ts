import { decodeVerifiedJwtPayload } from '../claims.ts';
import { OidcError } from '../errors.ts';
import { fetchUserInfo } from '../provider/fetch-userinfo.ts';
import type { ContextState } from '../request-context.ts';
import type { CoreServices } from './core-services.ts';
import { accessToken } from './session-refresh.ts';

/**
 * The user's claims from the provider's UserInfo endpoint now (`getInfo({ live: true })`), with a
 * valid access token (refreshed first when due). In test mode, what the session holds.
 *
 * @example
 * ```ts
 * const info = await liveUserInfo(services, state);
 * ```
 */
export async function liveUserInfo(services: CoreServices, state: ContextState): Promise<Record<string, unknown>> {
  const token = await accessToken(services, state, {});
  const data = state.session?.envelope.data;
  if (data === undefined) throw new OidcError('unauthenticated', 'Nobody is logged in.');
  if (token === undefined) throw new OidcError('provider_error', 'The session has no access token to call UserInfo with.');
  if (services.config.testMode !== undefined) return { ...decodeVerifiedJwtPayload(data.idToken), ...data.userinfo };
  return fetchUserInfo(services.login.provider(data.provider), token, decodeVerifiedJwtPayload(data.idToken).sub, data.dpopKey);
}
