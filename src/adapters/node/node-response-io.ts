import type { Logger } from '../../config/options.ts';
import type { CookieSink, ResponsePlan } from '../../http.ts';
import type { ResponseIO } from '../../request-context.ts';

/**
 * How the core writes to a framework's response object on Node (Express, Fastify): cookies and
 * headers straight onto it, sent with whatever the application answers, and `send` for the
 * context's `login()`/`logout()`. A framework says how it appends, sets and sends. One object
 * per request, like the request view.
 *
 * @example
 * ```ts
 * class MyResponseIO extends NodeResponseIO {
 *   protected get sent() { return this.res.headersSent; }
 *   protected appendHeader(name: string, value: string) { this.res.appendHeader(name, value); }
 *   protected putHeader(name: string, value: string) { this.res.setHeader(name, value); }
 *   send(plan: ResponsePlan) { … }
 * }
 * ```
 */
export abstract class NodeResponseIO implements ResponseIO {
  readonly #logger: Logger;
  #sink: CookieSink | undefined;

  protected constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Whether the response went out already (its headers can no longer change). */
  protected abstract get sent(): boolean;
  /** Adds a header value beside any of the same name (`set-cookie`). */
  protected abstract appendHeader(name: string, value: string): void;
  /** Sets a header, replacing one of the same name. */
  protected abstract putHeader(name: string, value: string): void;
  /** Sends a whole answer now, unless one was sent. */
  abstract send(plan: ResponsePlan): void;

  /**
   * A function (the core passes it on as a sink), made on first use: most requests set no cookie.
   * A bound method, not an arrow function: with a per-request closure kept in this field, V8 began
   * to allocate request objects straight in the old generation (allocation-site pretenuring) once
   * requests waited on a session store, and every request's objects then outlived the young
   * generation's collections (bench/README.md, fix 17).
   */
  get setCookie(): CookieSink {
    this.#sink ??= this.#appendCookie.bind(this);
    return this.#sink;
  }

  setHeader(name: string, value: string): void {
    if (!this.sent) this.putHeader(name, value);
  }

  #appendCookie(cookie: string): void {
    if (!this.sent) this.appendHeader('set-cookie', cookie);
    else this.#logger.warn('the session changed after the response was sent, so its cookie could not be updated; finish session work (e.g. await the context\'s accessToken()) before sending');
  }
}
