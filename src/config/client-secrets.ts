import { ConfigurationError } from '../errors.ts';
import { readTextFile } from '../platform/read-text-file.ts';

/**
 * The client registration block of a Flask-OIDC `client_secrets.json` (Google's format), as
 * written by Flask-OIDC's `oidc-register`.
 *
 * @example
 * ```ts
 * const entry: ClientSecretsEntry = { client_id: 'my-app', client_secret: process.env.OIDC_CLIENT_SECRET!, issuer: 'https://accounts.example.com' };
 * new OpenIDConnect({ baseUrl, secret, clientSecrets: { web: entry } });
 * ```
 */
export interface ClientSecretsEntry {
  /** The client id (the `clientId` option wins over it). Required. */
  client_id: string;
  /** The client secret (the `clientSecret` option wins over it); `null` for a client without one. */
  client_secret?: string | null;
  /** The provider's issuer. Required, unless the `issuer` option or `providerMetadata.issuer` gives it. */
  issuer?: string;
  /** The authorization endpoint; wins over the discovered one. */
  auth_uri?: string;
  /** The token endpoint; wins over the discovered one. */
  token_uri?: string;
  /** The UserInfo endpoint; wins over the discovered one. */
  userinfo_uri?: string;
  /** The introspection endpoint, for opaque bearer tokens. */
  token_introspection_uri?: string;
  /** Informational only: the redirect URI is `baseUrl` + `routes.callback`, or the `redirectUri` option. */
  redirect_uris?: string[];
  [other: string]: unknown;
}

/**
 * A whole `client_secrets.json`: one top-level key, `web` (or `installed`), holding the entry.
 *
 * @example
 * ```ts
 * // Where there is no file system (Workers), pass the file's content:
 * const clientSecrets = JSON.parse(env.CLIENT_SECRETS_JSON) as ClientSecretsFile;
 * new OpenIDConnect({ baseUrl, secret, clientSecrets });
 * ```
 */
export interface ClientSecretsFile {
  /** The entry, under the key Flask-OIDC and `oidc-kit register` write. */
  web?: ClientSecretsEntry;
  /** The entry of an "installed application" file, read when there is no `web`. */
  installed?: ClientSecretsEntry;
}

const OPTION = 'clientSecrets';

/**
 * Reads a Flask-OIDC `client_secrets.json` from a path or an already-parsed object and returns its
 * entry. Fails at start-up, naming the problem, when the file is missing, not JSON, or incomplete.
 *
 * @example
 * ```ts
 * const entry = loadClientSecrets('client_secrets.json');
 * entry.client_id; // 'my-app'
 * ```
 */
export function loadClientSecrets(source: string | ClientSecretsFile): ClientSecretsEntry {
  let parsed: unknown = source;
  if (typeof source === 'string') {
    let text: string | undefined;
    try {
      text = readTextFile(source);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'it cannot be read';
      throw new ConfigurationError(OPTION, `${reason}: ${source}. Give the path of a client_secrets.json (Flask-OIDC's format).`);
    }
    if (text === undefined) {
      throw new ConfigurationError(OPTION, `this runtime has no file system to read ${source} from; pass the file's parsed content instead (clientSecrets: { web: { … } }).`);
    }
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigurationError(OPTION, `${source} is not valid JSON.`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new ConfigurationError(OPTION, 'expected an object like { "web": { "client_id": …, "client_secret": …, "issuer": … } }.');
  }
  const file = parsed as ClientSecretsFile;
  const entry = file.web ?? file.installed;
  if (typeof entry !== 'object' || entry === null) {
    throw new ConfigurationError(OPTION, 'the file has no "web" (or "installed") key; Flask-OIDC client secrets look like { "web": { "client_id": …, "client_secret": …, "issuer": … } }.');
  }
  if (typeof entry.client_id !== 'string' || entry.client_id === '') {
    throw new ConfigurationError(OPTION, 'the "web" entry has no "client_id".');
  }
  for (const key of ['client_secret', 'issuer', 'auth_uri', 'token_uri', 'userinfo_uri', 'token_introspection_uri'] as const) {
    const value = entry[key];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new ConfigurationError(OPTION, `"web.${key}" must be a string.`);
    }
  }
  return entry;
}

/**
 * The `client_secrets.json` content for a registered client, in the format Flask-OIDC's
 * `oidc-register` writes (so Flask-OIDC reads it too) plus the members oidc-kit uses:
 * `token_endpoint_auth_method` (the method registered) and, when present, the registration access
 * token and URI (RFC 7592). Write it with mode 0600: it holds secrets.
 *
 * @example
 * ```ts
 * const file = clientSecretsFor(metadata, await registerClient(metadata, ['https://app.example.com/callback']));
 * writeFileSync('client_secrets.json', JSON.stringify(file, null, 2), { mode: 0o600 });
 * ```
 */
export function clientSecretsFor(
  metadata: { issuer: string; authorization_endpoint?: string; token_endpoint?: string; userinfo_endpoint?: string; introspection_endpoint?: string },
  registered: { client_id: string; client_secret?: string; redirect_uris: string[]; token_endpoint_auth_method: string; [member: string]: unknown },
): {
  /** The entry, under the key Flask-OIDC reads. */
  web: ClientSecretsEntry;
} {
  const entry: ClientSecretsEntry = {
    client_id: registered.client_id,
    client_secret: registered.client_secret ?? null,
    issuer: metadata.issuer,
    redirect_uris: registered.redirect_uris,
    token_endpoint_auth_method: registered.token_endpoint_auth_method,
  };
  if (metadata.authorization_endpoint !== undefined) entry.auth_uri = metadata.authorization_endpoint;
  if (metadata.token_endpoint !== undefined) entry.token_uri = metadata.token_endpoint;
  if (metadata.userinfo_endpoint !== undefined) entry.userinfo_uri = metadata.userinfo_endpoint;
  if (metadata.introspection_endpoint !== undefined) entry.token_introspection_uri = metadata.introspection_endpoint;
  for (const member of ['client_secret_expires_at', 'registration_access_token', 'registration_client_uri'] as const) {
    if (registered[member] !== undefined) entry[member] = registered[member];
  }
  return { web: entry };
}
