import { ConfigurationError } from '../errors.ts';

/**
 * An audience option as a list: one string or a non-empty array of non-empty strings. Both the
 * `resourceServer.audience` option and a route's own `audience` requirement are read with it, so
 * the two accept the same shapes and say the same thing when given something else.
 *
 * @example
 * ```ts
 * audienceList('resourceServer.audience', 'https://api.example.com'); // ['https://api.example.com']
 * audienceList('resourceServer.audience', ['a', 'b']);                 // ['a', 'b']
 * audienceList('resourceServer.audience', []);                         // throws ConfigurationError
 * ```
 */
export function audienceList(option: string, value: unknown): readonly string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : [];
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) {
    throw new ConfigurationError(option, 'must be a non-empty string (e.g. "https://api.example.com") or an array of them.');
  }
  return list as string[];
}
