import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../config/options.ts';
import type { ResponsePlan } from '../../http.ts';
import { NodeRequestView } from '../node/node-request-view.ts';
import { NodeResponseIO } from '../node/node-response-io.ts';

/**
 * The core's view of a Fastify request: Node's, with the body Fastify's parsers made (on
 * oidc-kit's own routes none did: the core reads the stream).
 *
 * @example
 * ```ts
 * const view = new FastifyRequestView(request);
 * ```
 */
export class FastifyRequestView extends NodeRequestView {
  readonly #request: FastifyRequest;

  constructor(request: FastifyRequest) {
    super(request.raw);
    this.#request = request;
  }

  override get url(): string {
    return this.#request.url;
  }

  protected override parsedBody(): unknown {
    return this.#request.body;
  }
}

/**
 * Sends a plan on a Fastify reply, unless the application (an error view, a callback handler)
 * already sent one. A redirect goes through Fastify 5's `reply.redirect(url, code)`.
 *
 * @example
 * ```ts
 * sendPlan(reply, { status: 303, headers: { location: '/' } });
 * ```
 */
export function sendPlan(reply: FastifyReply, plan: ResponsePlan): void {
  if (reply.sent) return;
  const { location, ...headers } = plan.headers;
  reply.headers(headers);
  if (location !== undefined && plan.body === undefined) void reply.redirect(location, plan.status);
  else void reply.code(plan.status).headers(location === undefined ? {} : { location }).send(plan.body);
}

/**
 * How the core writes to a Fastify reply: cookies (Fastify appends every `set-cookie`) and headers
 * onto it, sent with whatever the application answers, and `send` for `request.oidc.login()`.
 *
 * @example
 * ```ts
 * const io = new FastifyResponseIO(reply, logger);
 * ```
 */
export class FastifyResponseIO extends NodeResponseIO {
  readonly #reply: FastifyReply;

  constructor(reply: FastifyReply, logger: Logger) {
    super(logger);
    this.#reply = reply;
  }

  protected get sent(): boolean {
    return this.#reply.sent;
  }

  protected appendHeader(name: string, value: string): void {
    void this.#reply.header(name, value);
  }

  protected putHeader(name: string, value: string): void {
    void this.#reply.header(name, value);
  }

  send(plan: ResponsePlan): void {
    sendPlan(this.#reply, plan);
  }
}
