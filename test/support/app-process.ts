/**
 * App instances as processes of their own (test/support/redis-app.ts), as behind a load balancer:
 * start one, talk to it with a given cookie, stop it. Used by the Redis and reliability suites.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const APP = join(import.meta.dirname, 'redis-app.ts');

/** One app process. */
export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (its warnings). */
  stderr(): string;
  stop(): Promise<void>;
}

/** A loopback port for an app process: see free-port.ts. */
export { freePort } from './free-port.ts';

/**
 * Starts test/support/redis-app.ts with `config` (see its header) and resolves once it listens.
 *
 * @example
 * ```ts
 * const a = await startAppProcess({ adapter: 'hono', issuer, port, baseUrl, redisUrl, secret, clientId, clientSecret });
 * ```
 */
export async function startAppProcess(config: Record<string, unknown>): Promise<AppProcess> {
  const child = spawn(process.execPath, [APP], { env: { ...process.env, OIDC_APP: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening (\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`app exited (${code}): ${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** An answer read as JSON, with its headers. */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/**
 * GET with a given Cookie header (another instance, the same browser), JSON wanted.
 *
 * @example
 * ```ts
 * const { status, body } = await getJson(`${b.url}/profile`, cookie);
 * ```
 */
export async function getJson(url: string, cookie: string | undefined): Promise<JsonAnswer> {
  const response = await fetch(url, { headers: { accept: 'application/json', ...(cookie === undefined ? {} : { cookie }) }, redirect: 'manual' });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown> };
}
