import type { ResponsePlan } from '../http.ts';
import { escapeHtml } from './escape-html.ts';

/**
 * The page a logout link answers when the browser cannot prove the click came from this site: one
 * button that POSTs to the same URL (a cross-site page cannot forge that POST: its Origin differs).
 * Protects users from "logout CSRF" without breaking plain `<a href="/logout">` links.
 *
 * @example
 * ```ts
 * logoutConfirmation('/logout?returnTo=%2F', '/'); // 200, text/html, a form with method="post"
 * ```
 */
export function logoutConfirmation(action: string, homeUrl: string): ResponsePlan {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log out</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}button{font-size:1rem;padding:.5rem 1.2rem}</style>
</head><body>
<h1>Log out?</h1>
<form method="post" action="${escapeHtml(action)}"><button type="submit">Log out</button></form>
<p><a href="${escapeHtml(homeUrl)}">Stay logged in</a></p>
</body></html>`;
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    },
    body,
  };
}
