import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../errors.ts';

/**
 * The client registration block of a Flask-OIDC `client_secrets.json` (Google's format), as
 * written by Flask-OIDC's `oidc-register`.
 */
export interface ClientSecretsEntry {
  client_id: string;
  client_secret?: string | null;
  issuer?: string;
  auth_uri?: string;
  token_uri?: string;
  userinfo_uri?: string;
  token_introspection_uri?: string;
  redirect_uris?: string[];
  [other: string]: unknown;
}

/** A whole `client_secrets.json`: one top-level key, `web` (or `installed`), holding the entry. */
export interface ClientSecretsFile {
  web?: ClientSecretsEntry;
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
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'it cannot be read';
      throw new ConfigurationError(OPTION, `${reason}: ${source}. Give the path of a client_secrets.json (Flask-OIDC's format).`);
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
