/**
 * The demo's HTML pages: plain strings, a little inline CSS, and every value that comes from the
 * user, the provider or the request escaped with {@link escapeHtml}.
 */
import type { PageNote } from './notes.ts';

/** What the pages show about the logged-in user (nothing when anonymous). */
export interface Viewer {
  /** The display name: `name`, else `preferred_username`, else `sub`. */
  displayName: string;
  email: string | undefined;
}

/** What the profile page shows. */
export interface ProfileView {
  viewer: Viewer;
  claims: Record<string, unknown>;
  /** A short hash of the current access token (never the token itself), to see a refresh change it. */
  accessTokenFingerprint: string | undefined;
  accessTokenExpiresAt: Date | undefined;
  sessionExpiresAt: Date | undefined;
  hasRefreshToken: boolean;
  scope: string | undefined;
  /** Which provider the session came from: its name and issuer. */
  provider: { name: string; issuer: string } | undefined;
  /** What the button just pressed left for the page: the demo API's answer, or what a refresh changed. */
  note?: PageNote;
}

/** What the demo API answered when the profile page called it with the session's access token. */
export interface ApiResult {
  path: string;
  status: number;
  /** The `WWW-Authenticate` header of a refusal (RFC 6750), if any. */
  challenge: string | undefined;
  body: string;
}

/**
 * How to call the demo API: its audience and, with the embedded provider, the machine client that
 * gets tokens for it (development only: its secret is public).
 */
export interface ApiGuide {
  /** The app's base URL, where the API is. */
  appUrl: string;
  audience: string;
  clientCredentials: { tokenEndpoint: string; clientId: string; clientSecret: string; scope: string } | undefined;
}

/**
 * The shell command that gets a demo API token with the client credentials grant.
 *
 * @example
 * ```ts
 * clientCredentialsCommand({ tokenEndpoint, clientId: 'demo-api-client', clientSecret, scope: 'read admin' }, 'http://localhost:3000/api');
 * ```
 */
