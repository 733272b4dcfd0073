/**
 * The bench's processes: the provider and the apps pinned to CPU 0 and the load generator to CPU 1
 * (with `taskset`, when there are two CPUs or more; PIN=0/1 overrides), what /proc says about
 * them, and the files handed to them. Every process started here is stopped, and every file
 * listed in `temporaryFiles` deleted, when the runner exits or is interrupted.
 *
 * @example
 * ```ts
 * const app = await startServer('bare-express', ['bench/apps/bare-express.ts', 'bare-express'], {});
 * const cpu0 = cpuSeconds(app.pid!);
 * const result = await load('http://127.0.0.1:4301/protected', {}, 10);
 * console.log(result.rps, (cpuSeconds(app.pid!) - cpu0) / result.total);
 * ```
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Connections the load generator keeps open (CONNECTIONS, 50 by default). */
export const CONNECTIONS = Number(process.env['CONNECTIONS'] ?? 50);

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** Whether servers and the load generator are pinned to CPUs of their own. */
export const PIN = process.env['PIN'] === undefined ? hasTaskset && availableParallelism() >= 2 : process.env['PIN'] === '1';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const children = new Set<ChildProcess>();
/**
 * Files and folders deleted when the run ends (the token and session lists handed to the load
 * generator, the baseline's copy of src/, the provider certificate).
 *
 * @example
 * ```ts
 * temporaryFiles.push(file);
 * ```
 */
export const temporaryFiles: string[] = [];

/**
 * Stops every process started here and deletes the temporary files (also done at exit).
 *
 * @example
 * ```ts
 * stopAll();
 * ```
 */
export function stopAll(): void {
  for (const child of children) child.kill('SIGTERM');
  for (const file of temporaryFiles) rmSync(file, { force: true, recursive: true });
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

/**
 * Resolves once every process started here has exited.
 *
 * @example
 * ```ts
 * stopAll();
 * await allExited();
 * ```
 */
export async function allExited(): Promise<void> {
  await Promise.all([...children].map((child) => new Promise((resolve) => child.once('exit', resolve))));
}

/** Spawns a node process, pinned to `cpu` when pinning is on. */
function node(cpu: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const [command, argv] = PIN ? ['taskset', ['-c', cpu, process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * Starts a server (the provider or an app) on CPU 0 and waits for the line with "listening".
 *
 * @example
 * ```ts
 * const op = await startServer('op', ['bench/op.ts'], { OP_SIGNING_JWK: '…', OP_EXTRA_JWK: '…' });
 * ```
 */
export async function startServer(label: string, args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = node('0', args, env);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start: ${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${label} exited ${code}: ${output}`)));
  });
  child.stdout?.resume();
  return child;
}

/**
 * CPU seconds (user and system) a process has used so far.
 *
 * @example
 * ```ts
 * const cpu0 = cpuSeconds(pid); await load(…); const used = cpuSeconds(pid) - cpu0;
 * ```
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * A process's resident set size now, in MB.
 *
 * @example
 * ```ts
 * rssMb(pid); // 131.2
 * ```
 */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * What the load generator reports for one run (autocannon's figures).
 *
 * @example
 * ```ts
 * const { rps, p99, non2xx }: LoadResult = await load(url, headers, 10);
 * ```
 */
export interface LoadResult {
  rps: number; total: number; p50: number; p99: number; non2xx: number; errors: number; timeouts: number;
  /** With variants: how many values were sent, and how many the file held (more sent than held: some went twice). */
  variantsSent?: number;
  variantsAvailable?: number;
}

/**
 * A header that differs on every request: its values, one per line of `file`, cycled through.
 *
 * @example
 * ```ts
 * const tokens: Variants = { header: 'authorization', file: '/tmp/tokens.txt' };
 * ```
 */
export interface Variants { header: string; file: string }

/**
 * Writes `values` to a temporary file, one per line, for the load generator to cycle through as
 * the `header` of its requests.
 *
 * @example
 * ```ts
 * const tokens = variantsFile('tokens', jwts.map((jwt) => `Bearer ${jwt}`), 'authorization');
 * await load(url, {}, 10, tokens);
 * ```
 */
export function variantsFile(label: string, values: string[], header: string): Variants {
  const file = join(tmpdir(), `oidc-kit-bench-${label}-${process.pid}.txt`);
  writeFileSync(file, values.join('\n'));
  temporaryFiles.push(file);
  return { header, file };
}

/**
 * Runs the load generator (bench/loadgen.ts) on CPU 1 against `url` for `duration` seconds.
 *
 * @example
 * ```ts
 * const { rps, p99 } = await load('http://127.0.0.1:4302/protected', { cookie }, 10);
 * ```
 */
export function load(url: string, headers: Record<string, string>, duration: number, variants?: Variants): Promise<LoadResult> {
  const child = node('1', [join(import.meta.dirname, 'loadgen.ts'), JSON.stringify({ url, connections: CONNECTIONS, duration, headers, variants })]);
  let output = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited ${code}: ${errors}`));
      else resolve(JSON.parse(output) as LoadResult);
    });
  });
}
