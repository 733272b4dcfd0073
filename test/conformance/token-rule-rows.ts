// Rows of the conformance report for the token rules that no checklist row names (issue 24):
// the JWT rules of RFC 8725, RFC 7515, RFC 7519, RFC 7493, RFC 9068 and OIDC Core that a verifier
// applies beside the certification profiles. docs/token-rules.md explains each; tests carry the
// row's ID at the start of their name, like checklist rows.
import type { ChecklistRow } from './checklist.ts';

/** The section every token-rule row belongs to. */
const SECTION = 'Token rules beyond the checklist (docs/token-rules.md)';

/**
 * The token-rule rows, in the report's order (after the checklist's).
 *
 * @example
 * ```ts
 * const rows = [...CHECKLIST, ...TOKEN_RULE_ROWS];
 * ```
 */
export const TOKEN_RULE_ROWS: readonly ChecklistRow[] = [
  { id: 'TR-01', section: SECTION, origin: 'RFC 8725 §2.9', must: 'Refuse a token or header larger than its kind allows (access and logout tokens 8 KiB, provider-sent JWTs 64 KiB, headers 4 KiB) before decoding it.' },
  { id: 'TR-02', section: SECTION, origin: 'RFC 7515 §7.1; RFC 8725 §3.7; RFC 8259 §8.1; RFC 7493 §2.1', must: 'Refuse a token that is not a canonical compact JWS whose header and claims are UTF-8 JSON objects without a byte-order mark or lone surrogate.' },
  { id: 'TR-03', section: SECTION, origin: 'RFC 7515 §4; RFC 7519 §4; RFC 7493 §2.3', must: 'Refuse duplicate member names in the header, the claims, and the provider\'s JSON answers, at any depth, whichever copy is hostile.' },
  { id: 'TR-04', section: SECTION, origin: 'RFC 7493 §2.2; RFC 8259 §9', must: 'Refuse numbers that are not finite doubles and nesting deeper than a limit, in tokens and JSON answers: a 400/401/502, never a crash.' },
  { id: 'TR-05', section: SECTION, origin: 'RFC 7515 §4.1.11; RFC 7797; RFC 7516 §4.1.3, §9; RFC 7519 §7.2 step 8', must: 'Refuse JWS header members that make no sense here: crit, b64, zip, enc, cty JWT.' },
  { id: 'TR-06', section: SECTION, origin: 'RFC 7519 §2, §4.1.4-6', must: 'Refuse NumericDates that no real token has (negative, past the year 9999), in every token kind and in introspection answers.' },
  { id: 'TR-07', section: SECTION, origin: 'RFC 7519 §4.1; RFC 9068 §2.2; OIDC Core §2', must: 'Refuse empty identifiers and audiences, and OpenID subjects that are not 1 to 255 printable ASCII characters.' },
  { id: 'TR-08', section: SECTION, origin: 'RFC 8725 §3.11, §3.12', must: 'Refuse a JWT typed as another kind: ID tokens and UserInfo absent or JWT, logout tokens logout+jwt or JWT, access tokens at+jwt.' },
  { id: 'TR-09', section: SECTION, origin: 'RFC 8725 §2.9 (issue 24)', must: 'A token refused by the structural rules costs no call to the provider: no discovery, no key set.' },
  { id: 'TR-10', section: SECTION, origin: 'OIDC Core §12.2, §3.1.3.7', must: 'Apply the login\'s ID token rules to refreshed ID tokens too (iat, aud, azp, at_hash, typ, claim values).' },
  { id: 'TR-11', section: SECTION, origin: 'OIDC Core §3.1.3.7 step 3; Back-Channel Logout §2.6 step 4', must: 'Refuse ID and logout tokens with an audience the client does not trust; accept those listed in trustedAudiences.' },
  { id: 'TR-12', section: SECTION, origin: 'RFC 9068 §2.1, §2.2, §4', must: 'Require typ at+jwt and the RFC 9068 claims by default; when the provider\'s own tokens fail only there, log once per rule with the setting that relaxes it.' },
  { id: 'TR-13', section: SECTION, origin: 'Back-Channel Logout §2.6 steps 4, 8', must: 'Refuse logout tokens older than ten minutes, and remember a jti no longer than the token could be accepted.' },
  { id: 'TR-14', section: SECTION, origin: 'RFC 9701 §5; RFC 8725 §3.3', must: 'Refuse an introspection answer that comes as a JWT unasked, rather than trust it unverified.' },
];
