import type { CookieSink, ResponsePlan } from '../http.ts';
import type { ResponseIO } from '../request-context.ts';

/**
 * The `Set-Cookie`s and headers the core wrote for one request, kept as data until the adapter
 * flushes them into the answer — an oidc-kit route's plan, or the application's own response once
 * its handler ran (fetch handlers, Hono). Express writes them to its response directly instead.
 *
 * @example
 * ```ts
 * const pending = new PendingWrites();
 * const context = await core.open(view, pending, request);
 * const response = await handler(request, context);
 * return pending.applyTo(response); // the session cookie goes with the app's answer
 * ```
 */
export class PendingWrites implements ResponseIO {
  /** Serialized `Set-Cookie` values, in the order they were written. */
  readonly cookies: string[] = [];
  /** Headers to set on the answer (lower-case names), e.g. `cache-control: private`. */
  readonly headers: Record<string, string> = {};
  readonly setCookie: CookieSink = (cookie) => {
    this.cookies.push(cookie);
  };

  setHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }

  /**
   * A Web `Response` for a plan, with the pending cookies and headers. The plan's own headers win
   * over pending ones of the same name.
   *
   * @example
   * ```ts
   * return pending.toResponse({ status: 303, headers: { location: '/' } });
   * ```
   */
  toResponse(plan: ResponsePlan): Response {
    const headers = new Headers(this.headers);
    for (const [name, value] of Object.entries(plan.headers)) headers.set(name, value);
    for (const cookie of this.cookies) headers.append('set-cookie', cookie);
    // A HEAD answer, or a status that has none, carries no body.
    const body = plan.body === undefined || plan.status === 204 || plan.status === 304 ? null : plan.body;
    return new Response(body, { status: plan.status, headers });
  }

  /**
   * The application's response with the pending cookies appended and the pending headers set
   * (where the application did not set them itself). A response whose headers are immutable (e.g.
   * from `fetch()`) is copied first.
   *
   * @example
   * ```ts
   * return pending.applyTo(new Response('hello'));
   * ```
   */
  applyTo(response: Response): Response {
    if (this.cookies.length === 0 && Object.keys(this.headers).length === 0) return response;
    let target = response;
    try {
      this.#write(target.headers);
    } catch {
      target = new Response(response.body, response);
      this.#write(target.headers);
    }
    return target;
  }

  #write(headers: Headers): void {
    for (const [name, value] of Object.entries(this.headers)) if (!headers.has(name)) headers.set(name, value);
    for (const cookie of this.cookies) headers.append('set-cookie', cookie);
  }
}
