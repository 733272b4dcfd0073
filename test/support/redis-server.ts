/**
 * A real redis-server for the tests: started from PATH on a free port in a temporary directory,
 * with the append-only file on (so a restart keeps what was written), and stopped at the end. No
 * Redis mock anywhere. `.ci/run` installs Debian's redis-server; on a machine without it the suites
 * that need it say so in one line, and under CI (CI=true) a missing redis-server fails them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/** A running redis-server the test controls. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM; the append-only file keeps the data). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory, with the data it had. */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers, like a stuck server. */
  pause(): void;
  resume(): void;
  /** Stops it for good and deletes its directory. */
  close(): Promise<void>;
}

/** What is said when there is no redis-server to start. */
const NOT_FOUND = 'redis-server not found on PATH; install it (Debian/Ubuntu: apt-get install -y redis-server)';

/** Why Redis-backed tests cannot run here, or undefined when redis-server is on PATH. */
export function redisUnavailable(): string | undefined {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error === undefined && found.status === 0) return undefined;
  const reason = `${NOT_FOUND} to run the Redis tests`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}. Under CI this is a failure, not a skip.`);
  return reason;
}

/**
 * Starts redis-server on a free loopback port.
 *
 * @example
 * ```ts
 * const redis = await startRedis();
 * const store = createRedisStore({ url: redis.url });
 * await redis.stop(); await redis.start(); // data kept
 * await redis.close();
 * ```
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'oidc-kit-redis-'));
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const process_ = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--appendonly', 'yes', '--appendfsync', 'always', '--save', '',
      '--protected-mode', 'no', '--loglevel', 'warning',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = process_;
    await waitForReady(process_, port);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    await exited;
  };
  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForReady(process_: ChildProcess, port: number): Promise<void> {
  let output = '';
  // Without this listener a missing binary (ENOENT) is an unhandled 'error' event: a crash.
  let spawnError: Error | undefined;
  process_.once('error', (error) => { spawnError = error; });
  process_.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  process_.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (spawnError !== undefined) {
      throw new Error((spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? NOT_FOUND : `redis-server could not be started: ${spawnError.message}`, { cause: spawnError });
    }
    if (process_.exitCode !== null) throw new Error(`redis-server exited (${process_.exitCode}): ${output}`);
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process_.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}: ${output}`);
}

/** Whether something on the port answers PING with +PONG (RESP, over a raw socket). */
async function answersPing(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
