/**
 * The `WWW-Authenticate` answer of a token route that accepts DPoP or publishes RFC 9728 metadata:
 * one challenge per scheme the route accepts — `Bearer` (RFC 6750 §3) and/or `DPoP` (RFC 9449
 * §7.1, with the `algs` it accepts) — the error on the scheme it is about, and
 * `resource_metadata` on each (RFC 9728 §5.1). Built in one place, so that every adapter sends the
 * same header.
 */
import { OidcError } from '../../errors.ts';
import { clean } from '../bearer-error.ts';

/**
 * What a route's challenges say besides the error.
 *
 * @example
 * ```ts
 * const context: ChallengeContext = { realm: 'api', bearer: true, dpop: true, algs: ['ES256'], resourceMetadata: undefined };
 * ```
 */
export interface ChallengeContext {
  readonly realm: string;
  /** Whether the route accepts Bearer tokens. */
  readonly bearer: boolean;
  /** Whether the route accepts DPoP-bound tokens. */
  readonly dpop: boolean;
  readonly algs: readonly string[];
  /** The metadata document's URL, when it is served. */
  readonly resourceMetadata: string | undefined;
}

/** Reasons that concern the DPoP scheme even when the request used Bearer. */
const DPOP_REASONS = new Set(['dpop_required']);

/**
 * The error again, with the route's challenges; errors without a challenge (a provider's 502/503)
 * are returned as they are. `scheme` is the one the request used, if any.
 *
 * @example
 * ```ts
 * const answered = withChallenges(error, 'dpop', [], context);
 * answered.challenge; // 'Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof", error_description="…", algs="ES256"'
 * ```
 */
export function withChallenges(error: OidcError, scheme: 'bearer' | 'dpop' | undefined, scope: readonly string[], context: ChallengeContext): OidcError {
  if (error.challenge === undefined) return error;
  const dpopError = error.code === 'invalid_dpop_proof' || error.code === 'use_dpop_nonce' || DPOP_REASONS.has(error.reason ?? '');
  const target = dpopError || (scheme === 'dpop' && context.dpop) || !context.bearer ? 'dpop' : 'bearer';
  const params = (forScheme: 'bearer' | 'dpop'): string[] => {
    const parts = [`realm="${clean(context.realm)}"`];
    if (error.code !== 'unauthenticated' && forScheme === target) {
      parts.push(`error="${error.code}"`, `error_description="${clean(error.message)}"`);
      if (error.code === 'insufficient_scope' && scope.length > 0) parts.push(`scope="${clean(scope.join(' '))}"`);
    }
    if (forScheme === 'dpop') parts.push(`algs="${context.algs.join(' ')}"`);
    if (context.resourceMetadata !== undefined) parts.push(`resource_metadata="${clean(context.resourceMetadata)}"`);
    return parts;
  };
  const challenges: string[] = [];
  if (context.bearer) challenges.push(`Bearer ${params('bearer').join(', ')}`);
  if (context.dpop) challenges.push(`DPoP ${params('dpop').join(', ')}`);
  return new OidcError(error.code, error.message, {
    challenge: challenges.join(', '),
    ...(error.reason === undefined ? {} : { reason: error.reason }),
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
}

/**
 * A DPoP error (`invalid_dpop_proof`, `use_dpop_nonce`, or `invalid_token` about the DPoP scheme),
 * with a DPoP challenge that {@link withChallenges} completes.
 *
 * @example
 * ```ts
 * throw dpopError('invalid_dpop_proof', 'The DPoP proof was made for another URL (htu).', 'api', 'htu');
 * ```
 */
export function dpopError(code: 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token', message: string, realm: string, reason: string): OidcError {
  return new OidcError(code, message, { reason, challenge: `DPoP realm="${clean(realm)}", error="${code}", error_description="${clean(message)}"` });
}
