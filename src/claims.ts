/**
 * Claims about the user: the verified ID token's, merged with UserInfo's. `sub` is always there.
 *
 * @example
 * ```ts
 * const user: Claims | undefined = req.oidc.user;
 * res.send(`Hello ${String(user?.name ?? user?.sub)}`);
 * ```
 */
export interface Claims {
  /** The subject: the user's identifier at the provider, unique there and never reassigned. */
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
