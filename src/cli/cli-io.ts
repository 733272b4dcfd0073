import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OidcError } from '../errors.ts';

/** Where a command writes, and what it reads from its environment; real streams in `main`, anything in tests. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readStdin(): Promise<string>;
  /** Resolves when the user stops a long-running command (Ctrl+C or SIGTERM; `oidc-kit dev-provider`). */
  untilInterrupted(): Promise<void>;
}

/** One `oidc-kit` command: its name, one line for the command list, its `--help` text, and what it does. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** Resolves when done (exit 0); throws {@link UsageError} (exit 2) or anything else (exit 1). */
  run(args: readonly string[], io: CliIO): Promise<void>;
}

/**
 * The command line was wrong (unknown option, missing argument): exit code 2, with a pointer to
 * `--help`. Everything else that fails is exit code 1.
 *
 * @example
 * ```ts
 * throw new UsageError('register needs an issuer and at least one redirect URI', 'register');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose `--help` to point at. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/**
 * `node:util` parseArgs in strict mode, with its errors turned into {@link UsageError}s. The
 * parser ships with Node (no dependency), and strict mode refuses unknown options and missing values.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommandLine('decode', args, { json: { type: 'boolean' } });
 * ```
 */
export function parseCommandLine<T extends NonNullable<ParseArgsConfig['options']>>(command: string, args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs messages are clear but long; keep the first sentence.
    const message = error instanceof Error ? error.message.split('. ')[0]!.replace(/\.$/, '') : String(error);
    throw new UsageError(message, command);
  }
}

/** A positive whole number of milliseconds from an option value, or a usage error naming the option. */
export function milliseconds(command: string, option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) throw new UsageError(`--${option} must be a positive number of milliseconds`, command);
  return ms;
}

/**
 * Runs a call to the provider at `url`; if it cannot be reached, says which URL (the library's
 * message is meant for an app's users and does not name it).
 *
 * @example
 * ```ts
 * const metadata = await reaching(issuer, discover(issuer));
 * ```
 */
export async function reaching<T>(url: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof OidcError && error.code === 'provider_unavailable') {
      throw new OidcError('provider_unavailable', `${url} could not be reached (connection refused, unknown host or timeout).`, { cause: error });
    }
    throw error;
  }
}
