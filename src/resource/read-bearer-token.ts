import type { RequestView } from '../http.ts';
import { bearerError } from './bearer-error.ts';

/** Where a bearer token may come from besides the Authorization header (RFC 6750 §2.2, §2.3). */
export interface TokenTransports {
  readonly form: boolean;
  readonly query: boolean;
  readonly realm: string;
}

/** RFC 6750 §2.1 b64token: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Form bodies carrying a token are small; anything larger is not read. */
const MAX_FORM_BYTES = 64 * 1024;

/**
 * The bearer token of a request, from the `Authorization: Bearer` header, or — only when enabled —
 * a form-encoded POST body (`access_token`, §2.2) or the query string (§2.3). Returns `undefined`
 * when the request carries none; another scheme (`Basic …`) counts as none (§3.1). Throws an
 * `invalid_request` (400) `OidcError` for `Bearer` without a token, a value outside the b64token
 * syntax, two `Authorization` headers, two `access_token` parameters, or a token sent by two
 * methods at once (§2). A token in the query string while that is off is refused the same way,
 * with a description that says where it belongs.
 *
 * Synchronous unless a form body has to be read.
 *
 * @example
 * ```ts
 * const token = await readBearerToken(requestView, { form: false, query: false, realm: 'api' });
 * ```
 */
export function readBearerToken(request: RequestView, transports: TokenTransports): string | undefined | Promise<string | undefined> {
  const { realm } = transports;
  const fromHeader = headerToken(request, realm);
  const fromQuery = queryToken(request, transports);
  if (fromHeader !== undefined && fromQuery !== undefined) throw twoMethods(realm);
  if (!transports.form || !isFormPost(request)) return fromHeader ?? fromQuery;
  return formToken(request, realm).then((fromForm) => {
    if (fromForm !== undefined && (fromHeader !== undefined || fromQuery !== undefined)) throw twoMethods(realm);
    return fromHeader ?? fromQuery ?? fromForm;
  });
}

/**
 * Whether the request carries something that looks like bearer credentials (a `Bearer`
 * Authorization header, or an `access_token` where tokens are accepted): `accessControl()` then
 * judges the token and never falls back to the session.
 *
 * @example
 * ```ts
 * hasBearerCredentials(requestView, transports); // true for "Authorization: Bearer abc"
 * ```
 */
export function hasBearerCredentials(request: RequestView, transports: TokenTransports): boolean {
  const authorization = request.header('authorization');
  if (authorization !== undefined && /^bearer(\s|$)/i.test(authorization)) return true;
  if (transports.query && request.url.includes('access_token')) return true;
  return transports.form && isFormPost(request);
}

function headerToken(request: RequestView, realm: string): string | undefined {
  const authorization = request.header('authorization');
  if (authorization === undefined) return undefined;
  if ((request.headerCount?.('authorization') ?? 1) > 1) {
    throw bearerError('invalid_request', 'Send one Authorization header.', { realm, reason: 'authorization_headers' });
  }
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  // Another scheme (Basic, Digest, DPoP without support) is not bearer credentials at all (§3.1).
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  const token = space === -1 ? '' : authorization.slice(space + 1);
  if (token === '') throw bearerError('invalid_request', 'The Authorization header says Bearer but carries no token.', { realm, reason: 'authorization_header' });
  if (!B64TOKEN.test(token)) {
    throw bearerError('invalid_request', 'The Authorization header is malformed: send Bearer, one space, then the token.', { realm, reason: 'authorization_header' });
  }
  return token;
}

function queryToken(request: RequestView, transports: TokenTransports): string | undefined {
  const q = request.url.indexOf('?');
  // Cheap test first: almost no request has this parameter.
  if (q === -1 || !request.url.includes('access_token', q)) return undefined;
  const values = new URLSearchParams(request.url.slice(q + 1)).getAll('access_token');
  if (values.length === 0) return undefined;
  if (!transports.query) {
    throw bearerError('invalid_request', 'Tokens in the query string are not accepted here; send an Authorization: Bearer header.', { realm: transports.realm, reason: 'query_token' });
  }
  return singleToken(values, transports.realm);
}

async function formToken(request: RequestView, realm: string): Promise<string | undefined> {
  if (request.readBody === undefined) throw new TypeError('oidc-kit: this adapter cannot read request bodies, which allowFormToken needs.');
  const body = await request.readBody(MAX_FORM_BYTES);
  if (body === undefined) throw bearerError('invalid_request', 'The request body is too large.', { realm, reason: 'body_too_large' });
  const values = new URLSearchParams(body).getAll('access_token');
  return values.length === 0 ? undefined : singleToken(values, realm);
}

function singleToken(values: readonly string[], realm: string): string {
  const [token] = values;
  if (values.length > 1 || token === undefined) throw bearerError('invalid_request', 'Send one access_token.', { realm, reason: 'access_token' });
  if (!B64TOKEN.test(token)) throw bearerError('invalid_request', 'The access_token parameter is malformed.', { realm, reason: 'access_token' });
  return token;
}

/** §2.2: only a request method with body semantics (never GET or HEAD) and a single-part form body. */
function isFormPost(request: RequestView): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  return /^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.header('content-type') ?? '');
}

function twoMethods(realm: string) {
  return bearerError('invalid_request', 'Send the token by one method only (RFC 6750 §2).', { realm, reason: 'two_methods' });
}
