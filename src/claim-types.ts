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

/** Where each claim's type is defined, for messages that say which rule a value breaks (ASCII only: they go into `WWW-Authenticate`). */
const CLAIM_TYPE_RULES: Readonly<Record<string, string>> = {
  iss: 'a string (StringOrURI, RFC 7519 section 4.1.1)',
  sub: 'a string (StringOrURI, RFC 7519 section 4.1.2)',
  aud: 'a string or an array of strings (RFC 7519 section 4.1.3)',
  exp: 'a finite number (NumericDate, RFC 7519 section 4.1.4)',
  nbf: 'a finite number (NumericDate, RFC 7519 section 4.1.5)',
  iat: 'a finite number (NumericDate, RFC 7519 section 4.1.6)',
  jti: 'a string (RFC 7519 section 4.1.7)',
  client_id: 'a string (RFC 8693 section 4.3, RFC 9068 section 2.2)',
  scope: 'a space-separated string (RFC 8693 section 4.2, RFC 9068 section 2.2.3)',
  auth_time: 'a finite number (NumericDate, OpenID Connect Core section 2)',
};

/**
 * Which rule a claim's value breaks, for a refusal's message: the type the claim must have and
 * what it is instead. A `null` value is a wrong type, not an absent claim: a claim that is present
 * must have its type, whether or not the token had to carry it.
 *
 * @example
 * ```ts
 * claimTypeRule('sub', null); // '"sub" must be a string (StringOrURI, RFC 7519 section 4.1.2), not null'
 * ```
 */
export function claimTypeRule(name: string, value: unknown): string {
  const actual = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'number' ? `the number ${String(value)}` : `a ${typeof value}`;
  return `"${name}" must be ${CLAIM_TYPE_RULES[name] ?? 'of its registered type'}, not ${actual}`;
}
