import { OidcError } from '../errors.ts';

/**
 * Dynamic client registration failed (Flask-OIDC: `RegistrationError`). An {@link OidcError} with
 * code `registration_failed` (502) that also carries, under the names Flask-OIDC used, the
 * provider's OAuth `error` (`invalid_redirect_uri`, `invalid_client_metadata`, `invalid_token` …)
 * and `error_description`, and the HTTP status of its answer. `error` is undefined when the provider
 * did not refuse but cannot register at all, or registered a client oidc-kit will not use (`reason`).
 *
 * @example
 * ```ts
 * try { await registerClient(metadata, ['https://app.example.com/callback']); }
 * catch (e) { if (e instanceof RegistrationError) console.error(e.error, e.errorDescription); }
 * ```
 */
export class RegistrationError extends OidcError {
  /** `'RegistrationError'`. */
  override readonly name: string = 'RegistrationError';
  /** HTTP status of the provider's answer, when it answered. */
  readonly httpStatus: number | undefined;

  constructor(message: string, details: { error?: string; errorDescription?: string; httpStatus?: number; reason?: string; cause?: unknown } = {}) {
    super('registration_failed', message, {
      ...(details.error === undefined ? {} : { oauthError: details.error }),
      ...(details.errorDescription === undefined ? {} : { oauthErrorDescription: details.errorDescription }),
      ...(details.reason === undefined ? {} : { reason: details.reason }),
      ...(details.cause === undefined ? {} : { cause: details.cause }),
    });
    this.httpStatus = details.httpStatus;
  }

  /** The provider's OAuth error code (Registration §3.3), e.g. `invalid_redirect_uri`. */
  get error(): string | undefined {
    return this.oauthError;
  }

  /** The provider's `error_description`. Untrusted text: escape it before rendering. */
  get errorDescription(): string | undefined {
    return this.oauthErrorDescription;
  }
}
