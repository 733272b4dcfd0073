import type { ResolvedConfig } from '../config/resolved-config.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import type { SessionManager } from '../session/session-manager.ts';
import type { TransactionCookies } from './transaction.ts';

/** The services the login and callback steps use; built once by `OpenIDConnect`. */
export interface LoginDependencies {
  readonly config: ResolvedConfig;
  /** The configured provider of that name; throws an `OidcError` (`provider_unknown`) for any other name. */
  provider(name: string): ProviderClient;
  readonly sessions: SessionManager;
  readonly transactions: TransactionCookies;
  /** Seconds since the epoch. */
  readonly now: () => number;
}
