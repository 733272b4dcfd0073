import { hash } from 'node:crypto';

/**
 * What an in-memory cache of credentials is keyed by: the SHA-256 of the credential (base64url),
 * never the credential itself, so a heap dump of the cache's keys gives away no token. One-shot
 * `hash()`: cheaper than `createHash().update().digest()`, and the token caches call it on every
 * request.
 *
 * @example
 * ```ts
 * secretKey(accessToken);                          // 43 characters, the same for the same token
 * secretKey(`${provider}\u0000${refreshToken}`);   // several parts, joined by a character none of them has
 * ```
 */
export function secretKey(secret: string): string {
  return hash('sha256', secret, 'base64url');
}
