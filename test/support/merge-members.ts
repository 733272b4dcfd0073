/**
 * `base` with `over` merged over it; a member set to undefined in `over` is removed. How the token
 * lab and the attack catalogue dress a JWT's header and claims.
 *
 * @example
 * ```ts
 * mergeMembers({ alg: 'RS256', kid: 'k1' }, { alg: 'none', kid: undefined }); // { alg: 'none' }
 * ```
 */
export function mergeMembers(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(over)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}
