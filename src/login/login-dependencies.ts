import type { ResolvedConfig } from '../config/resolved-config.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import type { SessionManager } from '../session/session-manager.ts';
import type { TransactionCookies } from './transaction.ts';

/** The services the login and callback steps use; built once by `OpenIDConnect`. */
export interface LoginDependencies {
  readonly config: ResolvedConfig;
  readonly provider: ProviderClient;
  readonly sessions: SessionManager;
  readonly transactions: TransactionCookies;
  /** Seconds since the epoch. */
  readonly now: () => number;
}
