/**
 * The smoke app as a Cloudflare Worker (bundled by `bun build`, run by workerd through Miniflare
 * with `nodejs_compat`). It is made at module scope, from `env` as `cloudflare:workers` gives it
 * there: workerd refuses I/O and random numbers at module scope, so this proves that making
 * oidc-kit's adapters does neither (discovery waits for the first request).
 */
// @ts-expect-error -- workerd's own module, resolved by workerd (the bundle leaves it external)
import { env } from 'cloudflare:workers';
import { type SmokeEnv, smokeApp } from './smoke-app.ts';

const app = smokeApp(env as SmokeEnv);

export default {
  fetch(request: Request): Response | Promise<Response> {
    return app(request);
  },
};
