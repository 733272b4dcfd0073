/**
 * The development provider's own pages: sign in, continue (consent), sign out, signed out, and
 * errors. They replace oidc-provider's `devInteractions` pages, which load a font from Google: these
 * need nothing from the network, carry a strict Content-Security-Policy (inline style only), and
 * share the demo's look (system fonts, the same colours and buttons).
 *
 * The login form keeps oidc-provider's field names (`prompt`, `login`, `password`) and its
 * `[ Cancel ]` link, so that scripts written against the built-in pages keep working.
 */
import { escapeHtml } from '../render/escape-html.ts';

/**
 * The pages' Content-Security-Policy: no script, nothing remote, no framing. No `form-action`:
 * browsers apply it to the redirects after a submission too, and a sign-in ends at the app.
 */
export const DEV_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
.card{border:1px solid #d0d7de;border-radius:8px;padding:1.25rem 1.5rem;background:#fff}
h1{font-size:1.3rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.45rem .6rem;border:1px solid #d0d7de;border-radius:6px;font:inherit}
button{margin-top:1rem;padding:.45rem 1rem;border:0;border-radius:6px;background:#0969da;color:#fff;font:inherit;cursor:pointer}
a{color:#0969da}
.muted{color:#656d76;font-size:.9rem}
.badge{display:inline-block;margin-bottom:1rem;padding:.1rem .5rem;border-radius:1rem;background:#fff8c5;color:#7d4e00;font-size:.8rem;font-weight:600}
.error{background:#ffebe9;border:1px solid #ffcecb;border-radius:6px;padding:.5rem .75rem}
code{font-family:ui-monospace,monospace;font-size:.9em}
`;

/**
 * A whole page with the development provider's look; `body` is trusted HTML (escape what it quotes).
 *
 * @example
 * ```ts
 * res.end(devPage('Signed out', '<p>You are signed out.</p>'));
 * ```
 */
export function devPage(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${escapeHtml(title)} · development provider</title><style>${STYLE}</style></head>`
    + `<body><main class="card"><span class="badge">development provider</span><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/**
 * The sign-in form of interaction `uid`: any username signs in, with any password.
 *
 * @example
 * ```ts
 * res.end(loginPage('Xy1…', 'my-app', 'Enter a username.'));
 * ```
 */
export function loginPage(uid: string, clientId: string, problem?: string): string {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  return devPage('Sign in', `${problem === undefined ? '' : `<p class="error" role="alert">${escapeHtml(problem)}</p>`}
<p class="muted">to <code>${escapeHtml(clientId)}</code>. Any username signs in, with any password: the username becomes the user's <code>sub</code>.</p>
<form method="post" action="${action}" autocomplete="off">
<input type="hidden" name="prompt" value="login"/>
<label for="login">Username</label><input id="login" type="text" name="login" required autofocus/>
<label for="password">Password</label><input id="password" type="password" name="password"/>
<button type="submit">Sign in</button>
</form>
<p class="muted"><a href="${action}/abort">[ Cancel ]</a> returns to the app with <code>access_denied</code>.</p>`);
}

/**
 * The consent form of interaction `uid` (rarely seen: the provider grants what a client asks for).
 *
 * @example
 * ```ts
 * res.end(consentPage('Xy1…', 'my-app'));
 * ```
 */
export function consentPage(uid: string, clientId: string): string {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  return devPage('Continue', `<p><code>${escapeHtml(clientId)}</code> asks for access to your account.</p>
<form method="post" action="${action}"><input type="hidden" name="prompt" value="consent"/><button type="submit">Continue</button></form>
<p class="muted"><a href="${action}/abort">[ Cancel ]</a></p>`);
}

/**
 * The sign-out confirmation: oidc-provider's form (with its xsrf field), submitted as it is, signs
 * out; the form's `logout` field says so.
 *
 * @example
 * ```ts
 * ctx.body = logoutPage(form); // oidc-provider's logoutSource hook
 * ```
 */
export function logoutPage(providerForm: string): string {
  const withChoice = providerForm.replace('</form>', '<input type="hidden" name="logout" value="yes"/><button type="submit">Sign out</button></form>');
  return devPage('Sign out', `<p>Sign out of the development provider?</p>${withChoice}`);
}

/**
 * The page after a sign-out that had nowhere to return to.
 *
 * @example
 * ```ts
 * ctx.body = signedOutPage();
 * ```
 */
export function signedOutPage(): string {
  return devPage('Signed out', '<p>You are signed out.</p>');
}

/**
 * An error the provider shows itself (a request it refuses without redirecting back), with the
 * OAuth error code in `#error` and its description in `#error_description`.
 *
 * @example
 * ```ts
 * ctx.body = errorPage('invalid_request', 'redirect_uri did not match any of the client's registered redirect_uris');
 * ```
 */
export function errorPage(error: string, description: string | undefined): string {
  return devPage('Error', `<p id="error" class="error"><code>${escapeHtml(error)}</code></p><p id="error_description">${escapeHtml(description ?? '')}</p>`);
}
