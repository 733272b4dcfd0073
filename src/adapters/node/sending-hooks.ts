/**
 * The hooks of the adapters whose application code sends the response itself (Express, Fastify):
 * the callback handler and error view get the framework's request and response and send on them;
 * when they send nothing, the core's default answer follows.
 */
import { checkFunctionOption } from '../../core/check-functions.ts';
import type { OpenIDConnectOptions } from '../../config/options.ts';
import type { CoreHooks } from '../../core/core-services.ts';
import { OidcCore } from '../../core/oidc-core.ts';
import type { LoginResult } from '../../core/login-result.ts';
import type { OidcError } from '../../errors.ts';

/**
 * A callback handler that sends on the framework's response (or sends nothing: the default
 * redirect follows). The adapters spell their own out (Express's `CallbackHandler`, …), so that
 * the API reference shows the signature; this one keeps them alike.
 */
export type SendingCallbackHandler<Req, Res> = (req: Req, res: Res, result: LoginResult) => void | Promise<void>;

/** An error view that sends on the framework's response (or sends nothing: oidc-kit's page follows). */
export type SendingErrorView<Req, Res> = (error: OidcError, req: Req, res: Res) => void | Promise<void>;

/**
 * The core of a sending adapter, built from its options (`onError` in the adapter's own terms), and
 * the holder of the callback handler that `onCallback()` sets later. `exchange` gives the request
 * and response of the native object the adapter passes to `open()`.
 *
 * @example
 * ```ts
 * const { core, callback } = sendingCore(options, (req: Request) => [req, req.res!], '(error, req, res)');
 * ```
 */
export function sendingCore<N, Req, Res>(
  options: Omit<OpenIDConnectOptions, 'onError'> & { readonly onError?: SendingErrorView<Req, Res> | undefined },
  exchange: (native: N) => readonly [Req, Res],
  errorViewArguments: string,
): { core: OidcCore<N>; callback: { handler?: SendingCallbackHandler<Req, Res> } } {
  const { onError, ...coreOptions } = options;
  const callback: { handler?: SendingCallbackHandler<Req, Res> } = {};
  return { core: new OidcCore<N>(coreOptions, sendingHooks(callback, onError, exchange, errorViewArguments)), callback };
}

/**
 * The core hooks of a sending adapter. `exchange` gives the request and response of the native
 * object the adapter passes to `open()`; `callback` holds the handler `onCallback()` registers later.

 */
function sendingHooks<N, Req, Res>(
  callback: { readonly handler?: SendingCallbackHandler<Req, Res> },
  onError: SendingErrorView<Req, Res> | undefined,
  exchange: (native: N) => readonly [Req, Res],
  errorViewArguments: string,
): CoreHooks<N> {
  checkFunctionOption('onError', onError, errorViewArguments);
  return {
    onLoginComplete: async (_context, result, native) => {
      const handler = callback.handler;
      if (handler !== undefined) await handler(...exchange(native), result);
      return undefined; // the adapter's send skips a response the handler sent
    },
    ...(onError === undefined ? {} : {
      renderError: async (error, _context, native) => {
        await onError(error, ...exchange(native));
        return undefined;
      },
    }),
  };
}
