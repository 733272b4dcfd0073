/**
 * Form bodies (`application/x-www-form-urlencoded`): the one way the core reads them, for the
 * form_post callback, back-channel logout and form-body bearer tokens.
 */
import type { RequestView } from './http.ts';

const FORM_TYPE = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * Whether a `Content-Type` value is a URL-encoded form (parameters such as `charset` allowed).
 *
 * @example
 * ```ts
 * isFormContentType('application/x-www-form-urlencoded; charset=UTF-8'); // true
 * isFormContentType('multipart/form-data; boundary=x');                  // false
 * ```
 */
export function isFormContentType(value: string | undefined): boolean {
  return value !== undefined && FORM_TYPE.test(value);
}

/**
 * The request's form body as parameters, or `undefined` when it is longer than `maxBytes` (the
 * caller answers with its own error). Throws a `TypeError` naming `purpose` when the adapter cannot
 * read bodies at all: a programming error of the adapter, not of the request.
 *
 * @example
 * ```ts
 * const form = await readForm(request, 16 * 1024, 'back-channel logout');
 * if (form === undefined) throw new OidcError('logout_token_invalid', 'The request body is too large.');
 * form.getAll('logout_token');
 * ```
 */
export async function readForm(request: RequestView, maxBytes: number, purpose: string): Promise<URLSearchParams | undefined> {
  if (request.readBody === undefined) throw new TypeError(`oidc-kit: this adapter cannot read request bodies, which ${purpose} needs.`);
  const body = await request.readBody(maxBytes);
  return body === undefined ? undefined : new URLSearchParams(body);
}
