import type { CookieSink, ResponsePlan } from '../http.ts';
import type { ResponseIO } from '../request-context.ts';

/**
 * Where pending writes go: a `Headers` object, or a framework's own header setter (Hono's
 * `c.header`, which copies a response whose headers are immutable).
 *
 * @example
 * ```ts
 * const target: HeaderTarget = new Headers();
 * ```
 * @inline
 */
export interface HeaderTarget {
  has(name: string): boolean;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
}

/**
 * A Web `Response` for a plan, as it is: no cookies (those are {@link PendingWrites}'). A HEAD
 * answer's body is dropped by every server; a 204 or 304 may not have one at all.
 *
 * @example
 * ```ts
 * const response = planResponse({ status: 303, headers: { location: '/' } });
 * ```
 */
export function planResponse(plan: ResponsePlan): Response {
  const body = plan.body === undefined || plan.status === 204 || plan.status === 304 ? null : plan.body;
  return new Response(body, { status: plan.status, headers: plan.headers });
}

/**
 * The `Set-Cookie`s and headers the core wrote for one request, kept as data until the adapter
 * flushes them into the answer — an oidc-kit route's plan, or the application's own response once
 * its handler ran (fetch handlers, Hono). Express and Fastify write them to their response directly.
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
  /** Keeps a `Set-Cookie` value for the answer, after those already kept. */
  readonly setCookie: CookieSink = (cookie) => {
    this.cookies.push(cookie);
  };

  setHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }

  /** Whether nothing was written: the answer can go out as it is. */
  get empty(): boolean {
    return this.cookies.length === 0 && Object.keys(this.headers).length === 0;
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
    const response = planResponse(plan);
    this.writeTo(response.headers);
    return response;
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
    if (this.empty) return response;
    let target = response;
    try {
      this.writeTo(target.headers);
    } catch {
      target = new Response(response.body, response);
      this.writeTo(target.headers);
    }
    return target;
  }

  /**
   * Writes the pending cookies (appended) and headers (where the target has none of that name).
   *
   * @example
   * ```ts
   * pending.writeTo({ has: (n) => c.res.headers.has(n), set: (n, v) => c.header(n, v), append: (n, v) => c.header(n, v, { append: true }) });
   * ```
   */
  writeTo(target: HeaderTarget): void {
    for (const [name, value] of Object.entries(this.headers)) if (!target.has(name)) target.set(name, value);
    for (const cookie of this.cookies) target.append('set-cookie', cookie);
  }
}
