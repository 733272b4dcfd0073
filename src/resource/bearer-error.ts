import { OidcError, type OidcErrorCode } from '../errors.ts';

/** The codes a bearer-token route answers with, beside provider and store outages (502/503). */
export type BearerErrorCode = Extract<OidcErrorCode, 'unauthenticated' | 'invalid_request' | 'invalid_token' | 'insufficient_scope'>;

/** Characters RFC 6750 §3 allows in `error_description` (and that are safe in any quoted-string). */
const UNSAFE_CHALLENGE_CHARS = /[^\x20-\x21\x23-\x5B\x5D-\x7E]/g;

/**
 * A bearer-token failure with its RFC 6750 §3 `WWW-Authenticate` challenge:
 * - `unauthenticated` (no token): 401, `Bearer realm="…"` and no error attribute (§3.1);
 * - `invalid_request`: 400; `invalid_token`: 401; `insufficient_scope`: 403 with `scope="…"`.
 *
 * The description is oidc-kit's own text, never token content, and is reduced to the characters
 * §3 allows, so no header injection is possible.
 *
 * @example
 * ```ts
 * const error = bearerError('insufficient_scope', 'This needs the admin scope.', { realm: 'api', scope: ['admin'], reason: 'scope' });
 * error.challenge; // 'Bearer realm="api", error="insufficient_scope", error_description="This needs the admin scope.", scope="admin"'
 * ```
 */
export function bearerError(
  code: BearerErrorCode,
  message: string,
  options: { realm: string; reason?: string; scope?: readonly string[]; cause?: unknown },
): OidcError {
  const parts = [`Bearer realm="${clean(options.realm)}"`];
  if (code !== 'unauthenticated') {
    parts.push(`error="${code}"`, `error_description="${clean(message)}"`);
  }
  if (code === 'insufficient_scope' && options.scope !== undefined && options.scope.length > 0) {
    parts.push(`scope="${clean(options.scope.join(' '))}"`);
  }
  return new OidcError(code, message, {
    challenge: parts.join(', '),
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

/**
 * A value made safe for a challenge's quoted-string: quotes become apostrophes and backslashes
 * slashes (readable); anything else outside RFC 6750 §3's set becomes `?`.
 *
 * @example
 * ```ts
 * clean('say "hi"\n'); // "say 'hi'?"
 * ```
 */
export function clean(value: string): string {
  return value.replaceAll('"', '\'').replaceAll('\\', '/').replace(UNSAFE_CHALLENGE_CHARS, '?');
}
