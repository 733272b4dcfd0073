import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { clientSecretsFor } from '../config/client-secrets.ts';
import { discover } from '../provider/discover.ts';
import { registerClient, type ClientRegistrationMetadata } from '../registration/register-client.ts';
import { milliseconds, parseCommandLine, reaching, UsageError, type CliCommand } from './cli-io.ts';

const HELP = `Usage: oidc-kit register <issuer> <redirect_uri>... [options]

Registers a client at the provider with OpenID Connect Dynamic Client Registration and writes its
credentials to a client_secrets.json that oidc-kit (clientSecrets option) and Flask-OIDC both read.
The issuer is discovered and checked first. The client type is deduced from the redirect URIs as
Flask-OIDC's oidc-register does: https → web; http://localhost → native.

Options:
  -o, --output <file>               where to write (default client_secrets.json); never overwritten without --force
  -f, --force                       overwrite the output file if it exists
  -n, --name <name>                 the client_name to register
  -t, --initial-access-token <tok>  the token the provider requires to register, if any
                                    (or the environment variable OIDC_INITIAL_ACCESS_TOKEN, which stays out of ps)
      --auth-method <method>        client_secret_post (default, as oidc-register: Flask-OIDC always posts
                                    the secret) or client_secret_basic
      --application-type <type>     web or native, instead of deducing it
      --post-logout-redirect-uri <uri>  may be repeated
      --backchannel-logout-uri <uri>
      --contact <email>             may be repeated
      --client-credentials          also allow the client credentials grant (so oidc-kit token can use the file)
      --json                        print what was registered as JSON (without the secret)
      --timeout <ms>                how long to wait for the provider (default 5000)
  -h, --help                        show this help

The file is written with mode 600: it holds the client secret (and the registration access token).
Exit codes: 0 registered and written; 1 the provider refused or cannot be reached, or the file
exists; 2 usage error.

Example:
  oidc-kit register https://accounts.example.com https://app.example.com/callback --name "My app"
`;

/** `oidc-kit register`: registers a client and writes client_secrets.json (Flask-OIDC: oidc-register). */
export const registerCommand: CliCommand = {
  name: 'register',
  summary: 'register a client with dynamic registration and write client_secrets.json',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine('register', args, {
      output: { type: 'string', short: 'o' },
      force: { type: 'boolean', short: 'f' },
      name: { type: 'string', short: 'n' },
      'initial-access-token': { type: 'string', short: 't' },
      'auth-method': { type: 'string' },
      'application-type': { type: 'string' },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
      contact: { type: 'string', multiple: true },
      'client-credentials': { type: 'boolean' },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
    });
    if (values.help === true) return io.out(HELP);
    const [issuer, ...redirectUris] = positionals;
    if (issuer === undefined || redirectUris.length === 0) {
      throw new UsageError('register needs the issuer and at least one redirect URI', 'register');
    }
    const authMethod = values['auth-method'] ?? 'client_secret_post';
    if (authMethod !== 'client_secret_post' && authMethod !== 'client_secret_basic') {
      throw new UsageError('--auth-method must be client_secret_post or client_secret_basic', 'register');
    }
    const applicationType = values['application-type'];
    if (applicationType !== undefined && applicationType !== 'web' && applicationType !== 'native') {
      throw new UsageError('--application-type must be web or native', 'register');
    }
    const timeout = milliseconds('register', 'timeout', values.timeout, 5000);
    const output = values.output ?? 'client_secrets.json';

    const metadata: ClientRegistrationMetadata = { token_endpoint_auth_method: authMethod };
    if (applicationType !== undefined) metadata.application_type = applicationType;
    if (values.name !== undefined) metadata.client_name = values.name;
    if (values.contact !== undefined) metadata.contacts = values.contact;
    if (values['post-logout-redirect-uri'] !== undefined) metadata.post_logout_redirect_uris = values['post-logout-redirect-uri'];
    if (values['backchannel-logout-uri'] !== undefined) metadata.backchannel_logout_uri = values['backchannel-logout-uri'];
    if (values['client-credentials'] === true) metadata.grant_types = ['authorization_code', 'refresh_token', 'client_credentials'];
    // Refuse before registering: a client created at the provider and then not written anywhere
    // would be an orphan (Flask-OIDC's oidc-register checked first too).
    if (values.force !== true && existsSync(output)) {
      throw new Error(`${output} already exists; use --force to overwrite it, or --output to write elsewhere`);
    }
    const initialAccessToken = values['initial-access-token'] ?? nonEmpty(io.env['OIDC_INITIAL_ACCESS_TOKEN']);

    let registered;
    let provider;
    try {
      provider = await reaching(issuer, discover(issuer, { timeout }));
      const options = { timeout, ...(initialAccessToken === undefined ? {} : { initialAccessToken }) };
      registered = await reaching(provider.registration_endpoint ?? issuer, registerClient(provider, redirectUris, metadata, options));
    } catch (error) {
      // Bad redirect URIs or metadata are the command line's fault.
      if (error instanceof TypeError) throw new UsageError(error.message, 'register');
      throw error;
    }
    const file = `${JSON.stringify(clientSecretsFor(provider, registered), null, 2)}\n`;
    try {
      // 'wx' fails if the file appeared meanwhile, in the same system call that creates it.
      await writeFile(output, file, { mode: 0o600, flag: values.force === true ? 'w' : 'wx' });
      // `mode` applies only to a file being created: an overwritten one keeps its own, so set it.
      await chmod(output, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const problem = code === 'EEXIST' ? `${output} already exists; use --force to overwrite it, or --output to write elsewhere` : `cannot write ${output} (${code ?? 'error'})`;
      // The client now exists at the provider: say which, so it can be found and removed.
      throw new Error(`registered client ${registered.client_id}, but ${problem}`, { cause: error });
    }
    if (values.json === true) {
      io.out(`${JSON.stringify({
        client_id: registered.client_id,
        issuer: provider.issuer,
        redirect_uris: registered.redirect_uris,
        token_endpoint_auth_method: registered.token_endpoint_auth_method,
        client_secret_expires_at: registered.client_secret_expires_at ?? 0,
        output,
      }, null, 2)}\n`);
    } else {
      io.out(`Registered client ${registered.client_id} at ${provider.issuer}; wrote ${output}.\n`);
    }
  },
};

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