export function clientCredentialsCommand(grant: NonNullable<ApiGuide['clientCredentials']>, audience: string): string {
  return `curl -s -u '${grant.clientId}:${grant.clientSecret}' -d grant_type=client_credentials -d scope='${grant.scope}' -d resource='${audience}' '${grant.tokenEndpoint}'`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Claims that hold a time as seconds since the epoch; shown as a date too. */
const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:48rem;margin:0 auto;padding:0 1rem 3rem;color:#1f2328;line-height:1.5}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #d0d7de;padding:1rem 0;margin-bottom:1.5rem}
header .brand{font-weight:600;color:inherit;text-decoration:none}
nav a{margin-left:1rem}
a{color:#0969da}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin-top:2rem}
.button{display:inline-block;padding:.45rem 1rem;border:0;border-radius:6px;background:#0969da;color:#fff;font:inherit;text-decoration:none;cursor:pointer}
.button.secondary{background:#f6f8fa;color:#1f2328;border:1px solid #d0d7de}
form.inline{display:inline;margin:0}
nav form.inline{margin-left:1rem}
.link{border:0;padding:0;background:none;color:#0969da;font:inherit;text-decoration:underline;cursor:pointer}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;vertical-align:top;padding:.35rem .6rem;border-bottom:1px solid #eaeef2}
th{width:12rem;font-weight:600;white-space:nowrap}
td{word-break:break-word}
.muted{color:#656d76;font-size:.9rem}
.notice{background:#eef6ee;border:1px solid #b7dfb9;border-radius:6px;padding:.6rem .8rem}
code{font-size:.9em}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.6rem .8rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.status{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-weight:600;font-size:.9rem}
.status.ok{background:#dafbe1;color:#116329}
.status.refused{background:#ffebe9;color:#a40e26}
.error-code{font-family:ui-monospace,monospace;background:#f6f8fa;padding:.1rem .4rem;border-radius:4px}
@media (max-width:40rem){
header{flex-wrap:wrap;gap:.5rem}
nav a:first-child{margin-left:0}
th{width:auto;white-space:normal}
th,td{display:block;padding:.2rem .4rem}
td{padding-bottom:.6rem}
}
`;

/**
 * Log out here and at the provider: a POST form, because `GET /logout` from another site only shows
 * a confirmation page (a foreign page must not log users out). oidc-kit's `/logout` ends the session,
 * then sends the browser to the provider's end-session page and back to `/logout/callback`.
 */
const LOGOUT_FORM = '<form class="inline" method="post" action="/logout"><button class="link" type="submit">Log out</button></form>';

/** Log out of this app only (the demo's `POST /logout-local`): the provider's session stays. */
const LOCAL_LOGOUT_FORM =
  '<form class="inline" method="post" action="/logout-local"><button class="button secondary" type="submit">Log out of this app only</button></form>';

/** The logout buttons of the pages' bodies. */
function logoutActions(): string {
  return `<div class="actions">
<form class="inline" method="post" action="/logout"><button class="button" type="submit">Log out</button></form>
${LOCAL_LOGOUT_FORM}
</div>
<p class="muted">“Log out” also ends your session at the OpenID provider, which then tells this app over the back channel;
“Log out of this app only” keeps it, so the next login needs no password.</p>`;
}

/** The common layout: header with the navigation for an anonymous or logged-in visitor. */
export function layout(title: string, viewer: Viewer | undefined, content: string): string {
  const nav = viewer
    ? `<a href="/profile">Profile</a>${LOGOUT_FORM}`
    : `<a href="/login?returnTo=/profile">Log in</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · oidc-kit demo</title>
<style>${STYLE}</style>
<script src="/assets/demo.js" defer></script>
</head><body>
<header><a class="brand" href="/">oidc-kit demo</a><nav>${nav}</nav></header>
<main>
<h1>${escapeHtml(title)}</h1>
${content}
</main>
</body></html>
`;
}

/** `GET /`: who is logged in, if anyone, and how to call the demo API. */
export function homePage(viewer: Viewer | undefined, api?: ApiGuide): string {
  const apiSection = api === undefined ? '' : apiGuideSection(api);
  if (viewer === undefined) {
    return layout(
      'Welcome',
      undefined,
      `<p id="status">Nobody is logged in.</p>
<p><a class="button" href="/login?returnTo=/profile">Log in</a></p>
<p class="muted">Logging in sends you to the OpenID provider and brings you back to your profile.</p>
${apiSection}`,
    );
  }
  const email = viewer.email === undefined ? '' : ` <span class="muted">(${escapeHtml(viewer.email)})</span>`;
  return layout(
    'Welcome',
    viewer,
    `<p id="status">Logged in as <strong>${escapeHtml(viewer.displayName)}</strong>${email}.</p>
<p><a href="/profile">Profile</a></p>
${logoutActions()}
${apiSection}`,
  );
}

/** The home page's "Call the API" section: the two bearer-token routes and how to get a token. */
function apiGuideSection(api: ApiGuide): string {
  const getToken = api.clientCredentials === undefined
    ? `<p>Get an access token for the audience <code>${escapeHtml(api.audience)}</code> from your provider (for example with its client credentials grant), then:</p>`
    : `<p>Get an access token for it from the embedded provider with the client credentials grant (the <code>jq</code> part keeps the token):</p>
<pre id="token-command"><code>TOKEN=$(${escapeHtml(clientCredentialsCommand(api.clientCredentials, api.audience))} | jq -r .access_token)</code></pre>
<p>then:</p>`;
  return `<h2>Call the API</h2>
<p>This app is also an API: <code>GET /api/me</code> answers with the claims of a valid bearer token, and <code>GET /api/admin</code> also needs the <code>admin</code> scope. Tokens must be for the audience <code>${escapeHtml(api.audience)}</code>.</p>
${getToken}
<pre id="api-commands"><code>curl -H "Authorization: Bearer $TOKEN" ${escapeHtml(api.appUrl)}/api/me
curl -H "Authorization: Bearer $TOKEN" ${escapeHtml(api.appUrl)}/api/admin</code></pre>
<p class="muted">Without a token, with an expired or forged one, or without the scope, the API answers 401 or 403 with a <code>WWW-Authenticate: Bearer</code> header that says why (RFC 6750).</p>`;
}

/** `GET /profile` for browsers: the user's claims and the session's lifetimes. */
export function profilePage(view: ProfileView): string {
  const claimRows = Object.entries(view.claims)
    .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${formatClaim(name, value)}</td></tr>`)
    .join('\n');
  const sessionRows = [
    row('Access token', view.accessTokenFingerprint === undefined
      ? '<span class="muted">none</span>'
      : `<code id="access-token">${escapeHtml(view.accessTokenFingerprint)}</code> <span class="muted">(fingerprint: start of its SHA-256)</span>`),
    row('Access token expires', formatDate(view.accessTokenExpiresAt, 'access-token-expires')),
    row('Session expires', formatDate(view.sessionExpiresAt, 'session-expires')),
    row('Provider', view.provider === undefined
      ? '<span class="muted">unknown</span>'
      : `<span id="provider">${escapeHtml(view.provider.name)}</span> <span class="muted">(${escapeHtml(view.provider.issuer)})</span>`),
    row('Refresh token', view.hasRefreshToken ? 'yes' : 'no'),
    row('Granted scope', view.scope === undefined
      ? '<span class="muted">not reported: the provider sent no <code>scope</code>, which means it granted the scope the app asked for (RFC 6749 section 5.1)</span>'
      : view.scope.trim() === '' ? '<span class="muted">none: the provider granted no scope at all</span>' : `<code>${escapeHtml(view.scope)}</code>`),
  ].join('\n');
  return layout(
    `Profile of ${view.viewer.displayName}`,
    view.viewer,
    `<h2>Claims</h2>
<table id="claims">
${claimRows}
</table>
<h2>Session</h2>
<table id="session">
${sessionRows}
</table>
${view.note?.kind === 'refreshed' ? refreshedSection(view.note) : ''}
<div class="actions"><form class="inline" method="post" action="/refresh"><button class="button secondary" type="submit">Refresh the access token</button></form></div>
<p class="muted">Uses the refresh token to get a new access token now (oidc-kit also does it by itself shortly before the access token expires).</p>
<h2>Call the API</h2>
<p>The app calls its own API (<code>GET /api/me</code>, or <code>GET /api/admin</code>, which needs the <code>admin</code> scope) with this session's access token as a bearer token, and shows the answer. The token never reaches the browser.</p>
<div class="actions">
<form class="inline" method="post" action="/call-api"><input type="hidden" name="api" value="me"><button class="button secondary" type="submit">Call /api/me</button></form>
<form class="inline" method="post" action="/call-api"><input type="hidden" name="api" value="admin"><button class="button secondary" type="submit">Call /api/admin</button></form>
</div>
${view.note?.kind === 'api' ? apiResultSection(view.note.result) : ''}
<h2>Log out</h2>
${logoutActions()}
<p class="muted">The same data as JSON: <code>curl -H 'Accept: application/json'</code> with this session's cookie.</p>`,
  );
}

/** What the "Refresh the access token" button changed, as the profile page says it. */
function refreshedSection(note: Extract<PageNote, { kind: 'refreshed' }>): string {
  const changed = note.after !== undefined && note.after !== note.before;
  const what = changed
    ? `The access token was refreshed: <code>${escapeHtml(note.before ?? 'none')}</code> became <code>${escapeHtml(note.after ?? '')}</code>`
    : 'The provider answered the refresh with the same access token';
  const until = note.expiresAt === undefined ? '' : `; it expires at ${escapeHtml(note.expiresAt.toISOString())}`;
  return `<p id="refreshed" class="notice">${what}${until}.</p>`;
}

/** The demo API's answer, as the profile page shows it. */
function apiResultSection(result: ApiResult): string {
  const ok = result.status >= 200 && result.status < 300;
  const challenge = result.challenge === undefined
    ? ''
    : `<p class="muted">WWW-Authenticate: <code id="api-challenge">${escapeHtml(result.challenge)}</code></p>`;
  return `<div id="api-result">
<p><code>GET ${escapeHtml(result.path)}</code> answered <span id="api-status" class="status ${ok ? 'ok' : 'refused'}">${result.status}</span></p>
${challenge}
<pre id="api-body"><code>${escapeHtml(result.body)}</code></pre>
</div>`;
}

/**
 * The page for a failed login or another oidc-kit error: what happened in plain words, the stable
 * error code (and the provider's own error), and where to go from here.
 */
export function errorPage(error: { status: number; code: string; reason: string | undefined; message: string; oauthError: string | undefined; oauthErrorDescription: string | undefined }, viewer: Viewer | undefined): string {
  const cancelled = error.code === 'op_error' && error.oauthError === 'access_denied';
  const title = cancelled ? 'Login cancelled' : error.status >= 500 ? 'The login service is not answering' : 'That did not work';
  const explanation = cancelled
    ? 'You cancelled the login at the provider, or it refused it. Nothing was changed here.'
    : error.message;
  const providerSaid = error.oauthErrorDescription === undefined
    ? ''
    : `<p class="muted">The provider said: <q>${escapeHtml(error.oauthErrorDescription)}</q></p>`;
  const code = `${error.code}${error.reason === undefined ? '' : `:${error.reason}`}${error.oauthError === undefined ? '' : ` (${error.oauthError})`}`;
  return layout(title, viewer, `<p id="error-message">${escapeHtml(explanation)}</p>
${providerSaid}
<p>Error code: <span id="error-code" class="error-code">${escapeHtml(code)}</span></p>
<div class="actions"><a class="button" href="/login?returnTo=/profile">Try to log in again</a><a href="/">Back to the start page</a></div>`);
}

/** A generic page for 404s and unexpected errors. */
export function messagePage(title: string, message: string, viewer: Viewer | undefined): string {
  return layout(title, viewer, `<p>${escapeHtml(message)}</p><p><a href="/">Back to the start page</a></p>`);
}

/** A table row; `html` must already be escaped. */
function row(label: string, html: string): string {
  return `<tr><th>${escapeHtml(label)}</th><td>${html}</td></tr>`;
}

function formatDate(date: Date | undefined, id?: string): string {
  if (date === undefined) return '<span class="muted">unknown</span>';
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const relative = seconds >= 0 ? `in ${formatDuration(seconds)}` : `${formatDuration(-seconds)} ago`;
  const idAttribute = id === undefined ? '' : ` id="${escapeHtml(id)}"`;
  // /assets/demo.js counts the relative part down every second (data-countdown).
  return `<time${idAttribute} datetime="${escapeHtml(date.toISOString())}">${escapeHtml(date.toISOString())}</time> <span class="muted">(<span data-countdown="${escapeHtml(date.toISOString())}">${relative}</span>)</span>`;
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

function formatClaim(name: string, value: unknown): string {
  if (TIME_CLAIMS.has(name) && typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value * 1000);
    return `${value} <span class="muted">(${escapeHtml(date.toISOString())})</span>`;
  }
  if (typeof value === 'string') return escapeHtml(value);
  return `<code>${escapeHtml(JSON.stringify(value) ?? String(value))}</code>`;
}

/**
 * The pages' only script (served as /assets/demo.js, allowed by the CSP as 'self'): counts the
 * expiry times down every second. The pages work without it.
 */
export const DEMO_SCRIPT = `"use strict";
function format(seconds) {
  var s = Math.abs(seconds), text;
  if (s < 120) text = s + " s";
  else if (s < 7200) text = Math.floor(s / 60) + " min " + (s % 60) + " s";
  else if (s < 172800) text = Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  else text = Math.round(s / 86400) + " days";
  return seconds >= 0 ? "in " + text : "expired " + text + " ago";
}
function tick() {
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    var seconds = Math.round((Date.parse(el.getAttribute("data-countdown")) - Date.now()) / 1000);
    el.textContent = format(seconds);
  });
}
tick();
setInterval(tick, 1000);
`;
