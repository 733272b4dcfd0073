/**
 * `oidc-kit dev-provider` as a user runs it: the built command (dist/cli/bin.js; `npm test` builds
 * first) in a child process, and what it printed. For the tests of the command and of the guides
 * that use it (the README's quick start).
 */
import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** The built `oidc-kit` command. */
export const OIDC_KIT_BIN = join(import.meta.dirname, '../../dist/cli/bin.js');

/** A running `oidc-kit dev-provider`. */
export interface DevProviderCommand {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Everything it printed on stdout by the time it served (its summary). */
  readonly stdout: string;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** Stops it as Ctrl+C does and resolves with its exit code. */
  interrupt(): Promise<number | null>;
}

/**
 * Starts `oidc-kit dev-provider …args` and resolves once it serves (its summary is printed).
 *
 * @example
 * ```ts
 * const op = await startDevProviderCommand(['--base-url', appUrl, '--port', String(await freePort())]);
 * const issuer = printed(op.stdout, 'issuer');
 * ```
 */
export async function startDevProviderCommand(args: readonly string[]): Promise<DevProviderCommand> {
  const child = spawn(process.execPath, [OIDC_KIT_BIN, 'dev-provider', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev-provider did not start: ${stdout}${stderr}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('Ctrl+C stops it')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`dev-provider exited (${code}): ${stdout}${stderr}`));
    });
  });
  return {
    child,
    stdout,
    stderr: () => stderr,
    interrupt: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return closed;
    },
  };
}

/**
 * A value of the command's summary: `name   value` on a line of its own.
 *
 * @example
 * ```ts
 * printed(op.stdout, 'client id'); // 'oidc-kit-dev'
 * ```
 */
export function printed(stdout: string, name: string): string {
  const value = new RegExp(`^\\s+${name}\\s+(\\S+)$`, 'm').exec(stdout)?.[1];
  assert.ok(value, `the command prints the ${name}: ${stdout}`);
  return value;
}

/**
 * The lines it prints for the app's `.env` (`OIDC_ISSUER=…` and the rest), as one block.
 *
 * @example
 * ```ts
 * writeFileSync('.env', `${envLines(op.stdout)}SESSION_SECRET=…\n`);
 * ```
 */
export function envLines(stdout: string): string {
  const lines = stdout.split('\n').filter((line) => /^[A-Z_]+=\S+$/.test(line));
  assert.ok(lines.length >= 3, `the command prints the .env lines: ${stdout}`);
  return `${lines.join('\n')}\n`;
}
