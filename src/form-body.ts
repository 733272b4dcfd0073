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
 * caller answers with its own error). Read once per request: later calls get the same result. Throws a `TypeError` naming `purpose` when the adapter cannot
 * read bodies at all: a programming error of the adapter, not of the request.
 *
 * @example
 * ```ts
 * const form = await readForm(request, 16 * 1024, 'back-channel logout');
 * if (form === undefined) throw new OidcError('logout_token_invalid', 'The request body is too large.');
 * form.getAll('logout_token');
 * ```
 */
export function readForm(request: RequestView, maxBytes: number, purpose: string): Promise<URLSearchParams | undefined> {
  if (request.readBody === undefined) throw new TypeError(`oidc-kit: this adapter cannot read request bodies, which ${purpose} needs.`);
  // A body stream can be read once: a second look in the same request (accessControl() asks whether
  // a form carries a token, then reads the token) gets the first read's result.
  let read = formsRead.get(request);
  if (read === undefined) {
    read = request.readBody(maxBytes).then((body) => (body === undefined ? undefined : new URLSearchParams(body)));
    formsRead.set(request, read);
  }
  return read;
}

/**
 * The form bodies read, by request view. Weak: an entry goes with its request. Only requests whose
 * form the core reads have one (callbacks in form_post mode, back-channel logouts, form tokens), so
 * the requests of the hot path add nothing to it.
 */
const formsRead = new WeakMap<RequestView, Promise<URLSearchParams | undefined>>();
