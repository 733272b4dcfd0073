import { chmod, writeFile } from 'node:fs/promises';
import type * as ApiResources from '../dev-provider/api-resources.ts';
import type * as DevProviderModule from '../dev-provider/dev-provider.ts';
import type { DevProvider } from '../dev-provider/dev-provider.ts';
import { joinUrl } from '../util/join-url.ts';
import { parseCommandLine, UsageError, type CliCommand } from './cli-io.ts';

const HELP = `Usage: oidc-kit dev-provider --base-url <url> [options]

Runs a development OpenID Provider on 127.0.0.1 for the app at --base-url: one client, registered
with the app's redirect, post-logout and back-channel logout URIs (oidc-kit's default routes below
the base URL). Anyone signs in, with any username and any password; the username becomes the
user's sub. With --audience, it also issues JWT access tokens for your API. Its pages need no
network. Everything lives in memory and its keys are made at start: a restart signs everyone out.

FOR DEVELOPMENT ONLY: anyone can sign in, and the default client secret is public.
It needs the oidc-provider package: npm install --save-dev oidc-provider

Options:
  -b, --base-url <url>          the app's base URL, its baseUrl option (required)
  -p, --port <port>             where the provider listens (default 4000): issuer http://127.0.0.1:<port>
      --client-id <id>          the client id (default oidc-kit-dev)
      --client-secret <secret>  the client secret (default: a fixed development secret)
  -w, --write <file>            write the client to a client_secrets.json for the app's clientSecrets
                                option (rewritten at each start)
  -a, --audience <uri>          an API to issue JWT access tokens for (RFC 8707 resource; repeatable):
                                get one with the printed "oidc-kit token" command
  -s, --scope <scopes>          the scopes of those tokens (default "api:read api:write")
      --callback-path <path>    the app's routes.callback (default /callback)
      --post-logout-path <path> the app's routes.postLogout (default /logout/callback)
      --backchannel-path <path> the app's routes.backchannelLogout (default /backchannel-logout)
  -h, --help                    show this help

Stop it with Ctrl+C.

Example:
  oidc-kit dev-provider --base-url http://localhost:3000 --write client_secrets.json --audience http://localhost:3000/api
`;

const DEFAULT_CLIENT_ID = 'oidc-kit-dev';
/** Public on purpose: the dev provider is for one machine, and a fixed secret survives restarts. */
const DEFAULT_CLIENT_SECRET = 'oidc-kit-dev-secret-for-development-only';

/**
 * `oidc-kit dev-provider`: the embedded development provider (src/dev-provider) for any app,
 * until Ctrl+C.
 *
 * @example
 * ```ts
 * await devProviderCommand.run(['--base-url', 'http://localhost:3000'], io); // resolves when interrupted
 * ```
 */
