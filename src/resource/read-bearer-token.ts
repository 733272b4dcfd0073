import { isFormContentType, readForm } from '../form-body.ts';
import type { RequestView } from '../http.ts';
import { bearerError } from './bearer-error.ts';

/** Where a bearer token may come from besides the Authorization header (RFC 6750 §2.2, §2.3). */
export interface TokenTransports {
  readonly form: boolean;
  readonly query: boolean;
  readonly realm: string;
}

/** A bearer token and where the request carried it. */
export interface BearerToken {
  readonly token: string;
  readonly source: 'header' | 'form' | 'query';
  /** `'dpop'` for `Authorization: DPoP <token>` (RFC 9449 §7.1), read only where DPoP is accepted. */
  readonly scheme?: 'dpop';
}

/** RFC 6750 §2.1 b64token: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Form bodies carrying a token are small; anything larger is not read. */
const MAX_FORM_BYTES = 64 * 1024;

/**
 * The bearer token of a request, from the `Authorization: Bearer` header, or — only when enabled —
 * a form-encoded POST body (`access_token`, §2.2) or the query string (§2.3). Returns `undefined`
 * when the request carries none; another scheme (`Basic …`) counts as none (§3.1). Throws an
 * `invalid_request` (400) `OidcError` for `Bearer` without a token, two `Authorization` headers,
 * two `access_token` parameters, a parameter outside the b64token syntax, or a token sent by two
 * methods at once (§2). A token in the query string while that is off is refused the same way,
 * with a description that says where it belongs.
 *
 * The header token's b64token syntax is left to {@link checkBearerSyntax}, which the caller runs
 * before using the token for anything but an exact-match cache lookup: a token found in the cache
 * passed it already, and the check is a regular expression over the whole token.
 *
 * Only small form bodies (a `Content-Length` of at most 64 KiB) are looked into: a token travels
 * in a small form, and a large upload is left whole for the route's own body parser.
 * Synchronous unless a form body has to be read. With `dpop`, `Authorization: DPoP <token>` is
 * read too (RFC 9449 §7.1), marked `scheme: 'dpop'`; without it, that scheme counts as none.
 *
 * @example
 * ```ts
 * const found = await readBearerToken(requestView, { form: false, query: false, realm: 'api' });
 * found?.token; found?.source; // 'header' | 'form' | 'query'
 * ```
 */
export function readBearerToken(request: RequestView, transports: TokenTransports, dpop = false): BearerToken | undefined | Promise<BearerToken | undefined> {
  const { realm } = transports;
  const fromHeader = headerToken(request, realm, dpop);
  const fromQuery = queryToken(request, transports);
  if (fromHeader !== undefined && fromQuery !== undefined) throw twoMethods(realm);
  const found: BearerToken | undefined = fromHeader !== undefined ? fromHeader
    : fromQuery !== undefined ? { token: fromQuery, source: 'query' } : undefined;
  if (!transports.form || !isSmallFormPost(request)) return found;
  return formToken(request, realm).then((fromForm) => {
    if (fromForm === undefined) return found;
    if (found !== undefined) throw twoMethods(realm);
    return { token: fromForm, source: 'form' };
  });
}

/**
 * Whether the request carries something that looks like bearer credentials (a `Bearer`
 * Authorization header, or an `access_token` where tokens are accepted): `accessControl()` then
 * judges the token and never falls back to the session. A form body is read to find out (a
 * browser's own form post is not a token); a malformed one counts as credentials, so that the token
 * check reports it.
 *
 * @example
 * ```ts
 * await hasBearerCredentials(requestView, transports); // true for "Authorization: Bearer abc"
 * ```
 */
export function hasBearerCredentials(request: RequestView, transports: TokenTransports): boolean | Promise<boolean> {
  const authorization = request.header('authorization');
  if (authorization !== undefined && /^bearer(\s|$)/i.test(authorization)) return true;
  if (transports.query && queryParameters(request.url)?.has('access_token') === true) return true;
  if (!transports.form || !isSmallFormPost(request)) return false;
  return formToken(request, transports.realm).then((token) => token !== undefined, () => true);
}

