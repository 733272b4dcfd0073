/**
 * The Express adapter (Express 4 and 5): `import { OpenIDConnect } from 'oidc-kit/express'`.
 * It only translates between Express and the core; every decision is the core's.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ResponsePlan, RequestView } from './http.ts';
import { OpenIDConnect as CoreOpenIDConnect, type RequireLoginOptions } from './openid-connect.ts';
import type { RequestContext, ResponseIO } from './request-context.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The logged-in user and their tokens; set by `oidc.middleware()`. */
      oidc: RequestContext;
    }
  }
}

/**
 * oidc-kit for Express. `middleware()` mounts the login, callback and logout routes and puts
 * `req.oidc` on every request; `requireLogin()` protects a route.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { OpenIDConnect } from 'oidc-kit/express';
 *
 * const oidc = new OpenIDConnect({
 *   baseUrl: 'http://localhost:3000',
 *   secret: process.env.SESSION_SECRET!,
 *   issuer: 'https://accounts.example.com',
 *   clientId: 'my-app',
 *   clientSecret: process.env.OIDC_CLIENT_SECRET!,
 * });
 * const app = express();
 * app.use(oidc.middleware());
 * app.get('/profile', oidc.requireLogin(), (req, res) => res.json(req.oidc.user));
 * ```
 */
export class OpenIDConnect extends CoreOpenIDConnect {
  /**
   * The middleware to `app.use()` before your routes: answers `/login`, `/callback` and `/logout`
   * (paths configurable) and sets `req.oidc` for everything else.
   */
  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      this.createContext(requestView(req), this.#responseIO(res))
        .then(async (context) => {
          req.oidc = context;
          const plan = await this.handleRoute(context);
          if (plan === undefined) next();
          else writePlan(res, plan);
        })
        .catch(next);
    };
  }

  /**
   * Protects a route: a logged-in request goes on; a browser is sent to log in and brought back to
   * the page it asked for; a request that wants JSON gets 401 (see {@link RequireLoginOptions}).
   *
   * @example
   * ```ts
   * app.get('/api/private', oidc.requireLogin({ unauthenticated: 'status' }), handler);
   * ```
   */
  requireLogin(options: RequireLoginOptions = {}): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (!(req as Partial<Request>).oidc) {
        next(new Error('oidc-kit: requireLogin() needs app.use(oidc.middleware()) before the route.'));
        return;
      }
      const pending = this.guardLogin(req.oidc, options);
      if (pending === undefined) {
        next();
        return;
      }
      pending.then((plan) => writePlan(res, plan), next);
    };
  }

  #responseIO(res: Response): ResponseIO {
    return {
      setCookie: (cookie) => {
        if (!res.headersSent) res.appendHeader('set-cookie', cookie);
        else this.config.logger.warn('the session changed after the response was sent, so its cookie could not be updated; finish session work (e.g. await req.oidc.accessToken()) before sending');
      },
      send: (plan) => writePlan(res, plan),
    };
  }
}

export type { RequireLoginOptions } from './openid-connect.ts';
export type { RequestContext } from './request-context.ts';

function requestView(req: Request): RequestView {
  return {
    method: req.method,
    url: req.originalUrl,
    header(name) {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}


function writePlan(res: Response, plan: ResponsePlan): void {
  if (res.headersSent) return;
  res.statusCode = plan.status;
  for (const [name, value] of Object.entries(plan.headers)) res.setHeader(name, value);
  res.end(plan.body);
}
