import { discover, type ProviderMetadata } from '../provider/discover.ts';
import { findIssuer } from '../provider/find-issuer.ts';
import { milliseconds, parseCommandLine, reaching, UsageError, type CliCommand } from './cli-io.ts';

const HELP = `Usage: oidc-kit discover <issuer | user@host> [--webfinger] [--json] [--timeout ms]

Fetches the provider's metadata from <issuer>/.well-known/openid-configuration and checks it as
oidc-kit does at run time: its "issuer" must be exactly the one given (no trailing-slash or case
folding), the members the code flow needs must be there, and every endpoint must be https (plain
http only for a provider on localhost). Given a user identifier (alice@example.com, acct:…),
the issuer is first found with WebFinger; --webfinger does that for a URL too (a user's page).

Options:
  --webfinger     treat a URL as a user identifier and find its issuer with WebFinger
  --json          print the whole metadata document as JSON (default: a summary)
  --timeout <ms>  how long to wait for the provider (default 5000)
  -h, --help      show this help

Exit codes: 0 the metadata is usable; 1 it is not, or the provider cannot be reached; 2 usage error.

Example:
  oidc-kit discover https://accounts.example.com
`;

/** `oidc-kit discover`: prints a provider's checked metadata (Flask-OIDC: discover_OP_information). */
export const discoverCommand: CliCommand = {
  name: 'discover',
  summary: 'print an OpenID Provider\'s metadata, checked (issuer, endpoints, algorithms)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine('discover', args, { json: { type: 'boolean' }, webfinger: { type: 'boolean' }, timeout: { type: 'string' } });
    if (values.help === true) return io.out(HELP);
    if (positionals.length !== 1) throw new UsageError('discover needs exactly one issuer URL (or user@host)', 'discover');
    const timeout = milliseconds('discover', 'timeout', values.timeout, 5000);
    const input = positionals[0]!;
    const viaWebFinger = values.webfinger === true || !/^https?:\/\//i.test(input);
    const issuer = viaWebFinger ? await reaching(input, findIssuer(input, { timeout })) : input;
    const metadata = await reaching(issuer, discover(issuer, { timeout }));
    io.out(values.json === true ? `${JSON.stringify(metadata, null, 2)}\n` : summary(metadata, viaWebFinger ? input : undefined));
  },
};

function summary(metadata: ProviderMetadata, foundFor: string | undefined): string {
  const list = (value: unknown): string => (Array.isArray(value) ? value.join(' ') : '-');
  const rows: Array<[string, string | undefined]> = [
    ['issuer', metadata.issuer],
    ...(foundFor === undefined ? [] : [['found for', `${foundFor} (WebFinger)`] as [string, string]]),
    ['authorization', metadata.authorization_endpoint],
    ['token', metadata.token_endpoint],
    ['userinfo', metadata.userinfo_endpoint],
    ['jwks', metadata.jwks_uri],
    ['registration', metadata.registration_endpoint],
    ['introspection', metadata.introspection_endpoint],
    ['end session', metadata.end_session_endpoint],
    ['scopes', list(metadata.scopes_supported)],
    ['ID token algs', list(metadata.id_token_signing_alg_values_supported)],
    ['client auth', list(metadata.token_endpoint_auth_methods_supported)],
    ['PKCE', list(metadata.code_challenge_methods_supported)],
    ['back-channel logout', metadata.backchannel_logout_supported === true ? 'yes' : 'no'],
  ];
  return `${rows.map(([name, value]) => `${`${name}:`.padEnd(21)}${value ?? '-'}`).join('\n')}\n`;
}
