/**
 * The Fastify adapter (Fastify 5): `import { OpenIDConnect } from 'oidc-kit/fastify'`. It holds
 * the core and translates between Fastify and it; every decision is the core's.
 */
import type {
  FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction, preHandlerHookHandler,
} from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { OpenIDConnectOptions } from '../../config/options.ts';
import { checkFunctionArgument } from '../../core/check-functions.ts';
import type { Guard, Verdict } from '../../core/guards/guard.ts';
import type { LoginResult } from '../../core/login-result.ts';
import type { OidcCore } from '../../core/oidc-core.ts';
import type { OidcError } from '../../errors.ts';
import type { RequestContext } from '../../request-context.ts';
import { sendingCore } from '../node/sending-hooks.ts';
import { OidcAdapter } from '../oidc-adapter.ts';
import { FastifyRequestView, FastifyResponseIO, sendPlan } from './fastify-io.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in user and their tokens; set by `oidc.plugin` on every request. */
    oidc: RequestContext;
  }
}

/**
 * Your callback handler: runs after a successful login, with the session already in
 * `request.oidc`, and sends the response. If it sends nothing, the default redirect follows.
 *
 * @example
 * ```ts
 * const handler: FastifyCallbackHandler = async (request, reply, { returnTo }) => { await reply.redirect(returnTo); };
 * ```
 */
export type FastifyCallbackHandler = (request: FastifyRequest, reply: FastifyReply, result: LoginResult) => void | Promise<void>;

/**
 * Your error view: gets the typed error and sends a response; if it sends nothing, oidc-kit's
 * default page follows.
 *
 * @example
 * ```ts
 * const view: FastifyErrorView = async (error, request, reply) => { await reply.code(error.status).send({ code: error.code }); };
 * ```
 */
export type FastifyErrorView = (error: OidcError, request: FastifyRequest, reply: FastifyReply) => void | Promise<void>;

/**
 * The core options, with an `onError` view that receives Fastify's request and reply.
 *
 * @example
 * ```ts
 * const options: FastifyOpenIDConnectOptions = { baseUrl, secret, issuer, clientId, clientSecret, onError: view };
 * ```
 */
export interface FastifyOpenIDConnectOptions extends Omit<OpenIDConnectOptions, 'onError'> {
  /** See {@link FastifyErrorView}. */
  onError?: FastifyErrorView;
}

/**
 * oidc-kit for Fastify 5. `plugin` (made with fastify-plugin, so it reaches every route) opens
 * `request.oidc` in `onRequest` and registers the login, callback and logout routes, whose form
 * bodies it reads itself — your app's content-type parsers are left alone. Guards are hooks; put
 * them in a route's `preHandler` (a form-body token needs the parsed body).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { OpenIDConnect } from 'oidc-kit/fastify';
 *
 * const oidc = new OpenIDConnect({ baseUrl: 'http://localhost:3000', secret, issuer, clientId, clientSecret });
 * const app = Fastify();
 * await app.register(oidc.plugin);
 * app.get('/profile', { preHandler: oidc.requireLogin() }, async (request) => request.oidc.user);
 * app.setErrorHandler(oidc.errorHandler());
 * ```
 */
export class OpenIDConnect extends OidcAdapter<preHandlerHookHandler, FastifyReply> {
  /** The plugin to `register()`: `request.oidc` on every request, and oidc-kit's routes. */
  readonly plugin: FastifyPluginAsync;
  readonly #core: OidcCore<FastifyReply>;
  readonly #callback: { handler?: FastifyCallbackHandler };

  constructor(options: FastifyOpenIDConnectOptions) {
    // The hooks get the reply, which knows its request.
    const { core, callback } = sendingCore(options, (reply: FastifyReply) => [reply.request, reply] as const, '(error, request, reply)');
    super(core);
    this.#core = core;
    this.#callback = callback;
    this.plugin = fastifyPlugin((fastify) => this.#register(fastify), { fastify: '5.x', name: 'oidc-kit' });
  }

  /**
   * The error handler to give `app.setErrorHandler()`: answers the `OidcError`s your handlers let
   * through (e.g. `session_expired` from `await request.oidc.accessToken()`) — browsers are sent
   * to log in again, API clients get 401 JSON, others the error view — and hands every other
   * error back to Fastify's default handling.
   *
   * @example
   * ```ts
   * app.setErrorHandler(oidc.errorHandler());
   * ```
   */
  errorHandler(): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
    const core = this.#core;
    return async (error, request, reply) => {
      const context = request.oidc as RequestContext | null;
      const answer = context === null || reply.sent ? undefined : core.recover(context, error);
      if (answer === undefined) throw error; // on to Fastify's default error handler
      sendPlan(reply, await answer);
      return reply;
    };
  }

  /**
   * Registers your callback handler: it builds the response after every successful login and
   * receives the state given to `request.oidc.login({ state })`.
   *
   * @example
   * ```ts
   * oidc.onCallback(async (request, reply, { state }) => { await reply.redirect(`/cart/${(state as { cart: string }).cart}`); });
   * ```
   */
  onCallback(handler: FastifyCallbackHandler): this {
    checkFunctionArgument('onCallback', handler, '(request, reply, result)');
    this.#callback.handler = handler;
    return this;
  }

  /**
   * A guard as a Fastify hook: go on, answer, or hand the error to Fastify's error handling. An
   * API-only app needs no plugin: its bearer routes open their own context.
   */
  protected wrap(guard: Guard): preHandlerHookHandler {
    const core = this.#core;
    const logger = this.config.logger;
    return function oidcGuard(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      let context = request.oidc as RequestContext | null | undefined;
      if (context == null) {
        context = core.openStandalone(new FastifyRequestView(request), new FastifyResponseIO(reply, logger), reply);
        if (context !== undefined) request.oidc = context;
      }
      const verdict = guard.check(context ?? undefined);
      if (verdict === undefined) done();
      else if (verdict instanceof Promise) verdict.then((settled) => settle(settled, reply, done), done);
      else settle(verdict, reply, done);
    };
  }

  /** The plugin's body: the request decorator, the hook that opens each request, the routes. */
  async #register(fastify: FastifyInstance): Promise<void> {
    const core = this.#core;
    const logger = this.config.logger;
    // Declared up front (one object shape for every request); null until onRequest sets it.
    fastify.decorateRequest('oidc', null as unknown as RequestContext);
    fastify.addHook('onRequest', (request, reply, done) => {
      const opened = core.open(new FastifyRequestView(request), new FastifyResponseIO(reply, logger), reply);
      if (!(opened instanceof Promise)) {
        request.oidc = opened;
        done();
        return;
      }
      opened.then((context) => {
        request.oidc = context;
        done();
      }, done);
    });
    if (core.routes.length === 0) return;
    // oidc-kit's routes in a context of their own: every method (a wrong one gets the core's 405),
    // and no body parser of the app's — the core reads the form bodies it needs from the stream.
    await fastify.register((routes, _options, registered) => {
      routes.removeAllContentTypeParsers();
      routes.addContentTypeParser('*', (_request, _payload, parsed) => parsed(null));
      for (const route of core.routes) {
        routes.all(route.path, async (request, reply) => {
          sendPlan(reply, await core.answer(route, request.oidc));
          return reply;
        });
      }
      registered();
    });
  }
}

function settle(verdict: Verdict, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (verdict === undefined) done();
  else if ('respond' in verdict) sendPlan(reply, verdict.respond);
  else done(verdict.fail);
}
