// oidc-kit's fetch adapter, served on Node by @hono/node-server and routed by path as bare-fetch is,
// as docs/fetch.md has it: `oidc.handle(request) ?? route(request)` with the route behind
// requireLogin(), the session in an encrypted cookie (oidc-kit-session-fetch), or an API-only app
// whose route is behind acceptToken() (oidc-kit-bearer-jwt-fetch; it has no library routes to answer).
// As oidc-kit-dpop-jwt-fetch, that API-only app with `baseUrl` (a proof's htu is checked against it)
// and acceptToken({ dpop: 'required' }): a DPoP-bound JWT and a fresh proof on every request.
import { API_JWT } from '../config.ts';
import { BASE_URL, SPEC } from './common.ts';
import { fetchAdapter } from './library.ts';
import { bearerOptions, dpopOptions, sessionOptions } from './oidc-kit-options.ts';
import { serveFetch } from './serve-fetch.ts';

const { OpenIDConnect } = await fetchAdapter();
const notFound = (): Response => new Response('Not Found', { status: 404 });
if (SPEC.credentials === 'oidc-kit-session') {
  const oidc = new OpenIDConnect(sessionOptions(BASE_URL));
  const guarded = oidc.handler([oidc.requireLogin()], (_request, context) => Response.json({ sub: context.user?.sub, ok: true }));
  serveFetch((request) => oidc.handle(request) ?? (new URL(request.url).pathname === '/protected' ? guarded(request) : notFound()));
} else {
  const dpop = SPEC.credentials === 'dpop-jwt';
  const oidc = new OpenIDConnect(dpop ? dpopOptions(API_JWT, BASE_URL) : bearerOptions(API_JWT));
  const guarded = oidc.handler([oidc.acceptToken(dpop ? { dpop: 'required' } : {})], (_request, context) => Response.json({ sub: context.token?.sub ?? context.token?.client_id, ok: true }));
  serveFetch((request) => (new URL(request.url).pathname === '/protected' ? guarded(request) : notFound()));
}
