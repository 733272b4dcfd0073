/**
 * `proxy: 'env'`: provider calls through the proxy of HTTPS_PROXY / HTTP_PROXY, NO_PROXY honoured.
 * Each runtime does this its own way, decided here once, at start-up:
 *
 * - Bun and Deno: their `fetch` reads the variables on every call already; nothing to do.
 * - Node.js with its own proxy support on (`NODE_USE_ENV_PROXY=1` or `--use-env-proxy`, Node ≥
 *   22.21 or ≥ 24.5): the same. What Node ships is preferred, and it needs no package.
 * - Node.js otherwise: its `fetch` ignores the variables, and the only switch it has at run time
 *   (`http.setGlobalProxyFromEnv()`, Node ≥ 24.14) reroutes every request of the whole process,
 *   which a library must not do behind the app's back. So oidc-kit's calls alone go through undici's
 *   `EnvHttpProxyAgent` (which honours NO_PROXY; undici's `ProxyAgent` does not), from the `undici`
 *   package, an optional peer dependency loaded only here. Missing, it is a start-up error.
 * - Cloudflare Workers: outbound requests leave through Cloudflare, there is no proxy to set; a
 *   start-up error rather than an option that silently does nothing. Other runtimes: likewise.
 *
 * Nothing here is imported from `node:*` at the top: the fetch adapter's bundle must load on
 * workerd. `node:module` is looked up with `process.getBuiltinModule` when, and only when, needed.
 */
import type { ProviderFetch } from '../config/outbound-options.ts';
import { ConfigurationError } from '../errors.ts';

/** The runtimes `proxy: 'env'` knows. */
export type RuntimeName = 'node' | 'bun' | 'deno' | 'workerd' | 'other';

/**
 * What decides how `proxy: 'env'` is honoured; {@link currentRuntime} reads it from this process.
 *
 * @example
 * ```ts
 * const facts: RuntimeFacts = { ...currentRuntime(), env: { NODE_USE_ENV_PROXY: '1' } };
 * ```
 */
export interface RuntimeFacts {
  readonly runtime: RuntimeName;
  /** Node.js's version as numbers, e.g. `[24, 21, 0]`; empty elsewhere. */
  readonly nodeVersion: readonly number[];
  /** The process's environment (`NODE_USE_ENV_PROXY`, `NODE_OPTIONS`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The process's Node.js flags (`--use-env-proxy`). */
  readonly execArgv: readonly string[];
  /** Loads a CommonJS package as oidc-kit's own code would; throws when it is not installed. */
  readonly load: (name: string) => unknown;
}

/** What oidc-kit uses of the undici package. */
interface Undici {
  EnvHttpProxyAgent: new () => object;
  fetch: (url: string, init: RequestInit & { dispatcher: object }) => Promise<Response>;
}

/**
 * The fetch that honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY on this runtime, or `undefined` when
 * the runtime's own `fetch` already does. Throws a {@link ConfigurationError} (option `proxy`) where
 * it cannot be honoured, naming the fix.
 *
 * @example
 * ```ts
 * const providerFetch = envProxyFetch(); // undefined on Bun and Deno
 * ```
 */
export function envProxyFetch(facts: RuntimeFacts = currentRuntime()): ProviderFetch | undefined {
  switch (facts.runtime) {
    case 'bun':
    case 'deno':
      return undefined;
    case 'workerd':
      throw new ConfigurationError('proxy', '"env" has no meaning on Cloudflare Workers: their requests leave through Cloudflare\'s network, and no proxy can be set there. Drop the option for the Worker (or pass `fetch` to route the calls yourself).');
    case 'other':
      throw new ConfigurationError('proxy', '"env" is known on Node.js, Bun and Deno only; on this runtime, pass a `fetch` that goes through your proxy instead.');
    case 'node':
      return nodeEnvProxyFetch(facts);
  }
}

function nodeEnvProxyFetch(facts: RuntimeFacts): ProviderFetch | undefined {
  if (nodeProxiesFetch(facts)) return undefined;
  let undici: Undici;
  try {
    undici = facts.load('undici') as Undici;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigurationError('proxy', '"env" needs, on Node.js, either Node\'s own proxy support — start Node with NODE_USE_ENV_PROXY=1 or --use-env-proxy (Node 22.21 or later, 24.5 or later) — or the undici package: npm install undici.');
  }
  if (typeof undici.EnvHttpProxyAgent !== 'function' || typeof undici.fetch !== 'function') {
    throw new ConfigurationError('proxy', '"env" needs undici 7 or later (its EnvHttpProxyAgent); the undici installed is older: npm install undici@latest.');
  }
  // One agent for the app's life: it reads HTTP(S)_PROXY now, and keeps its connections to the proxy.
  // undici's own fetch with it, not Node's: the two always match, whatever undici Node bundles.
  const dispatcher = new undici.EnvHttpProxyAgent();
  return (url, init) => undici.fetch(url, { ...init, dispatcher });
}

/** Whether Node.js's own fetch routes by the variables: its proxy support is on, and the version has it. */
function nodeProxiesFetch(facts: RuntimeFacts): boolean {
  const [major = 0, minor = 0] = facts.nodeVersion;
  const supported = major > 24 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21);
  if (!supported) return false;
  const flags = [...facts.execArgv, ...(facts.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  // As in Node, the flag wins over the variable, and a later flag over an earlier one.
  const flag = flags.filter((f) => f === '--use-env-proxy' || f === '--no-use-env-proxy').at(-1);
  if (flag !== undefined) return flag === '--use-env-proxy';
  return facts.env['NODE_USE_ENV_PROXY'] === '1';
}

interface NodeProcess {
  versions?: { node?: string; bun?: string; deno?: string };
  env?: Record<string, string | undefined>;
  execArgv?: string[];
  getBuiltinModule?: (id: string) => unknown;
}

/**
 * This process's {@link RuntimeFacts}.
 *
 * @example
 * ```ts
 * currentRuntime().runtime; // 'node'
 * ```
 */
export function currentRuntime(): RuntimeFacts {
  const global = globalThis as { process?: NodeProcess; Bun?: unknown; Deno?: unknown; navigator?: { userAgent?: string } };
  const process = global.process;
  // Bun and Deno also have `process.versions.node` (their Node.js compatibility): ask them first.
  const runtime: RuntimeName = global.Bun !== undefined || process?.versions?.bun !== undefined ? 'bun'
    : global.Deno !== undefined ? 'deno'
    : global.navigator?.userAgent === 'Cloudflare-Workers' ? 'workerd'
    : typeof process?.versions?.node === 'string' ? 'node'
    : 'other';
  return {
    runtime,
    nodeVersion: runtime === 'node' ? (process?.versions?.node ?? '').split('.').map(Number) : [],
    env: process?.env ?? {},
    execArgv: process?.execArgv ?? [],
    load: (name) => {
      const module = process?.getBuiltinModule?.('node:module') as { createRequire(from: string): (id: string) => unknown } | undefined;
      if (module === undefined) throw Object.assign(new Error(`cannot load ${name} on this runtime`), { code: 'MODULE_NOT_FOUND' });
      // Resolved from oidc-kit's own place in node_modules, as its dependencies are.
      return module.createRequire(import.meta.url)(name);
    },
  };
}
