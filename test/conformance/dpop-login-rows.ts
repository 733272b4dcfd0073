// Rows of the conformance report for the client half of issue 28: DPoP-bound logins (RFC 9449),
// pushed authorization requests (RFC 9126) and the FAPI 2.0 Security Profile's client
// requirements. docs/dpop-and-fapi.md explains each; tests carry the row's ID at the start of
// their name, like checklist rows.
import type { ChecklistRow } from './checklist.ts';

const DPOP = 'DPoP for logins (docs/dpop-and-fapi.md)';
const PAR = 'Pushed authorization requests (docs/dpop-and-fapi.md)';
const FAPI = 'FAPI 2.0 Security Profile, client (docs/dpop-and-fapi.md)';

/**
 * The client-side DPoP, PAR and FAPI 2.0 rows, in the report's order (after the token rules).
 *
 * @example
 * ```ts
 * const rows = [...CHECKLIST, ...TOKEN_RULE_ROWS, ...DPOP_LOGIN_ROWS];
 * ```
 */
export const DPOP_LOGIN_ROWS: readonly ChecklistRow[] = [
  { id: 'DPL-01', section: DPOP, origin: 'RFC 9449 §4, §5, §10', must: 'Give each login its own key pair; bind the code to it (dpop_jkt or a proof on the pushed request); redeem the code with a proof (typ dpop+jwt, the public key only); send UserInfo the bound token with a proof.' },
  { id: 'DPL-02', section: DPOP, origin: 'RFC 9449 §7, §4.2', must: 'Call APIs with the bound token as Authorization: DPoP and a proof naming the method (htm), URL (htu) and token (ath).' },
  { id: 'DPL-03', section: DPOP, origin: 'RFC 9449 §5, §8', must: 'Refresh with a proof of the same key; keep refreshing one refresh token once under concurrency; answer use_dpop_nonce once with the server\'s nonce.' },
  { id: 'DPL-04', section: DPOP, origin: 'RFC 6750 §5.3; RFC 9449 §7', must: 'Send a session\'s token only to an absolute https URL (http only to the loopback host).' },
  { id: 'DPL-05', section: DPOP, origin: 'RFC 9449 §5', must: 'Refuse a token answer to a DPoP request that comes back as a Bearer token (the binding did not happen).' },
  { id: 'DPL-07', section: DPOP, origin: 'RFC 9449 §4.2; FAPI 2.0 §5.4.1', must: 'Bind sessions to an EdDSA (Ed25519) key when asked; ES256 by default; no RSA key per login.' },
  { id: 'DPL-06', section: DPOP, origin: 'RFC 9449 §5; OAuth 2.1 §4.3.1', must: 'Across instances sharing a store: one redemption per refresh token, with a proof, and every instance calls APIs with the session\'s key.' },
  { id: 'PAR-01', section: PAR, origin: 'RFC 9126 §2, §4', must: 'Push the authorization request over the back channel (with a DPoP proof when the session is bound) and send the browser with only client_id and request_uri.' },
  { id: 'PAR-02', section: PAR, origin: 'RFC 9126 §5', must: '"auto": push when the provider publishes the endpoint, send a plain request when it does not.' },
  { id: 'PAR-03', section: PAR, origin: 'RFC 9126 §5', must: '"required": refuse a provider without a pushed_authorization_request_endpoint, naming the gap, sending nothing.' },
  { id: 'PAR-04', section: PAR, origin: 'RFC 9126 §5', must: 'Push when the provider says require_pushed_authorization_requests, whatever the option.' },
  { id: 'FAPI-01', section: FAPI, origin: 'FAPI 2.0 §5.3.2, §5.3.3, §5.4', must: 'A FAPI 2.0 login: PAR, PKCE S256, private_key_jwt, DPoP-bound tokens, PS256/ES256/EdDSA ID tokens, iss checked; refresh and API calls keep the binding.' },
  { id: 'FAPI-02', section: FAPI, origin: 'FAPI 2.0 §5.3.2, §5.3.3, §5.4.1', must: 'Refuse at start-up any client setting weaker than the profile (client secret, RS256, no DPoP, PAR not required, an RSASSA-PKCS1 or short key), naming the option and the fix.' },
  { id: 'FAPI-03', section: FAPI, origin: 'FAPI 2.0 §5.3.1, §5.3.2; RFC 9207', must: 'Refuse a provider whose metadata lacks PAR, DPoP (or the algorithm), the iss parameter, S256, private_key_jwt or the ID token algorithm, naming the gap, sending nothing.' },
  { id: 'FAPI-04', section: FAPI, origin: 'FAPI 2.0 §5.3.2.1 (60-second codes)', must: 'A code the provider no longer takes (expired or used) is a clear 400 invalid_grant that offers a new login.' },
];
