/**
 * Freezes an object and everything in it, and returns it: for values that one object serves to
 * many requests (an opened session, decoded claims), so that no request can change them for the
 * others.
 *
 * @example
 * ```ts
 * const claims = deepFreeze({ sub: 'alice', address: { country: 'FR' } });
 * Object.isFrozen(claims.address); // true
 * ```
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
