import { decodeJwt, decodeProtectedHeader } from 'jose';
import { parseCommandLine, UsageError, type CliCommand } from './cli-io.ts';

const HELP = `Usage: oidc-kit decode <jwt | -> [--json]

Shows a JWT's header and claims, with its time claims (exp, iat, nbf, auth_time) as dates. The
signature is NOT checked: anyone can write a token that decodes to anything. Use it to look at a
token, never to trust one. "-" reads the token from standard input.

Options:
  --json       print { "verified": false, "header", "payload" } as JSON
  -h, --help   show this help

Exit codes: 0 decoded; 1 not a JWT (or an encrypted one, which cannot be read without the key); 2 usage error.

Example:
  oidc-kit decode "$(oidc-kit token -c client_secrets.json)"
`;

const TIME_CLAIMS = ['exp', 'iat', 'nbf', 'auth_time'];

/** `oidc-kit decode`: shows a JWT's header and claims, marked as unverified. */
export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: 'show a JWT\'s header and claims (NOT verified)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine('decode', args, { json: { type: 'boolean' } });
    if (values.help === true) return io.out(HELP);
    if (positionals.length !== 1) throw new UsageError('decode needs exactly one token (or - to read it from standard input)', 'decode');
    const token = (positionals[0] === '-' ? await io.readStdin() : positionals[0]!).trim().replace(/^Bearer\s+/i, '');
    const parts = token.split('.');
    if (parts.length === 5) throw new Error('this is an encrypted JWT (JWE): its claims cannot be read without the recipient\'s key');
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token);
      payload = decodeJwt(token);
    } catch {
      throw new Error('not a JWT: expected three base64url parts separated by dots, the middle one a JSON object');
    }
    if (values.json === true) {
      io.out(`${JSON.stringify({ verified: false, header, payload }, null, 2)}\n`);
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const times = TIME_CLAIMS.filter((claim) => typeof payload[claim] === 'number').map((claim) => {
      const at = payload[claim] as number;
      const note = claim === 'exp' ? (at <= now ? ' (expired)' : ` (in ${at - now} s)`) : '';
      return `  ${claim.padEnd(9)} ${new Date(at * 1000).toISOString()}${note}`;
    });
    io.out([
      'UNVERIFIED: the signature was not checked; do not trust these claims.',
      '',
      'Header:',
      JSON.stringify(header, null, 2),
      '',
      'Payload:',
      JSON.stringify(payload, null, 2),
      ...(times.length === 0 ? [] : ['', 'Times (UTC):', ...times]),
      '',
    ].join('\n'));
  },
};
