/**
 * The one file the core may read — a `client_secrets.json` given by path — through the runtime's
 * `node:fs`, looked up when a file is read rather than imported: a Worker bundle then loads on a
 * runtime without `node:fs` (workerd before its 2025-09-15 compatibility date), where an app passes
 * the parsed object instead.
 */

interface FileSystem {
  readFileSync(path: string, encoding: 'utf8'): string;
}

/**
 * A text file's content, or `undefined` when this runtime has no file system to read it with.
 * Errors of the read itself (no such file) are thrown as `node:fs` throws them.
 *
 * @example
 * ```ts
 * const text = readTextFile('client_secrets.json');
 * if (text === undefined) throw new Error('this runtime cannot read files');
 * ```
 */
export function readTextFile(path: string): string | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = runtime?.getBuiltinModule?.('node:fs') as FileSystem | undefined;
  return fs?.readFileSync(path, 'utf8');
}
