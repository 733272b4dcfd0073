/**
 * The `oidc-kit` command: `oidc-kit register | discover | token | decode | dev-provider`, `--help` on each.
 * Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong. Errors are one line
 * on stderr; results on stdout.
 */
import { readFileSync } from 'node:fs';
import { ConfigurationError, OidcError } from '../errors.ts';
import { RegistrationError } from '../registration/registration-error.ts';
import { UsageError, type CliCommand, type CliIO } from './cli-io.ts';
import { decodeCommand } from './decode-command.ts';
import { devProviderCommand } from './dev-provider-command.ts';
import { discoverCommand } from './discover-command.ts';
import { registerCommand } from './register-command.ts';
import { tokenCommand } from './token-command.ts';

const COMMANDS: readonly CliCommand[] = [registerCommand, discoverCommand, tokenCommand, decodeCommand, devProviderCommand];

const HELP = `Usage: oidc-kit <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(14)}${c.summary}`).join('\n')}

Run "oidc-kit <command> --help" for a command's options.
Exit codes: 0 success; 1 the operation failed; 2 usage error.
`;

/**
 * Runs the command line and resolves with the exit code; never throws.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['decode', token], io);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.err(HELP);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(COMMANDS.find((c) => c.name === args[0])?.help ?? HELP);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`oidc-kit: unknown command "${name}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')} (see oidc-kit --help)\n`);
    return 2;
  }
  try {
    await command.run(args, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`oidc-kit ${error.command ?? name}: ${error.message} (see oidc-kit ${error.command ?? name} --help)\n`);
      return 2;
    }
    io.err(`oidc-kit ${name}: ${describe(error)}\n`);
    return error instanceof ConfigurationError ? 2 : 1;
  }
}

/** One line that says what went wrong, with the provider's own words when it refused. */
function describe(error: unknown): string {
  if (error instanceof OidcError) {
    // The provider's own description, when it gave one, says most (e.g. which metadata it refused);
    // a RegistrationError's message already quotes it.
    const description = error.oauthErrorDescription === undefined || error instanceof RegistrationError ? '' : ` (${error.oauthErrorDescription})`;
    return `${error.message}${description} [${error.code}]`.replace(/\s+/g, ' ');
  }
  if (error instanceof ConfigurationError) return error.message.replace(/^oidc-kit: /, '');
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
