/**
 * The demo (`npm run demo`'s examples/demo/main.ts) as a child process, the way a person starts it:
 * for the demo's integration tests and its browser tests; and the same for the minimal apps of
 * examples/<framework>/app.ts.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const START_TIMEOUT_MS = 15_000;
/** Variables of the demo's environment contract: never inherited from the test's environment. */
const DEMO_VARIABLES = [
  'PORT', 'BASE_URL', 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_API_AUDIENCE',
  'SESSION_SECRET', 'DEV_PROVIDER_PORT', 'REDIS_URL', 'DEMO_FRAMEWORK', 'NODE_TEST_CONTEXT',
];

/** The frameworks the demo runs on (`DEMO_FRAMEWORK`); Express is the default. */
export const DEMO_FRAMEWORKS = ['express', 'fastify', 'hono', 'fetch'] as const;
export type DemoFramework = (typeof DEMO_FRAMEWORKS)[number];

export type DemoProcess = ChildProcessByStdio<null, Readable, Readable>;

/** A spawned demo; `exited` resolves with the exit code once the process and its output are closed. */
export interface Spawned {
  child: DemoProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export interface Demo {
  child: DemoProcess;
  /** The URL from the `Demo app listening on …` line. */
  baseUrl: string;
  stdout: () => string;
  stderr: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** Spawns the demo with `env` over a clean environment (none of the demo's variables inherited). */
export function spawnDemo(t: TestContext, env: Record<string, string>): Spawned {
  return spawnExample(t, 'examples/demo/main.ts', env);
}

/**
 * Spawns a script of examples/ (a path from the repository's root) as `npm run demo` does, with
 * `--conditions=oidc-kit-source` (so `oidc-kit/…` is the source), and `env` over a clean environment.
 */
export function spawnExample(t: TestContext, script: string, env: Record<string, string>): Spawned {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of DEMO_VARIABLES) delete childEnv[name];
  const child = spawn(process.execPath, ['--conditions=oidc-kit-source', script], {
    cwd: REPO_ROOT,
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export async function startDemo(t: TestContext, env: Record<string, string>): Promise<Demo> {
  return startExample(t, 'examples/demo/main.ts', env, /^Demo app listening on (\S+)$/m);
}

/**
 * Spawns a script of examples/ and waits for its start-up line: `listening`'s first group is the
 * app's URL.
 */
export async function startExample(t: TestContext, script: string, env: Record<string, string>, listening: RegExp): Promise<Demo> {
  const spawned = spawnExample(t, script, env);
  const { child } = spawned;
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const fail = (why: string): void => {
      cleanup();
      reject(new Error(`${script} ${why}\n--- stdout ---\n${spawned.stdout()}\n--- stderr ---\n${spawned.stderr()}`));
    };
    const onData = (): void => {
      const match = listening.exec(spawned.stdout());
      if (match) {
        cleanup();
        resolve(match[1]!);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => fail(`exited (code ${code}, signal ${signal}) before listening`);
    const timer = setTimeout(() => fail(`did not print ${String(listening)} within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('close', onExit);
    };
    child.stdout.on('data', onData);
    child.once('close', onExit);
  });
  return {
    child,
    baseUrl,
    stdout: spawned.stdout,
    stderr: spawned.stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return spawned.exited;
    },
  };
}

/** A port for the demo (it must know its URL before the provider starts): see free-port.ts. */
export { freePort } from './free-port.ts';

