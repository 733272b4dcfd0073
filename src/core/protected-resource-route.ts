/**
 * The RFC 9728 protected-resource metadata document (`/.well-known/oauth-protected-resource`),
 * built once from the configuration: which resource this is, which authorization servers issue
 * its tokens, how tokens may be sent and whether (and with which algorithms) DPoP is accepted.
 */
import type { ResponsePlan } from '../http.ts';
import type { CoreServices } from './core-services.ts';

/** Documents by services: the configuration does not change, so neither does the answer. */
const documents = new WeakMap<CoreServices, ResponsePlan>();

/**
 * The answer of the metadata route: JSON, public (cacheable for five minutes, readable from any
 * origin: the document is public by design, and browser clients read it before they call the
 * API).
 *
 * @example
 * ```ts
 * const plan = protectedResourceMetadata(services);
 * JSON.parse(plan.body!).resource; // 'https://api.example.com'
 * ```
 */
export function protectedResourceMetadata(services: CoreServices): ResponsePlan {
  let plan = documents.get(services);
  if (plan !== undefined) return plan;
  const { config } = services;
  const rs = config.resourceServer;
  const metadata = rs.metadata!;
  const bearerMethods = ['header', ...(rs.allowFormToken ? ['body'] : []), ...(rs.allowQueryToken ? ['query'] : [])];
  const document: Record<string, unknown> = {
    resource: metadata.resource,
    authorization_servers: metadata.authorizationServers ?? [config.providers.get(rs.provider)!.issuer],
    ...(metadata.scopes === undefined ? {} : { scopes_supported: metadata.scopes }),
    // A route that requires DPoP takes no Bearer token at all; RFC 9728 §2 lists how a Bearer token may come.
    bearer_methods_supported: rs.dpop.mode === 'required' ? [] : bearerMethods,
    ...(rs.dpop.mode === 'off' ? {} : { dpop_signing_alg_values_supported: rs.dpop.algorithms }),
    dpop_bound_access_tokens_required: rs.dpop.mode === 'required',
    ...(metadata.resourceName === undefined ? {} : { resource_name: metadata.resourceName }),
  };
  plan = {
    status: 200,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
    },
    body: JSON.stringify(document),
  };
  documents.set(services, plan);
  return plan;
}
