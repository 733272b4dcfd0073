/**
 * The answer of an application handler behind guards, for the adapters whose handlers return a
 * `Response` (the fetch adapter's and Hono's `handler()`): guards in order, then the handler, the
 * pending cookies added to whichever answers. It stays synchronous while the guards and the handler
 * answer at once (a cached session or token), so the server sends without waiting for a promise.
 */
import { FetchRequestView } from '../../core/fetch-request-view.ts';
import { checkGuards } from '../../core/guards/guard-chain.ts';
import type { Guard, Verdict } from '../../core/guards/guard.ts';
import type { OidcCore } from '../../core/oidc-core.ts';
import { PendingWrites, planResponse } from '../../core/pending-writes.ts';
import type { ResponsePlan } from '../../http.ts';
import type { RequestContext } from '../../request-context.ts';
import type { WebExchange } from './web-hooks.ts';

/** One guarded request: the core, the request's context and the writes to flush into its answer. */
export interface GuardedRequest {
  readonly core: Pick<OidcCore<unknown>, 'recover'>;
  readonly context: RequestContext;
  /** `undefined` when someone else flushes them (Hono's app-wide middleware opened the context). */
  readonly pending: PendingWrites | undefined;
}

/**
 * Opens the request's context, then answers as {@link answerGuarded} does, with the writes of this
 * request: what a handler that opens its own context does (the fetch adapter's, Hono's without
 * `middleware()`). Synchronous while opening is (a session or token found in the cache).
 *
 * @example
 * ```ts
 * return openAndAnswer(core, request, request, guards, (context) => handler(request, context));
 * ```
 */
export function openAndAnswer<N>(core: OidcCore<WebExchange<N>>, request: Request, native: N, guards: readonly Guard[], handler: (context: RequestContext) => Response | Promise<Response>): Response | Promise<Response> {
  const pending = new PendingWrites();
  const opened = core.open(new FetchRequestView(request), pending, { native, pending });
  const answer = (context: RequestContext): Response | Promise<Response> => answerGuarded({ core, context, pending }, guards, () => handler(context));
  return opened instanceof Promise ? opened.then(answer) : answer(opened);
}

/**
 * Checks `guards`, then calls `handler`: a guard's answer or the handler's response, with the
 * pending cookies. An `OidcError` from a guard or the handler becomes its answer (`core.recover`);
 * any other error is thrown on, to the framework's error handling.
 *
 * @example
 * ```ts
 * return answerGuarded({ core, context, pending }, guards, () => handler(request, context));
 * ```
 */
export function answerGuarded(request: GuardedRequest, guards: readonly Guard[], handler: () => Response | Promise<Response>): Response | Promise<Response> {
  try {
    const verdict = checkGuards(guards, request.context);
    const answer = verdict instanceof Promise ? verdict.then((settled) => afterGuards(request, settled, handler)) : afterGuards(request, verdict, handler);
    return answer instanceof Promise ? answer.catch((error: unknown) => recovered(request, error)) : answer;
  } catch (error) {
    return recovered(request, error);
  }
}

function afterGuards(request: GuardedRequest, verdict: Verdict, handler: () => Response | Promise<Response>): Response | Promise<Response> {
  if (verdict !== undefined) {
    if ('respond' in verdict) return withPending(request, verdict.respond);
    throw verdict.fail;
  }
  const response = handler();
  // The handler may write too (a refreshed session's cookie): look at the writes once it answered.
  const { pending } = request;
  if (pending === undefined) return response;
  return response instanceof Promise ? response.then((settled) => pending.applyTo(settled)) : pending.applyTo(response);
}

function recovered(request: GuardedRequest, error: unknown): Promise<Response> {
  const answer = request.core.recover(request.context, error);
  if (answer === undefined) throw error;
  return answer.then((plan) => withPending(request, plan));
}

function withPending(request: GuardedRequest, plan: ResponsePlan): Response {
  return request.pending === undefined ? planResponse(plan) : request.pending.toResponse(plan);
}
