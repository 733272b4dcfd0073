import { OidcError } from '../errors.ts';
import { parseStrictJson, StrictJsonError } from '../jwt/strict-json.ts';

/**
 * A JSON answer of the provider's (UserInfo, introspection), parsed by the same strict rules as
 * every JWT's claims (`parseStrictJson`: no duplicate member, no non-finite number, no lone
 * surrogate, nesting at most 32 deep), so that a plain JSON answer cannot carry what a signed one
 * could not. A refused answer is the provider's fault: a 502 `provider_error` whose reason is
 * `<prefix>_<rule>`, e.g. `introspection_duplicate_member`.
 *
 * @example
 * ```ts
 * const claims = parseProviderJson(await response.text(), 'UserInfo answer', 'userinfo');
 * ```
 */
export function parseProviderJson(text: string, label: string, prefix: string): unknown {
  try {
    return parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof StrictJsonError)) throw error;
    throw new OidcError('provider_error', `The provider's ${label} is refused: ${error.message}`, { reason: `${prefix}_${error.reason}`, cause: error });
  }
}
