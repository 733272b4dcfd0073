import * as client from 'openid-client';
import { OidcError } from '../errors.ts';
import { ProviderUnreachableError } from './bounded-fetch.ts';

/** What the library was doing when the provider (or its answer) failed; it changes the meaning of some errors. */
export type ProviderPhase = 'discovery' | 'callback' | 'userinfo' | 'grant' | 'registration';

/**
 * Turns whatever openid-client, oauth4webapi or fetch threw into an {@link OidcError} with a stable
 * code: unreachable or slow → 503, unusable answers → 502, failed validation → 400 with the reason.
 *
 * @example
 * ```ts
 * try { await client.discovery(url, clientId); } catch (e) { throw toOidcError(e, 'discovery'); }
 * ```
 */
export function toOidcError(error: unknown, phase: ProviderPhase): OidcError {
  if (error instanceof OidcError) return error;
  if (error instanceof client.AuthorizationResponseError) {
    return new OidcError('op_error', `The provider answered the login with an error: ${error.error}.`, {
      oauthError: error.error,
      oauthErrorDescription: error.error_description,
      cause: error,
    });
  }
  if (error instanceof client.ResponseBodyError) {
    if (error.error === 'invalid_grant') {
      return new OidcError('invalid_grant', 'The provider refused the authorization code (expired or already used).', {
        oauthError: error.error,
        oauthErrorDescription: error.error_description,
        cause: error,
      });
    }
    return refused(phase, error.status, error.error, error.error_description, error);
  }
  if (error instanceof client.WWWAuthenticateChallengeError) {
    // e.g. 401 with `WWW-Authenticate: Basic error="invalid_client"` for a wrong client secret.
    const parameters = error.cause[0]?.parameters;
    return refused(phase, error.status, parameters?.error, parameters?.error_description, error);
  }
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  const detail = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';

  const name = (error as { name?: unknown } | null)?.name;
  if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT' || name === 'TimeoutError' || name === 'AbortError' || error instanceof ProviderUnreachableError) {
    return new OidcError('provider_unavailable', 'The identity provider could not be reached; try again shortly.', { cause: error });
  }
  if (phase === 'discovery' && /issuer does not match|"issuer" property does not match/.test(`${message} ${detail}`)) {
    return new OidcError('discovery_issuer_mismatch', 'The provider\'s discovery document names a different issuer than the one configured.', { cause: error });
  }
  const text = `${message} ${detail}`;
  if (/response parameter "iss" \(issuer\) missing/.test(text)) {
    return new OidcError('iss_missing', 'The authorization response has no "iss" parameter although the provider advertises one.', { cause: error });
  }
  if (/unexpected "iss" \(issuer\) response parameter/.test(text)) {
    return new OidcError('iss_mismatch', 'The authorization response comes from a different issuer.', { cause: error });
  }
  if (/"state" response parameter|response parameter "state"/.test(text)) {
    return new OidcError('state_mismatch', 'The authorization response\'s state does not match.', { cause: error });
  }
  if (phase === 'userinfo' && /JWT UserInfo Response expected/.test(text)) {
    return new OidcError('provider_error', 'The provider\'s UserInfo answer is not signed, although signed answers are required (userInfoSigningAlg).', { reason: 'userinfo_unsigned', cause: error });
  }
  if (phase === 'userinfo' && /"sub" property value/.test(text)) {
    return new OidcError('userinfo_sub_mismatch', 'UserInfo returned a different subject than the ID token.', { cause: error });
  }
  if (phase === 'callback') {
    const reason = idTokenFailureReason(text);
    if (reason !== undefined) {
      return new OidcError('id_token_invalid', `The ID token is invalid (${reason}).`, { reason, cause: error });
    }
  }
  return new OidcError('provider_error', 'The identity provider answered with something unusable.', { cause: error });
}

/** Which ID token check a validation message is about, or undefined if it is not about the ID token. */
function idTokenFailureReason(text: string): string | undefined {
  if (/signature verification failed/.test(text)) return 'signature';
  if (/selecting a JWT verification key/.test(text)) return 'kid';
  if (/"alg" header parameter/.test(text)) return 'alg';
  if (/"typ" header parameter/.test(text)) return 'typ';
  if (/JWE/.test(text)) return 'encrypted';
  if (/since the last End-User authentication/.test(text)) return 'auth_time';
  const claim = /(?:JWT|ID Token) "(\w+)"/.exec(text)?.[1];
  if (claim !== undefined) return claim;
  if (/Invalid JWT|failed to parse JWT|JWT (Header|Payload)/.test(text)) return 'malformed';
  if (/"parameters" does not contain an ID Token|id_token/.test(text)) return 'missing';
  return undefined;
}

/**
 * OAuth errors by which a provider refuses this app's client, not the user or the request: its id,
 * secret, authentication method or allowed grants are wrong at the provider (RFC 6749 §5.2). A
 * configuration problem, which the message says how to look into.
 */
const CLIENT_REFUSALS = new Set(['invalid_client', 'unauthorized_client', 'unsupported_grant_type']);

/**
 * The provider's refusal of a request (a 4xx with an OAuth error), saying what it said, with which
 * status, and for a refusal of the client, what to check.
 */
function refused(phase: ProviderPhase, status: number, oauthError: string | undefined, description: string | undefined, cause: Error): OidcError {
  const said = `${status}${oauthError === undefined ? '' : ` ${oauthError}`}`;
  // A 401 from the token endpoint is the client's authentication failing (RFC 6749 §5.2), even
  // when its challenge names no error (`WWW-Authenticate: Basic realm="…"`).
  const tokenEndpoint = phase === 'callback' || phase === 'grant';
  const clientRefused = oauthError !== undefined ? CLIENT_REFUSALS.has(oauthError) : tokenEndpoint && status === 401;
  const message = clientRefused
    ? `The provider refused this app's client (${said}): check the client id, the client secret and the token endpoint authentication method (tokenEndpointAuthMethod) against the client's registration at the provider.`
    : `The provider refused the request (${said}).`;
  return new OidcError('provider_error', message, {
    ...(clientRefused ? { reason: 'client_refused' } : {}),
    ...(oauthError === undefined ? {} : { oauthError }),
    ...(description === undefined ? {} : { oauthErrorDescription: description }),
    cause,
  });
}
