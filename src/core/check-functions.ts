/**
 * Checks an adapter's function option (`onError`, …) at start-up, with one message for every
 * adapter: `TypeError: oidc-kit: invalid option \`onError\`: must be a function (error, req, res).`
 *
 * @example
 * ```ts
 * checkFunctionOption('onError', options.onError, '(error, req, res)');
 * ```
 */
export function checkFunctionOption(name: string, value: unknown, signature: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`oidc-kit: invalid option \`${name}\`: must be a function ${signature}.`);
  }
}

/**
 * Checks a function handed to an adapter's registration method (`onCallback`, …), with one message
 * for every adapter: `TypeError: oidc-kit: onCallback() needs a function (req, res, result).`
 *
 * @example
 * ```ts
 * checkFunctionArgument('onCallback', handler, '(req, res, result)');
 * ```
 */
export function checkFunctionArgument(method: string, value: unknown, signature: string): void {
  if (typeof value !== 'function') throw new TypeError(`oidc-kit: ${method}() needs a function ${signature}.`);
}