function headerToken(request: RequestView, realm: string, dpop: boolean): BearerToken | undefined {
  const authorization = request.header('authorization');
  if (authorization === undefined) return undefined;
  if ((request.headerCount?.('authorization') ?? 1) > 1) {
    throw bearerError('invalid_request', 'Send one Authorization header.', { realm, reason: 'authorization_headers' });
  }
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  // Another scheme (Basic, Digest, DPoP on a route without it) is not bearer credentials at all (§3.1).
  const lower = scheme.toLowerCase();
  const isDpop = dpop && lower === 'dpop';
  if (lower !== 'bearer' && !isDpop) return undefined;
  const token = space === -1 ? '' : authorization.slice(space + 1);
  if (token === '') throw bearerError('invalid_request', `The Authorization header says ${isDpop ? 'DPoP' : 'Bearer'} but carries no token.`, { realm, reason: 'authorization_header' });
  return isDpop ? { token, source: 'header', scheme: 'dpop' } : { token, source: 'header' };
}

/**
 * RFC 6750 §2.1: a header token must be a b64token. Throws the `invalid_request` (400) `OidcError`
 * otherwise. (Form and query tokens were checked by {@link readBearerToken} already.)
 *
 * @example
 * ```ts
 * const found = readBearerToken(view, transports);
 * if (found !== undefined) checkBearerSyntax(found, transports.realm);
 * ```
 */
export function checkBearerSyntax(found: BearerToken, realm: string): void {
  if (found.source === 'header' && !B64TOKEN.test(found.token)) {
    throw bearerError('invalid_request', 'The Authorization header is malformed: send Bearer, one space, then the token.', { realm, reason: 'authorization_header' });
  }
}

/**
 * The query parameters, when they may hold `access_token`: parsed only if the query string names it
 * or has percent-escapes (`access%5Ftoken` is the same name), so most requests cost a string search.
 */
function queryParameters(url: string): URLSearchParams | undefined {
  const q = url.indexOf('?');
  if (q === -1 || (!url.includes('access_token', q) && !url.includes('%', q) && !url.includes('+', q))) return undefined;
  return new URLSearchParams(url.slice(q + 1));
}

function queryToken(request: RequestView, transports: TokenTransports): string | undefined {
  const values = queryParameters(request.url)?.getAll('access_token') ?? [];
  if (values.length === 0) return undefined;
  if (!transports.query) {
    throw bearerError('invalid_request', 'Tokens in the query string are not accepted here; send an Authorization: Bearer header.', { realm: transports.realm, reason: 'query_token' });
  }
  return singleToken(values, transports.realm);
}

async function formToken(request: RequestView, realm: string): Promise<string | undefined> {
  const form = await readForm(request, MAX_FORM_BYTES, 'allowFormToken');
  if (form === undefined) throw bearerError('invalid_request', 'The request body is too large.', { realm, reason: 'body_too_large' });
  const values = form.getAll('access_token');
  return values.length === 0 ? undefined : singleToken(values, realm);
}

function singleToken(values: readonly string[], realm: string): string {
  const [token] = values;
  if (values.length > 1 || token === undefined) throw bearerError('invalid_request', 'Send one access_token.', { realm, reason: 'access_token' });
  if (!B64TOKEN.test(token)) throw bearerError('invalid_request', 'The access_token parameter is malformed.', { realm, reason: 'access_token' });
  return token;
}

/**
 * §2.2: only a request method with body semantics (never GET or HEAD) and a single-part form body,
 * of a declared size small enough to hold a token and little else.
 */
function isSmallFormPost(request: RequestView): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  if (!isFormContentType(request.header('content-type'))) return false;
  const length = Number(request.header('content-length') ?? Number.NaN);
  return Number.isInteger(length) && length >= 0 && length <= MAX_FORM_BYTES;
}

function twoMethods(realm: string) {
  return bearerError('invalid_request', 'Send the token by one method only (RFC 6750, section 2).', { realm, reason: 'two_methods' });
}
