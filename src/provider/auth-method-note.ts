/**
 * What to tell the operator about the token endpoint's client authentication, once the provider's
 * metadata is known: providers that list only `client_secret_post`, or list it first, often refuse
 * `client_secret_basic` (the default) with a bare `invalid_client`, and the fix is one option.
 * oidc-kit does not switch methods by itself: the method is part of the client's registration at
 * the provider, and a silent switch would hide a mismatch there.
 */
import type { TokenEndpointAuthMethod } from '../config/options.ts';

/**
 * A warning for the log when the provider's `token_endpoint_auth_methods_supported` does not list
 * the method in use, or lists another secret method before it; `undefined` when there is nothing to
 * say (the method is listed first, or the provider lists none).
 *
 * @example
 * ```ts
 * authMethodNote('https://op.example', ['client_secret_post'], 'client_secret_basic');
 * // 'https://op.example lists token_endpoint_auth_methods_supported ["client_secret_post"]; oidc-kit uses client_secret_basic …'
 * ```
 */
export function authMethodNote(issuer: string, supported: unknown, used: TokenEndpointAuthMethod): string | undefined {
  if (!Array.isArray(supported)) return undefined;
  const methods = supported as unknown[];
  if (methods.length === 0 || methods[0] === used) return undefined;
  const listed = methods.includes(used);
  const secretFirst = methods.find((method) => method === 'client_secret_basic' || method === 'client_secret_post');
  if (listed && (secretFirst === undefined || secretFirst === used)) return undefined;
  const other = used === 'client_secret_post' ? 'client_secret_basic' : 'client_secret_post';
  const fix = methods.includes(other) && used !== 'private_key_jwt' ? ` If token requests fail with invalid_client, set tokenEndpointAuthMethod: '${other}' (and register the client with it).` : '';
  return `${issuer} lists token_endpoint_auth_methods_supported ${JSON.stringify(methods)}; oidc-kit uses ${used} (option tokenEndpointAuthMethod${listed ? '' : ', which the provider does not list'}).${fix}`;
}
