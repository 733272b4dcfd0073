/**
 * A complete oidc-kit adapter for bare `node:http`, as docs/architecture.md walks through it: a
 * request view, where the core writes, one function that turns guards into a handler, and one that
 * answers the library's routes and recovers from errors. The core decides everything else.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Guard, OidcCore, RequestContext, RequestView, ResponseIO, ResponsePlan } from '../../src/index.ts';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, oidc: RequestContext) => unknown;

const viewOf = (req: IncomingMessage): RequestView => ({
  method: req.method ?? 'GET',
  url: req.url ?? '/',
  header: (name) => [req.headers[name]].flat().join(', ') || undefined,
  // Node keeps one Authorization header of several; the core must see that there were two.
  headerCount: (name) => req.rawHeaders.filter((header, i) => i % 2 === 0 && header.toLowerCase() === name).length,
  readBody: async (maxBytes) => {
    const chunks: Buffer[] = [];
    let size = 0; // read to the end (so that an answer can follow), keep no more than maxBytes
    for await (const chunk of req as AsyncIterable<Buffer>) if ((size += chunk.length) <= maxBytes) chunks.push(chunk);
    return size > maxBytes ? undefined : Buffer.concat(chunks).toString('utf8');
  },
});

const send = (res: ServerResponse, plan: ResponsePlan): void => {
  if (!res.headersSent) res.writeHead(plan.status, plan.headers).end(plan.body);
};

const ioOf = (res: ServerResponse): ResponseIO => ({
  setCookie: (cookie) => res.appendHeader('set-cookie', cookie),
  setHeader: (name, value) => res.setHeader(name, value),
  send: (plan) => send(res, plan),
});

/** The `node:http` request listener: oidc-kit's routes, then `app` with the request's context. */
export function listener(core: OidcCore<IncomingMessage>, app: NodeHandler) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const view = viewOf(req);
    const oidc = await core.open(view, ioOf(res), req);
    const route = core.route(view);
    try {
      await (route === undefined ? app(req, res, oidc) : core.answer(route, oidc).then((plan) => send(res, plan)));
    } catch (error) {
      const answer = core.recover(oidc, error);
      send(res, answer === undefined ? { status: 500, headers: {} } : await answer);
    }
  };
}

/** `handler` behind guards: each guard lets the request on, answers it, or throws its error. */
export function guarded(guards: readonly Guard[], handler: NodeHandler): NodeHandler {
  return async (req, res, oidc) => {
    for (const guard of guards) {
      const verdict = await guard.check(oidc);
      if (verdict !== undefined && 'respond' in verdict) return send(res, verdict.respond);
      if (verdict !== undefined) throw verdict.fail;
    }
    return handler(req, res, oidc);
  };
}
