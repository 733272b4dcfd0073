import type { OpenIDConnectOptions } from '../config/options.ts';
import { OidcCore } from '../core/oidc-core.ts';
import { milliseconds, parseCommandLine, reaching, UsageError, type CliCommand } from './cli-io.ts';

const HELP = `Usage: oidc-kit token (--client-secrets <file> | --issuer <url> --client-id <id>) [options]

Gets an access token with the client credentials grant (for trying an API) and prints it, so that
TOKEN=$(oidc-kit token …) works. The client secret comes from the client_secrets.json, from
--client-secret, or from the environment variable OIDC_CLIENT_SECRET (which stays out of ps).

Options:
  -c, --client-secrets <file>   a client_secrets.json (as written by oidc-kit register)
      --issuer <url>            the provider's issuer (instead of --client-secrets)
      --client-id <id>          the client id (instead of --client-secrets)
      --client-secret <secret>  the client secret (prefer OIDC_CLIENT_SECRET)
      --auth-method <method>    client_secret_basic or client_secret_post (default: the file's, else basic)
  -s, --scope <scopes>          the scopes to ask for, space-separated
  -a, --audience <aud>          the audience to ask for (Auth0 style)
  -r, --resource <uri>          the resource indicator to ask for (RFC 8707); may be repeated
      --json                    print the whole answer as JSON (token, type, expiry, scope)
      --timeout <ms>            how long to wait for the provider (default 5000)
  -h, --help                    show this help

Exit codes: 0 a token was printed; 1 the provider refused or cannot be reached; 2 usage error.

Example:
  curl -H "Authorization: Bearer $(oidc-kit token -c client_secrets.json -s 'read')" https://api.example.com/
`;

/** `oidc-kit token`: the client credentials grant from the command line (Flask-pyoidc: client_credentials_grant). */
export const tokenCommand: CliCommand = {
  name: 'token',
  summary: 'get an access token with the client credentials grant',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine('token', args, {
      'client-secrets': { type: 'string', short: 'c' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'auth-method': { type: 'string' },
      scope: { type: 'string', short: 's' },
      audience: { type: 'string', short: 'a' },
      resource: { type: 'string', short: 'r', multiple: true },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
    });
    if (values.help === true) return io.out(HELP);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]!}"`, 'token');
    const file = values['client-secrets'];
    if (file === undefined && (values.issuer === undefined || values['client-id'] === undefined)) {
      throw new UsageError('give --client-secrets <file>, or --issuer and --client-id', 'token');
    }
    const method = values['auth-method'];
    if (method !== undefined && method !== 'client_secret_basic' && method !== 'client_secret_post') {
      throw new UsageError('--auth-method must be client_secret_basic or client_secret_post', 'token');
    }
    const secret = values['client-secret'] ?? (io.env['OIDC_CLIENT_SECRET'] === '' ? undefined : io.env['OIDC_CLIENT_SECRET']);
    const options: OpenIDConnectOptions = {
      // An API-only instance: no base URL, cookies or routes; just the provider and the client.
      resourceServerOnly: true,
      httpTimeout: milliseconds('token', 'timeout', values.timeout, 5000),
      logger: { warn: (message) => io.err(`oidc-kit: ${message}\n`) },
    };
    if (file !== undefined) options.clientSecrets = file;
    if (values.issuer !== undefined) options.issuer = values.issuer;
    if (values['client-id'] !== undefined) options.clientId = values['client-id'];
    if (secret !== undefined) options.clientSecret = secret;
    if (method !== undefined) options.tokenEndpointAuthMethod = method;
    const oidc = new OidcCore(options);
    if (oidc.config.provider.clientSecret === undefined) {
      throw new UsageError('no client secret: give it in the file, with --client-secret, or in OIDC_CLIENT_SECRET', 'token');
    }
    const token = await reaching(oidc.config.provider.issuer, oidc.clientCredentials({
      ...(values.scope === undefined ? {} : { scope: values.scope }),
      ...(values.audience === undefined ? {} : { audience: values.audience }),
      ...(values.resource === undefined ? {} : { resource: values.resource }),
    }));
    if (values.json === true) {
      io.out(`${JSON.stringify({
        access_token: token.accessToken,
        token_type: token.tokenType,
        expires_at: token.expiresAt?.toISOString() ?? null,
        scope: token.scope ?? null,
      }, null, 2)}\n`);
    } else {
      io.out(`${token.accessToken}\n`);
    }
  },
};
