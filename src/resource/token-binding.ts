/**
 * Whether a request may use a token it presents, given how the token is bound (RFC 9449 §6,
 * RFC 8705 §3): a bound token only with a proof of its key (DPoP), never as a bearer token; a
 * DPoP proof only with a token bound to the proof's key. Checked per request, after the token's
 * (cached) validation, which is the same whoever presents it.
 */
import { dpopError } from './dpop/challenges.ts';
import { TokenRejection } from './token-rejection.ts';

/**
 * Throws when the token cannot be used this way: presented without a proof (`proofJkt`
 * undefined) while bound — a `TokenRejection` `bound_token`; with a proof while not DPoP-bound —
 * `not_dpop_bound` (an mTLS-bound token has no `jkt` either); with a proof of another key than
 * the token's `cnf.jkt` — `invalid_token` in a DPoP challenge, "Invalid DPoP key binding" (reason
 * `jkt`), as RFC 9449 §7.1 answers it: the proof itself may be sound, the token is not this key's.
 *
 * @example
 * ```ts
 * checkBinding(validated.claims, proof?.jkt, 'api');
 * ```
 */
export function checkBinding(claims: Readonly<Record<string, unknown>>, proofJkt: string | undefined, realm: string): void {
  const cnf = claims['cnf'];
  const tokenType = claims['token_type'];
  const bound = cnf !== undefined || (typeof tokenType === 'string' && tokenType.toLowerCase() === 'dpop');
  if (proofJkt === undefined) {
    if (bound) throw new TokenRejection('bound_token', 'The token is bound to a key (DPoP or mTLS) and cannot be used as a bearer token.');
    return;
  }
  const jkt = typeof cnf === 'object' && cnf !== null && !Array.isArray(cnf) ? (cnf as Record<string, unknown>)['jkt'] : undefined;
  if (typeof jkt !== 'string') throw new TokenRejection('not_dpop_bound', 'The access token is not bound to a DPoP key; send it as a Bearer token.');
  if (jkt !== proofJkt) throw dpopError('invalid_token', 'Invalid DPoP key binding: the access token is bound to another key than the one that signed the DPoP proof (cnf.jkt).', realm, 'jkt');
}
