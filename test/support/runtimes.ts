/**
 * The runtimes beyond Node that the runtime smoke suite (test/runtimes/) serves its app on: Bun and
 * Deno as child processes, and workerd (Cloudflare Workers) through Miniflare with `nodejs_compat`.
 * Their binaries come from the npm packages `bun`, `deno` and `workerd` (miniflare's); where one is
 * missing, its tests say so in one line and are skipped, and under CI (CI=true) that is a failure.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';

/** The runtimes the smoke suite runs on. */
export const RUNTIMES = ['bun', 'deno', 'workerd'] as const;
export type Runtime = (typeof RUNTIMES)[number];

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(REPO_ROOT, 'node_modules', '.bin');
const APPS = join(REPO_ROOT, 'test', 'runtimes', 'apps');
const START_TIMEOUT_MS = 30_000;

/**
 * What the smoke app reads from its environment (apps/smoke-app.ts's `SmokeEnv`, PORT, and the
 * NODE_ENV that oidc-kit's test mode looks at): Deno is allowed these and no others.
 */
const APP_VARIABLES = ['PORT', 'BASE_URL', 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'SESSION_SECRET', 'DOWN_ISSUER', 'FRAMEWORK', 'NODE_ENV'];

/**
 * Why `runtime` cannot run here, or undefined when its binary answers `--version`. Under CI
 * (CI=true) a missing runtime throws: the smoke suite must run there, never be skipped.
 *
 * @example
 * ```ts
 * describe('on Deno', { skip: runtimeUnavailable('deno') }, () => { ... });
 * ```
 */
export function runtimeUnavailable(runtime: Runtime): string | undefined {
  const found = spawnSync(join(BIN, runtime), ['--version'], { encoding: 'utf8', env: quietEnv() });
  if (found.error === undefined && found.status === 0) return undefined;
  const reason = `${runtime} not found in node_modules/.bin (or it does not run here); npm ci installs it with the dev dependencies`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}. Under CI this is a failure, not a skip.`);
  return reason;
}

/** The smoke app being served on a runtime: its URL, and how to stop it. */
export interface ServedApp {
  readonly url: string;
  /** Everything the runtime printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Bundles the smoke app's Worker (apps/worker.ts, or another Worker of apps/) into one ES module
 * with `bun build`, the way a Worker is deployed: `node:*` left to `nodejs_compat`, `cloudflare:*`
 * to workerd.
 *
 * @example
 * ```ts
 * const bundle = await buildWorker(join(tmp, 'worker.js'));
 * ```
 */
export async function buildWorker(outfile: string, entry = 'worker.ts'): Promise<string> {
  await promisify(execFile)(join(BIN, 'bun'), [
    'build', join(APPS, entry), '--target=browser', '--format=esm',
    '--external', 'node:*', '--external', 'cloudflare:*', '--outfile', outfile,
  ], { env: quietEnv() });
  return outfile;
}

/**
 * Serves the smoke app on `runtime` at `url` (on 127.0.0.1 and the URL's port, chosen before the
 * provider registered it), with `env` as its environment or, on workerd, its bindings; `bundle` is
 * the Worker from {@link buildWorker}. Resolves once the app listens.
 *
 * @example
 * ```ts
 * const app = await serveOnRuntime('deno', 'http://127.0.0.1:4321', env, bundle);
 * await fetch(`${app.url}/profile`);
 * await app.stop();
 * ```
 */
export async function serveOnRuntime(runtime: Runtime, url: string, env: Record<string, string>, bundle: string): Promise<ServedApp> {
  const port = new URL(url).port;
  // Both resolve packages from node_modules and download nothing: Bun without its auto-install,
  // Deno --cached-only (it has no remote module to fetch; this makes sure of it, for CI).
  if (runtime === 'bun') return spawnApp(url, join(BIN, 'bun'), ['--no-install', join(APPS, 'bun-main.ts')], { ...env, PORT: port });
  if (runtime === 'deno') {
    // Only what the app needs: the loopback network (its port, the providers') and its variables.
    // Its modules are read without --allow-read; nothing else touches the file system.
    const permissions = ['--no-prompt', '--allow-net=127.0.0.1', `--allow-env=${APP_VARIABLES.join(',')}`];
    const args = ['run', '--cached-only', ...permissions, join(APPS, 'deno-main.ts')];
    return spawnApp(url, join(BIN, 'deno'), args, { ...env, PORT: port });
  }
  const logs: string[] = [];
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundle,
    modulesRoot: dirname(bundle), // module names are paths below it
    // The first date of nodejs_compat's second version (Buffer and process as globals);
    // oidc-kit needs no node:fs there (src/platform/read-text-file.ts).
    compatibilityDate: '2024-09-23',
    compatibilityFlags: ['nodejs_compat'],
    bindings: env,
    host: '127.0.0.1',
    port: Number(port),
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      stdout.setEncoding('utf8').on('data', (chunk: string) => logs.push(chunk));
      stderr.setEncoding('utf8').on('data', (chunk: string) => logs.push(chunk));
    },
  });
  try {
    await mf.ready;
  } catch (error) {
    await mf.dispose(); // a workerd that failed to start would otherwise keep the test process alive
    throw error;
  }
  return { url, output: () => logs.join(''), stop: () => mf.dispose() };
}

/** Spawns a runtime's main script in the repository and waits for its `listening` line. */
async function spawnApp(url: string, command: string, args: readonly string[], env: Record<string, string>): Promise<ServedApp> {
  const child: ChildProcess = spawn(command, args, { cwd: REPO_ROOT, env: { ...quietEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onData = (): void => {
      if (!output.includes('listening')) return;
      clearTimeout(timer);
      child.off('close', onClose);
      resolve();
    };
    const onClose = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before listening:\n${output}`));
    };
    child.stdout!.on('data', onData);
    child.once('close', onClose);
    child.once('error', (error) => reject(error));
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * The test's environment for a runtime, without what would change how it behaves: Node's test
 * runner context, and Deno's check for a newer release (a network request on every start).
 *
 * @example
 * ```ts
 * spawn(join(BIN, 'bun'), [script], { env: { ...quietEnv(), HTTP_PROXY: proxy.url } });
 * ```
 */
export function quietEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, DENO_NO_UPDATE_CHECK: '1' };
  delete env['NODE_TEST_CONTEXT'];
  return env;
}
