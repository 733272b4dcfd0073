import { joinUrl } from '../util/join-url.ts';
import type { ResolvedConfig } from './resolved-config.ts';

/**
 * The line oidc-kit logs at start-up (`logger.info`) for an app that logs users in: the redirect URI
 * it will send, and the post-logout redirect URI (and back-channel logout URI) of each provider, so
 * that the user registers exactly those at the provider — with a `baseUrl` list, every entry's
 * redirect URI and post-logout redirect URI; and, for a `baseUrl` with a path, that every route is
 * under that path. `undefined` in test mode and for API-only apps (nothing to register).
 *
 * @example
 * ```ts
 * startupNote(config);
 * // 'register at the provider: redirect URI http://localhost:3000/callback, post-logout redirect URI http://localhost:3000/logout/callback'
 * ```
 */
export function startupNote(config: ResolvedConfig): string | undefined {
  if (config.testMode !== undefined || config.resourceServerOnly) return undefined;
  const several = config.providers.size > 1;
  const sites = config.sites;
  // With several public URLs, a login may send any of their redirect URIs: each must be registered.
  const parts = sites.length > 1
    ? [`redirect URIs ${sites.map((site) => site.redirectUri).join(' ')}`, `post-logout redirect URIs ${sites.map((site) => site.postLogoutRedirectUri).join(' ')}`]
    : [`redirect URI ${config.redirectUri}`];
  for (const [name, provider] of sites.length > 1 ? [] : config.providers) {
    parts.push(`post-logout redirect URI${several ? ` of "${name}"` : ''} ${provider.postLogoutRedirectUri}`);
  }
  const backchannel = config.routes.backchannelLogout;
  // One per client: the provider calls it server to server, and any of the sites reaches the app.
  if (backchannel !== undefined) parts.push(`back-channel logout URI ${joinUrl(config.baseUrl, backchannel)}`);
  let note = `register at the provider${several ? 's' : ''} exactly: ${parts.join(', ')}`;
  const path = config.baseUrl.pathname.replace(/\/$/, '');
  if (path !== '') note += ` (baseUrl has the path ${path}: oidc-kit's routes are under it, the callback included)`;
  return note;
}
