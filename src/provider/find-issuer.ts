import { OidcError } from '../errors.ts';
import { boundedFetch, MAX_METADATA_BYTES } from './bounded-fetch.ts';
import { isLoopback, type DiscoverOptions } from './discover.ts';
import { toOidcError } from './provider-error.ts';

const ISSUER_REL = 'http://openid.net/specs/connect/1.0/issuer';

/**
 * Finds the OpenID Provider of a user identifier with WebFinger (OpenID Connect Discovery 1.0 §2):
 * `alice@example.com` or `acct:alice@example.com` asks `https://example.com/.well-known/webfinger`,
 * a URL such as `https://example.com/alice` asks its own host. Returns the issuer, to pass to
 * {@link discover}, which then requires the metadata to name exactly that issuer.
 *
 * The WebFinger request and the issuer it returns must be https (http only for a loopback host in
 * development); an answer without exactly one issuer link is refused.
 *
 * @example
 * ```ts
 * const issuer = await findIssuer('alice@example.com'); // 'https://accounts.example.com'
 * const metadata = await discover(issuer);
 * ```
 */
export async function findIssuer(userInput: string, options: DiscoverOptions = {}): Promise<string> {
  const { resource, host } = normalizeUserInput(userInput.trim());
  const base = new URL(`https://${host}/.well-known/webfinger`);
  // Development only: a loopback host is asked over http (there is no certificate to present).
  if ((options.allowHttp ?? true) && isLoopback(base)) base.protocol = 'http:';
  base.searchParams.set('resource', resource);
  base.searchParams.set('rel', ISSUER_REL);
  let body: unknown;
  try {
    const response = await boundedFetch(MAX_METADATA_BYTES, options.fetch)(base, { headers: { accept: 'application/jrd+json, application/json' }, signal: AbortSignal.timeout(options.timeout ?? 5000), redirect: 'error' });
    if (response.status !== 200) throw new OidcError('provider_error', `WebFinger at ${base.origin} answered ${response.status}.`, { reason: 'webfinger' });
    body = await response.json();
  } catch (error) {
    if (error instanceof SyntaxError) throw new OidcError('provider_error', `WebFinger at ${base.origin} did not answer JSON.`, { reason: 'webfinger', cause: error });
    throw toOidcError(error, 'discovery');
  }
  const links = (body as { links?: unknown } | null)?.links;
  const issuers = Array.isArray(links)
    ? links.filter((link): link is { rel: string; href: unknown } => typeof link === 'object' && link !== null && (link as { rel?: unknown }).rel === ISSUER_REL)
    : [];
  if (issuers.length !== 1 || typeof issuers[0]!.href !== 'string') {
    throw new OidcError('provider_error', `WebFinger at ${base.origin} names ${issuers.length === 0 ? 'no' : 'more than one'} OpenID issuer for ${resource}.`, { reason: 'webfinger' });
  }
  const issuer = issuers[0]!.href;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new OidcError('provider_error', `WebFinger at ${base.origin} names an issuer that is not a URL.`, { reason: 'webfinger' });
  }
  const httpAllowed = (options.allowHttp ?? true) && isLoopback(url);
  if (url.protocol !== 'https:' && !(httpAllowed && url.protocol === 'http:')) {
    throw new OidcError('provider_error', `WebFinger at ${base.origin} names an issuer that is not https: ${issuer}.`, { reason: 'webfinger' });
  }
  return issuer;
}

/**
 * Discovery §2.1 normalisation: an e-mail-like input becomes an `acct:` URI; anything else is a URL
 * (https assumed when the scheme is missing), whose fragment is dropped.
 */
function normalizeUserInput(input: string): { resource: string; host: string } {
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(input);
  if (input.startsWith('acct:') || (!hasScheme && input.includes('@') && !input.includes('/'))) {
    const account = input.startsWith('acct:') ? input.slice(5) : input;
    const at = account.lastIndexOf('@');
    const host = account.slice(at + 1);
    if (at <= 0 || host === '') throw new OidcError('provider_error', `"${input}" is not a user identifier like alice@example.com.`, { reason: 'webfinger' });
    return { resource: `acct:${account}`, host };
  }
  let url: URL;
  try {
    url = new URL(hasScheme ? input : `https://${input}`);
  } catch {
    throw new OidcError('provider_error', `"${input}" is neither a user identifier like alice@example.com nor a URL.`, { reason: 'webfinger' });
  }
  url.hash = '';
  return { resource: url.href, host: url.host };
}
