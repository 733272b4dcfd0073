import type { Response } from 'express';
import type { Logger } from '../../config/options.ts';
import type { CookieSink, ResponsePlan } from '../../http.ts';
import type { ResponseIO } from '../../request-context.ts';

/**
 * Sends a plan on an Express response, unless the application (an error view, a callback
 * handler) already sent one.
 *
 * @example
 * ```ts
 * writePlan(res, { status: 303, headers: { location: '/' } });
 * ```
 */
export function writePlan(res: Response, plan: ResponsePlan): void {
  if (res.headersSent) return;
  res.statusCode = plan.status;
  for (const [name, value] of Object.entries(plan.headers)) res.setHeader(name, value);
  res.end(plan.body);
}

/**
 * How the core writes to an Express response: cookies and headers straight onto it (Express sends
 * them with whatever the application answers), and `send` for `req.oidc.login()`/`logout()`.
 * One object per request, like the request view.
 *
 * @example
 * ```ts
 * const io = new ExpressResponseIO(res, logger);
 * io.setCookie('a=b; Path=/');
 * ```
 */
export class ExpressResponseIO implements ResponseIO {
  readonly #res: Response;
  readonly #logger: Logger;
  #sink: CookieSink | undefined;

  constructor(res: Response, logger: Logger) {
    this.#res = res;
    this.#logger = logger;
  }

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

  #appendCookie(cookie: string): void {
    if (!this.#res.headersSent) this.#res.appendHeader('set-cookie', cookie);
    else this.#logger.warn('the session changed after the response was sent, so its cookie could not be updated; finish session work (e.g. await req.oidc.accessToken()) before sending');
  }

  send(plan: ResponsePlan): void {
    writePlan(this.#res, plan);
  }

  setHeader(name: string, value: string): void {
    if (!this.#res.headersSent) this.#res.setHeader(name, value);
  }
}
