import type { OidcError } from '../errors.ts';
import type { ResponsePlan } from '../http.ts';
import { escapeHtml } from './escape-html.ts';

const TITLES: Record<number, string> = {
  400: 'Sign-in failed',
  401: 'Sign-in required',
  403: 'Access denied',
  502: 'The identity provider failed',
  503: 'Sign-in is unavailable',
};

/**
 * The default answer for an {@link OidcError}: JSON (`{ error, error_description, reason }`, and
 * `retry_url` when the error has one) for clients that asked for it and for bearer-token errors
 * (which also get their `WWW-Authenticate` challenge), otherwise a small generic HTML page, with a
 * "Try again" link when the error has a `retryUrl`. A 503 says `Retry-After`. Everything shown is escaped, and
 * the provider's own `error_description` is shown only as escaped text.
 *
 * @example
 * ```ts
 * const plan = errorResponse(new OidcError('state_mismatch', 'Start the login again.'), true, 'https://app.example/');
 * plan.status; // 400
 * ```
 */
export function errorResponse(error: OidcError, json: boolean, homeUrl = '/'): ResponsePlan {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  // Bearer-token errors carry their RFC 6750 challenge and are always answered in JSON (an API's client asked).
  if (error.challenge !== undefined) headers['www-authenticate'] = error.challenge;
  // A 503 is a fault that passes: say when to come back (RFC 9110 §10.2.3), so clients back off instead of hammering.
  if (error.retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter)));
  if (json || error.challenge !== undefined) {
    headers['content-type'] = 'application/json; charset=utf-8';
    const body: Record<string, string> = { error: error.code, error_description: error.message };
    if (error.reason !== undefined) body['reason'] = error.reason;
    if (error.oauthError !== undefined) body['oauth_error'] = error.oauthError;
    if (error.retryUrl !== undefined) body['retry_url'] = error.retryUrl;
    return { status: error.status, headers, body: JSON.stringify(body) };
  }
  headers['content-type'] = 'text/html; charset=utf-8';
  headers['content-security-policy'] = "default-src 'none'; style-src 'unsafe-inline'";
  const title = TITLES[error.status] ?? 'Error';
  const details = [
    `<p>${escapeHtml(error.message)}</p>`,
    error.oauthErrorDescription ? `<p>The provider said: <q>${escapeHtml(error.oauthErrorDescription)}</q></p>` : '',
    `<p class="code">Error code: <code>${escapeHtml(error.code)}${error.reason ? `:${escapeHtml(error.reason)}` : ''}</code></p>`,
  ].join('\n');
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}.code{color:#666;font-size:.9rem}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
${details}
${error.retryUrl === undefined ? '' : `<p><a href="${escapeHtml(error.retryUrl)}">Try again</a></p>\n`}<p><a href="${escapeHtml(homeUrl)}">Back to the start page</a></p>
</body></html>`;
  return { status: error.status, headers, body };
}
