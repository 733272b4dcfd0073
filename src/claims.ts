/** Claims about the user: the verified ID token's, merged with UserInfo's. `sub` is always there. */
export interface Claims {
  sub: string;
  [claim: string]: unknown;
}

/**
 * Decodes the payload of a JWT that oidc-kit has already verified (it comes out of our own
 * encrypted session). Never use it on a token from a request: that is what validation is for.
 *
 * @example
 * ```ts
 * decodeVerifiedJwtPayload(session.idToken).sub; // 'alice'
 * ```
 */
export function decodeVerifiedJwtPayload(jwt: string): Claims {
  const payload = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
}
