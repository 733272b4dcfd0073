// What docs/CONFORMANCE.md says beside a row besides its tests: where the tests pass only under a
// configuration, where a recommended ([rec]) part is not implemented, and where oidc-kit does
// otherwise on purpose. Kept next to the tests so the report stays honest when behaviour changes.

/** A note on one checklist row: `partial` (the tests pass, with this limit) or `deviation` (oidc-kit does otherwise, on purpose). */
export interface RowNote {
  kind: 'partial' | 'deviation';
  note: string;
}

/**
 * Notes by row ID, shown in docs/CONFORMANCE.md.
 *
 * @example
 * ```ts
 * ROW_NOTES['AT-05']; // { kind: 'partial', note: 'Checked when `resourceServer.audience` is set, …' }
 * ```
 */
export const ROW_NOTES: Readonly<Record<string, RowNote>> = {
  'AT-05': { kind: 'partial', note: 'Checked when `resourceServer.audience` is set, which the docs ask for; without it a warning is logged at start-up and only ID tokens of this app\'s clients are refused.' },
  'AT-14': { kind: 'deviation', note: 'oidc-kit does not tell client-credentials tokens from user tokens; it hands the app `sub` and `client_id` (equal for RFC 9068 client tokens), and the app decides.' },
  'BCP-02': { kind: 'partial', note: 'PKCE S256, state and nonce are always sent; there is no option to refuse a provider that does not advertise S256.' },
  'BCP-16': { kind: 'partial', note: 'With `session.store` the refresh token stays on the server. With the default cookie sessions it travels to the browser sealed (AES-256-GCM) in the HttpOnly session cookie, never readable there.' },
  'BCP-19': { kind: 'partial', note: 'Plain http is allowed only for loopback hosts (localhost, 127.0.0.1, [::1]), without a separate development switch.' },
  'BAS-18': { kind: 'partial', note: 'Plain http is allowed only for loopback hosts (localhost, 127.0.0.1, [::1]), without a separate development switch.' },
  'BCP-24': { kind: 'partial', note: 'Cookies are HttpOnly, Secure (https) and SameSite=Lax (form_post transactions: None); the `__Host-` prefix is not used by default (the cookie names are configurable).' },
  'BCL-15': { kind: 'partial', note: 'Bodies over 16 KB are refused and JWKS refetches for unknown kids are limited to one per 30 s; there is no request rate limit (put one in front of the route).' },
  'INT-04': { kind: 'deviation', note: 'Outages (5xx, 408, 429, timeouts) are 503 and a refused client (401, 403, `invalid_client`) is 502 `client_refused`, logged; but a 400, 413, 414 or 422 (and a 401 or 403 when the token is itself the credential) is taken as the token\'s fault: 401 `invalid_token` reason `introspection_refused`, cached like an inactive answer, so that such a token is not relayed to the provider on every request.' },
  'INT-14': { kind: 'partial', note: 'Tokens over 8 KB and JOSE objects that are no JWS are refused without a call, refused tokens are remembered briefly (apart from active answers), and at most `introspection.maxConcurrent` calls run at once (503 `introspection_busy` past it); there is no per-client rate limit (put one in front of the API).' },
  'DP-07': { kind: 'partial', note: 'The window is `resourceServer.dpop.maxAge` (60 s by default) after `iat`, plus `clockTolerance` (60 s by default) either way; the tests refuse proofs 200 s old and 200 s ahead at the defaults, not at a configured window.' },
  'DP-11': { kind: 'partial', note: 'Nonces are required only with `resourceServer.dpop.requireNonce` (off by default). They are an HMAC of the time window under `secret`, so they cannot be guessed without it; the tests check that one nonce comes with each refusal and that made-up and expired ones are refused, not their unpredictability.' },
  'IDT-09': { kind: 'partial', note: 'The returned `acr` is handed to the app; oidc-kit does not refuse a lower one at login (check it with a claim rule on the route).' },
  'RPL-05': { kind: 'deviation', note: 'Without a session oidc-kit ends nothing at the provider: it cannot know which provider (if any) the browser is logged in at, and a visitor who never logged in is not sent to one.' },
  'DISC-05': { kind: 'partial', note: 'http endpoints are refused; endpoints on another origin are allowed but not logged.' },
  'DISC-06': { kind: 'partial', note: 'A failed discovery fails the request (502/503) and is tried again by the next request, without a backoff.' },
};
