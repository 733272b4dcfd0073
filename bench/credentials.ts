/**
 * Real credentials for the apps under test: a login through the app and the provider's own form
 * (session apps), a client-credentials access token (bearer apps), and distinct valid JWTs minted
 * with the provider's own signing key (the unique-JWT runs).
 *
 * @example
 * ```ts
 * const cookie = await login('oidc-kit-session');           // the app's Cookie header after a login
 * const jwt = await clientCredentials(API_JWT);             // an ES256 access token for the API
 * const tokens = await mintTokens(30_000, es.privateKey);   // distinct JWTs, one per request
 * ```
 */
import { SignJWT, type CryptoKey } from 'jose';
import { loginThroughProvider, TestBrowser } from '../test/support/browser.ts';
import { CookieJar } from '../test/support/cookie-jar.ts';
import { API_JWT, appSpec, appUrl, CLIENT_ID, CLIENT_SECRET, ISSUER, SESSION_LOGIN, type SessionCredentials } from './config.ts';

/**
 * An access token from the provider's token endpoint (client credentials, RFC 8707 `resource`).
 *
 * @example
 * ```ts
 * const opaque = await clientCredentials(API_OPAQUE);
 * ```
 */
export async function clientCredentials(resource: string): Promise<string> {
  const answer = await fetch(`${ISSUER}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'api:read' }),
  });
  const body = await answer.json() as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`client_credentials failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

/**
 * A real login through the app and the provider's form, started where that kind of session starts
 * one (config.ts, SESSION_LOGIN); returns the app's Cookie header.
 *
 * @example
 * ```ts
 * const cookie = await login('hono-oidc-auth'); // 'oidc-auth=eyJ…'
 * ```
 */
export async function login(app: string): Promise<string> {
  const jar = new CookieJar();
  const start = SESSION_LOGIN[appSpec(app)!.credentials as SessionCredentials].start;
  const { response, url } = await loginThroughProvider(new TestBrowser(jar), `${appUrl(app)}${start}`, 'bench-user');
  if (response.status >= 500 || url.origin !== appUrl(app)) throw new Error(`login through ${app} failed: ${response.status} at ${url.href}`);
  const cookie = jar.header(`${appUrl(app)}/protected`);
  if (cookie === undefined) throw new Error(`login through ${app} left no cookie`);
  return cookie;
}

/**
 * `count` distinct, valid access tokens for the JWT API, signed with the provider's ES256 key, as
 * the provider would issue them to as many clients.
 *
 * @example
 * ```ts
 * const tokens = await mintTokens(30_000, es.privateKey); // ['eyJ…', …]
 * ```
 */
export async function mintTokens(count: number, privateKey: CryptoKey): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push(await new SignJWT({ client_id: CLIENT_ID, scope: 'api:read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench-es256', typ: 'at+jwt' })
      .setIssuer(ISSUER).setAudience(API_JWT).setSubject(`user-${i}`).setJti(`jti-${i}`)
      .setIssuedAt(now).setExpirationTime(now + 3600)
      .sign(privateKey));
  }
  return tokens;
}
