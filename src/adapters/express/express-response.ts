import type { Response } from 'express';
import type { Logger } from '../../config/options.ts';
import type { ResponsePlan } from '../../http.ts';
import { NodeResponseIO } from '../node/node-response-io.ts';

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
 *
 * @example
 * ```ts
 * const io = new ExpressResponseIO(res, logger);
 * io.setCookie('a=b; Path=/');
 * ```
 */
export class ExpressResponseIO extends NodeResponseIO {
  readonly #res: Response;

  constructor(res: Response, logger: Logger) {
    super(logger);
    this.#res = res;
  }

  protected get sent(): boolean {
    return this.#res.headersSent;
  }

  protected appendHeader(name: string, value: string): void {
    this.#res.appendHeader(name, value);
  }

  protected putHeader(name: string, value: string): void {
    this.#res.setHeader(name, value);
  }

  send(plan: ResponsePlan): void {
    writePlan(this.#res, plan);
  }
}
