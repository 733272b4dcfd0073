/**
 * The benchmark's OpenID Provider: the project's development provider (oidc-provider), in a process
 * of its own so that it can be pinned beside the app under test, as the anchors' harness did.
 * The signing key comes from the runner (OP_SIGNING_JWK), which mints the unique JWTs with it. A
 * stats server on OP_PORT + 1 counts the requests that reached the provider (GET /stats, ?reset=1).
 * With OP_TLS_KEY and OP_TLS_CERT, a second instance of the same provider (same client, keys and
 * settings) serves HTTPS on OP_TLS_PORT, for the apps whose library refuses plain-http providers;
 * the stats count the requests of both.
 */
import { createServer } from 'node:http';
import type { JWK } from 'jose';
import { errors, type ClientMetadata, type Configuration } from 'oidc-provider';
import { startDevProvider } from '../src/dev-provider/dev-provider.ts';
import { API_JWT, API_OPAQUE, APPS, BASELINE_SUFFIX, CLIENT_ID, CLIENT_SECRET, HOST, OP_PORT, OP_STATS_PORT, OP_TLS_PORT, appSpec, isSession, appUrl } from './config.ts';

// The access tokens' key (the runner mints the unique JWTs with it) and the ID tokens' (RS256).
const signingKey = JSON.parse(process.env['OP_SIGNING_JWK'] ?? 'null') as JWK | null;
const idTokenKey = JSON.parse(process.env['OP_EXTRA_JWK'] ?? 'null') as JWK | null;
if (signingKey === null || idTokenKey === null) throw new Error('OP_SIGNING_JWK and OP_EXTRA_JWK are required');

// Every app that logs in, and the baseline variant of each that has one (an A/B run logs in both).
const loginApps = Object.keys(APPS)
  .flatMap((name) => [name, `${name}${BASELINE_SUFFIX}`])
  .filter((name) => isSession(appSpec(name)?.credentials ?? 'none'));
const client: ClientMetadata = {
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  redirect_uris: loginApps.map((name) => `${appUrl(name)}/callback`),
  post_logout_redirect_uris: loginApps.map((name) => `${appUrl(name)}/`),
  response_types: ['code'],
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  token_endpoint_auth_method: 'client_secret_basic',
};

// A fresh object per instance: oidc-provider keeps what it is given.
const configuration = (): Partial<Configuration> => ({
  jwks: { keys: [idTokenKey, signingKey] },
  ttl: { AccessToken: 3600, ClientCredentials: 3600, IdToken: 3600 },
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    // DPoP (RFC 9449): a client-credentials request with a DPoP proof gets a token bound to the
    // proof's key (cnf.jkt), for the DPoP apps; one without stays a Bearer token.
    dPoP: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf,
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx: unknown, resource: string) => {
        if (resource === API_JWT) return { scope: 'api:read', audience: API_JWT, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: signingKey.alg } } };
        if (resource === API_OPAQUE) return { scope: 'api:read', audience: API_OPAQUE, accessTokenTTL: 3600, accessTokenFormat: 'opaque' };
        throw new errors.InvalidTarget();
      },
    },
  } as Configuration['features'],
  scopes: ['openid', 'email', 'profile', 'offline_access', 'api:read'],
});
const op = await startDevProvider({ port: OP_PORT, clients: [{ ...client }], configuration: configuration() });
const tls = process.env['OP_TLS_KEY'] === undefined || process.env['OP_TLS_CERT'] === undefined
  ? undefined
  : { key: process.env['OP_TLS_KEY'], cert: process.env['OP_TLS_CERT'] };
const opTls = tls === undefined ? undefined : await startDevProvider({ port: OP_TLS_PORT, clients: [{ ...client }], configuration: configuration(), tls });
const providers = opTls === undefined ? [op] : [op, opTls];

const stats = createServer((req, res) => {
  const counts: Record<string, number> = {};
  for (const { requests } of providers) {
    for (const request of requests) counts[request.path] = (counts[request.path] ?? 0) + 1;
    if (req.url?.includes('reset=1')) requests.length = 0;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(counts));
});
stats.listen(OP_STATS_PORT, HOST, () => console.log(`[op] listening ${op.issuer} pid=${process.pid}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void Promise.all(providers.map((p) => p.close())).then(() => process.exit(0)));
