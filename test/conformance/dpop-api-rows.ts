// Rows of the conformance report for the resource-server half of issue 28: DPoP-bound access
// tokens at APIs (RFC 9449, rows DPA-*) and RFC 9728 protected-resource metadata (rows PRM-*).
// docs/dpop-and-fapi.md explains each; tests carry the row's ID at the start of their name.
import type { ChecklistRow } from './checklist.ts';

const DPOP = 'DPoP for APIs (RFC 9449; docs/dpop-and-fapi.md)';
const METADATA = 'Protected-resource metadata (RFC 9728; docs/dpop-and-fapi.md)';

/**
 * The DPoP and metadata rows, in the report's order (after the token-rule rows).
 *
 * @example
 * ```ts
 * const rows = [...CHECKLIST, ...TOKEN_RULE_ROWS, ...DPOP_API_ROWS];
 * ```
 */
export const DPOP_API_ROWS: readonly ChecklistRow[] = [
  { id: 'DPA-01', section: DPOP, origin: 'RFC 9449 §7.1', must: 'Accept Authorization: DPoP with a valid proof for a token bound to the proof\'s key: JWT (cnf.jkt claim) and introspected (cnf.jkt in the answer).' },
  { id: 'DPA-02', section: DPOP, origin: 'RFC 9449 §4.3 checks 1-6', must: 'Refuse a proof that is missing, sent in several DPoP headers, oversized, malformed, not typed dpop+jwt, signed with none, HS* or an algorithm off the list, badly signed, or carrying a private key.' },
  { id: 'DPA-03', section: DPOP, origin: 'RFC 9449 §4.3 checks 8-9', must: 'Refuse a proof for another method (htm) or URL (htu, compared after RFC 3986 normalisation, query ignored), the URL being the configured public one and never the Host header.' },
  { id: 'DPA-04', section: DPOP, origin: 'RFC 9449 §4.3 check 11, §11.1', must: 'Refuse a proof whose iat is outside the accepted window (stale or in the future).' },
  { id: 'DPA-05', section: DPOP, origin: 'RFC 9449 §4.3 check 12, §6', must: 'Refuse a proof without ath or for another token, and one signed by another key than the token\'s cnf.jkt.' },
  { id: 'DPA-06', section: DPOP, origin: 'RFC 9449 §11.1', must: 'Refuse a proof used before (jti), also when the first use was at another instance sharing the store; a store that is down gives 503, never acceptance.' },
  { id: 'DPA-07', section: DPOP, origin: 'RFC 9449 §7.1, §7.2', must: 'Refuse a bound token sent as Bearer, an unbound token sent as DPoP, and (in required mode) any Bearer token, each with the challenge of its scheme.' },
  { id: 'DPA-08', section: DPOP, origin: 'RFC 9449 §8, §9', must: 'With nonces required, answer use_dpop_nonce and a DPoP-Nonce to a proof without one or with an expired one; accept the nonce from any instance with the same secret.' },
  { id: 'DPA-09', section: DPOP, origin: 'RFC 9449 §7.1; RFC 6750 §3', must: 'Answer proof errors with WWW-Authenticate: DPoP error="invalid_dpop_proof" and algs, beside the Bearer challenge where both schemes are accepted.' },
  { id: 'PRM-01', section: METADATA, origin: 'RFC 9728 §2, §3', must: 'Serve the protected-resource metadata (resource, authorization_servers, bearer methods, DPoP algorithms) at the well-known URL, path-inserted for a resource with a path.' },
  { id: 'PRM-02', section: METADATA, origin: 'RFC 9728 §5.1', must: 'Name the metadata URL as resource_metadata in every challenge of a token route.' },
  { id: 'PRM-03', section: METADATA, origin: 'RFC 9728 §1.2, §3.3', must: 'Refuse at start-up a resource identifier that is not an https URL of this app without query or fragment.' },
];
