/**
 * Guards checked in order, as every adapter that runs a list of them (the fetch adapter's and Hono's
 * `handler()`) needs: the first verdict that is not "go on" wins. Synchronous while every guard
 * answers at once, so a cached session or token costs no promise.
 */
import type { RequestContext } from '../../request-context.ts';
import type { Guard, Verdict } from './guard.ts';

/**
 * The first verdict of `guards` on `context` that is not `undefined` (go on), or `undefined` when
 * all let the request through. A guard that answers with a promise makes the rest wait for it.
 *
 * @example
 * ```ts
 * const verdict = checkGuards([core.requireLogin(), core.requireRole('admin')], context);
 * const settled = verdict instanceof Promise ? await verdict : verdict;
 * ```
 */
export function checkGuards(guards: readonly Guard[], context: RequestContext | undefined, from = 0): Verdict | Promise<Verdict> {
  for (let index = from; index < guards.length; index += 1) {
    const checked = guards[index]!.check(context);
    if (checked instanceof Promise) {
      return checked.then((verdict) => (verdict === undefined ? checkGuards(guards, context, index + 1) : verdict));
    }
    if (checked !== undefined) return checked;
  }
  return undefined;
}
