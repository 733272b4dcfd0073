/**
 * `proxy: 'env'` on a runtime, run as a script by Node.js, Bun or Deno (test/runtimes/env-proxy.test.ts):
 * an API-only app on the fetch adapter gets a client credentials token from its provider (discovery,
 * then the token endpoint), with HTTP_PROXY / NO_PROXY in its environment. Prints one JSON line:
 * whether it got the token, whether oidc-kit made a fetch of its own for the proxy, and whether the
 * `undici` package was loaded.
 */
import { OpenIDConnect } from '../../../src/fetch.ts';

interface Runtime {
  process?: { env: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown };
  Deno?: { env: { get(name: string): string | undefined } };
}
const runtime = globalThis as Runtime;
const variable = (name: string): string => runtime.Deno?.env.get(name) ?? runtime.process?.env[name] ?? '';

const oidc = new OpenIDConnect({
  resourceServerOnly: true,
  issuer: variable('OIDC_ISSUER'),
  clientId: variable('OIDC_CLIENT_ID'),
  clientSecret: variable('OIDC_CLIENT_SECRET'),
  proxy: 'env',
  logger: { warn: (message) => console.error(message) },
});
const token = await oidc.clientCredentials();

/**
 * Whether the undici package is in Node's CommonJS cache (where oidc-kit's createRequire puts it);
 * null on Bun and Deno, whose caches do not tell reliably.
 */
function undiciLoaded(): boolean | null {
  if (runtime.Deno !== undefined || 'Bun' in globalThis) return null;
  const modules = runtime.process?.getBuiltinModule?.('node:module') as { createRequire(from: string): { cache: Record<string, unknown> } } | undefined;
  if (modules === undefined) return null;
  return Object.keys(modules.createRequire(import.meta.url).cache).some((path) => /[\\/]node_modules[\\/]undici[\\/]/.test(path));
}

console.log(JSON.stringify({
  token: typeof token.accessToken === 'string' && token.accessToken !== '',
  // Whether oidc-kit made a fetch of its own for the proxy, or left the runtime's in place.
  ownFetch: oidc.config.provider.fetch !== undefined,
  undici: undiciLoaded(),
}));
