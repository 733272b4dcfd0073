/**
 * `node examples/dev-provider/main.ts`: the development provider on its own, for the minimal apps
 * of examples/express, examples/fastify, examples/hono and examples/fetch. It listens on
 * http://127.0.0.1:4000 with one client, `demo-client`, registered for an app at
 * http://localhost:3000 — the values in examples/dev-provider/dev.env, which the apps read:
 *
 * ```sh
 * node examples/dev-provider/main.ts        # in one terminal
 * node --env-file=examples/dev-provider/dev.env --conditions=oidc-kit-source examples/hono/app.ts
 * ```
 *
 * Any username logs in with any password. FOR DEVELOPMENT ONLY: its client secret is public.
 *
 * Environment: `DEV_PROVIDER_PORT` (default 4000) and `APP_URL` (default http://localhost:3000),
 * should the app run elsewhere (then set OIDC_ISSUER and BASE_URL to match).
 */
import { devClient, startDevProvider } from '../../src/dev-provider/dev-provider.ts';

const port = Number(process.env.DEV_PROVIDER_PORT ?? 4000);
const appUrl = (process.env.APP_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const client = devClient(`${appUrl}/callback`, {
  // oidc-kit's /logout ends the session at the provider too, which then sends the browser back here.
  post_logout_redirect_uris: [`${appUrl}/logout/callback`, `${appUrl}/`],
});
const provider = await startDevProvider({ port, clients: [client] });

console.log(`Development OpenID provider (development only): issuer ${provider.issuer}
  client for ${appUrl}: OIDC_CLIENT_ID=${client.client_id} OIDC_CLIENT_SECRET=${client.client_secret}
  log in with any username and password; Ctrl+C stops it.`);

const stop = (): void => void provider.close().finally(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
