/**
 * The application's hooks into a login — the callback handler and the error view — declared once
 * as data and set on each adapter in its own terms (Express's `(req, res)`, Fastify's `(request,
 * reply)`, Hono's `c`, the fetch adapter's `Request`, the core's `onError` for node:http), so that
 * one suite tests them on every adapter.
 */
import { OpenIDConnect as ExpressOpenIDConnect } from '../../src/express.ts';
import { OpenIDConnect as FastifyOpenIDConnect } from '../../src/fastify.ts';
import { OpenIDConnect as FetchOpenIDConnect } from '../../src/fetch.ts';
import { OpenIDConnect as HonoOpenIDConnect } from '../../src/hono.ts';
import type { LoginResult, OidcError, RequestContext } from '../../src/index.ts';
import { planOf, sendExpress, sendFastify, webAnswer } from './test-answers.ts';
import type { TestAnswer } from './test-routes.ts';

/** A callback handler: the login's result and the request's context; `undefined` keeps the default redirect. */
export type TestCallback = (x: { readonly oidc: RequestContext; readonly result: LoginResult }) => TestAnswer | undefined;

/** An error view: the typed error; `undefined` keeps oidc-kit's page. */
export type TestErrorView = (error: OidcError) => TestAnswer | undefined;

/**
 * Sets the callback handler on a test bed's oidc-kit object, whichever adapter it is. The node:http
 * example adapter has none (it is the core alone): a `TypeError`.
 *
 * @example
 * ```ts
 * setCallback(bed.oidc, ({ result }) => ({ json: { state: result.state } }));
 * ```
 */
export function setCallback(oidc: object, handler: TestCallback): void {
  if (oidc instanceof ExpressOpenIDConnect) {
    oidc.onCallback((req, res, result) => {
      const answer = handler({ oidc: req.oidc, result });
      if (answer !== undefined) sendExpress(res, answer);
    });
  } else if (oidc instanceof FastifyOpenIDConnect) {
    oidc.onCallback((request, reply, result) => {
      const answer = handler({ oidc: request.oidc, result });
      if (answer !== undefined) sendFastify(reply, answer);
    });
  } else if (oidc instanceof HonoOpenIDConnect) {
    oidc.onCallback((c, result) => web(handler({ oidc: c.var.oidc, result })));
  } else if (oidc instanceof FetchOpenIDConnect) {
    oidc.onCallback((_request, result, context) => web(handler({ oidc: context, result })));
  } else {
    throw new TypeError('the node:http example adapter has no callback handler');
  }
}

/**
 * The `onError` option of an adapter, for the error view: each adapter's own signature.
 *
 * @example
 * ```ts
 * const options = { ...coreOptions, ...errorViewOption('hono', view) };
 * ```
 */
export function errorViewOption(adapter: string, view: TestErrorView): { onError: never } {
  const option = adapter === 'express5' || adapter === 'express4'
    ? (error: OidcError, _req: unknown, res: Parameters<typeof sendExpress>[0]) => {
      const answer = view(error);
      if (answer !== undefined) sendExpress(res, answer);
    }
    : adapter === 'fastify'
      ? (error: OidcError, _request: unknown, reply: Parameters<typeof sendFastify>[0]) => {
        const answer = view(error);
        if (answer !== undefined) sendFastify(reply, answer);
      }
      : adapter === 'node-http'
        ? (error: OidcError) => {
          const answer = view(error);
          return answer === undefined ? undefined : planOf(answer);
        }
        : (error: OidcError) => web(view(error));
  // Each adapter's options type has its own onError; the test app hands this to the one it builds.
  return { onError: option as never };
}

function web(answer: TestAnswer | undefined): Response | undefined {
  return answer === undefined ? undefined : webAnswer(answer);
}
