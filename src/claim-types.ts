/**
 * The first registered claim whose type is wrong, or undefined when all present ones are typed as
 * the specifications say. Access tokens, ID tokens, UserInfo answers and logout tokens are all
 * checked with it, so that a claim of an unexpected type is refused rather than half-used by a
 * route that relies on it being a string or a number.
 *
 * @example
 * ```ts
 * claimTypeProblem({ sub: 'alice', exp: 1700000000, aud: ['app'] }); // undefined
 * claimTypeProblem({ sub: 42 });                                      // 'sub'
 * claimTypeProblem({ exp: '1700000000' });                            // 'exp'
 * ```
 */
export function claimTypeProblem(claims: Readonly<Record<string, unknown>>): string | undefined {
  for (const name of ['iss', 'sub', 'jti', 'client_id', 'scope'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') return name;
  }
  for (const name of ['exp', 'iat', 'nbf'] as const) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) return name;
  }
  const aud = claims['aud'];
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) return 'aud';
  return undefined;
}