export const devProviderCommand: CliCommand = {
  name: 'dev-provider',
  summary: 'run a development OpenID Provider for your app (anyone signs in)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine('dev-provider', args, {
      'base-url': { type: 'string', short: 'b' },
      port: { type: 'string', short: 'p' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      write: { type: 'string', short: 'w' },
      audience: { type: 'string', short: 'a', multiple: true },
      scope: { type: 'string', short: 's' },
      'callback-path': { type: 'string' },
      'post-logout-path': { type: 'string' },
      'backchannel-path': { type: 'string' },
    });
    if (values.help === true) {
      io.out(HELP);
      return;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'dev-provider');
    const baseUrl = appBaseUrl(values['base-url']);
    const port = listenPort(values.port);
    // Checked, then kept as given: a token's `aud` must equal the app's audience option to the
    // character, and URL parsing would add a slash to a bare origin.
    const audiences = values.audience ?? [];
    for (const audience of audiences) absoluteUrl('audience', audience);
    const scope = values.scope ?? 'api:read api:write';
    const paths = {
      callback: routePath('callback-path', values['callback-path'] ?? '/callback'),
      postLogout: routePath('post-logout-path', values['post-logout-path'] ?? '/logout/callback'),
      backchannel: routePath('backchannel-path', values['backchannel-path'] ?? '/backchannel-logout'),
    };
    const client = {
      client_id: values['client-id'] ?? DEFAULT_CLIENT_ID,
      client_secret: values['client-secret'] ?? DEFAULT_CLIENT_SECRET,
      redirect_uris: [joinUrl(baseUrl, paths.callback)],
      // The app's own post-logout route, and its home page for apps that send users there.
      post_logout_redirect_uris: [...new Set([joinUrl(baseUrl, paths.postLogout), joinUrl(baseUrl, '/')])],
      backchannel_logout_uri: joinUrl(baseUrl, paths.backchannel),
      grant_types: ['authorization_code', 'refresh_token', ...(audiences.length > 0 ? ['client_credentials'] : [])],
    };

    const { startDevProvider, devClient, jwtApiResources } = await loadDevProvider();
    let provider: DevProvider;
    try {
      provider = await startDevProvider({
        port,
        clients: [devClient(client.redirect_uris[0]!, client)],
        ...(audiences.length > 0 ? { configuration: jwtApiResources(new Set(audiences), scope) } : {}),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${port} is in use on 127.0.0.1; choose another with --port`, { cause: error });
      throw error;
    }
    provider.provider.on('backchannel.error', (_ctx: unknown, error: Error) => {
      io.err(`back-channel logout to ${client.backchannel_logout_uri} failed (${error.message}); the app mounts it with routes: { backchannelLogout: '${paths.backchannel}' }\n`);
    });
    if (values.write !== undefined) await writeClientSecrets(values.write, provider.issuer, client);
    io.out(summary(provider.issuer, baseUrl, client, values.write, audiences, scope));
    await io.untilInterrupted();
    await provider.close();
  },
};

/** The dev provider's module, loaded only now: oidc-provider is an optional peer dependency. */
async function loadDevProvider(): Promise<typeof DevProviderModule & typeof ApiResources> {
  try {
    const [provider, resources] = await Promise.all([import('../dev-provider/dev-provider.ts'), import('../dev-provider/api-resources.ts')]);
    return { ...provider, ...resources };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('oidc-provider')) {
      throw new Error('the development provider needs the oidc-provider package: npm install --save-dev oidc-provider', { cause: error });
    }
    throw error;
  }
}

function appBaseUrl(value: string | undefined): URL {
  if (value === undefined) throw new UsageError('--base-url is required: the URL your app runs at, e.g. http://localhost:3000', 'dev-provider');
  return absoluteUrl('base-url', value);
}

function absoluteUrl(option: string, value: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`--${option} "${value}" is not an absolute URL (it needs http:// or https://)`, 'dev-provider');
  }
  return url;
}

function listenPort(value: string | undefined): number {
  if (value === undefined) return 4000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError('--port must be a whole number from 0 to 65535', 'dev-provider');
  return port;
}

function routePath(option: string, value: string): string {
  if (!value.startsWith('/')) throw new UsageError(`--${option} must start with "/"`, 'dev-provider');
  return value;
}

type DevClient = { client_id: string; client_secret: string; redirect_uris: string[]; post_logout_redirect_uris: string[]; backchannel_logout_uri: string };

/** A client_secrets.json (Flask-OIDC's format, which the clientSecrets option reads), owner-only. */
async function writeClientSecrets(file: string, issuer: string, client: DevClient): Promise<void> {
  const entry = { client_id: client.client_id, client_secret: client.client_secret, issuer, redirect_uris: client.redirect_uris };
  await writeFile(file, `${JSON.stringify({ web: entry }, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // `mode` applies only to a file being created
}

function summary(issuer: string, baseUrl: URL, client: DevClient, written: string | undefined, audiences: readonly string[], scope: string): string {
  const lines = [
    'oidc-kit development provider: anyone signs in with any username and password (development only)',
    `  issuer           ${issuer}`,
    `  client id        ${client.client_id}`,
    `  client secret    ${client.client_secret}`,
    `  registered for   ${baseUrl.href}`,
    `    redirect URI             ${client.redirect_uris[0]}`,
    `    post-logout redirect URI ${client.post_logout_redirect_uris.join(', ')}`,
    `    back-channel logout URI  ${client.backchannel_logout_uri}`,
  ];
  if (written !== undefined) lines.push(`  wrote ${written} (the app's option clientSecrets: '${written}')`);
  for (const audience of audiences) {
    lines.push(`  API tokens for ${audience} (scope "${scope}"):`,
      `    OIDC_CLIENT_SECRET=${client.client_secret} npx oidc-kit token --issuer ${issuer} --client-id ${client.client_id} --resource ${audience}`);
  }
  lines.push('', 'For the app\'s .env:', `OIDC_ISSUER=${issuer}`, `OIDC_CLIENT_ID=${client.client_id}`, `OIDC_CLIENT_SECRET=${client.client_secret}`, `BASE_URL=${baseUrl.href.replace(/\/$/, '')}`,
    '', 'Ctrl+C stops it; a restart signs everyone out.', '');
  return lines.join('\n');
}
