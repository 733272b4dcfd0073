/**
 * `client_secret_basic` (RFC 6749 §2.3.1) as both kinds of server read it: the client id and secret
 * form-urlencoded as the WHATWG serializer does (what `URLSearchParams` writes), then Base64 in
 * `Authorization: Basic`.
 *
 * Why not openid-client's own: it also percent-encodes `-`, `.`, `_`, `~`, `!`, `*`, `'`, `(`
 * and `)`. A server that decodes (as RFC 6749 asks) reads either form the same, but many do not
 * decode (Glewlwyd 2.7, LemonLDAP::NG 2.16): to them `my-app` sent as `my%2Dapp` is an unknown
 * client. Encoding only what the form serializer encodes keeps `-`, `.`, `_` and `*` as they are,
 * so ids and secrets made of letters, digits and those work on both kinds of server, and anything
 * else is still encoded as the RFC asks.
 */
import type * as client from 'openid-client';

/**
 * A client authentication for openid-client that sends the credentials in `Authorization: Basic`
 * (`clientSecret` undefined: the client metadata's `client_secret`).
 *
 * @example
 * ```ts
 * const config = new client.Configuration(metadata, 'my-app', {}, clientSecretBasic('s3cr-t'));
 * ```
 */
export function clientSecretBasic(clientSecret: string | undefined): client.ClientAuth {
  return (_server, metadata, _body, headers) => {
    // As openid-client's: without a secret given, the client metadata's.
    const secret = clientSecret ?? metadata.client_secret;
    if (typeof secret !== 'string') throw new TypeError('oidc-kit: client_secret_basic needs a client secret.');
    headers.set('authorization', basicCredentials(metadata.client_id, secret));
  };
}

/**
 * The `Authorization` header value for a client id and secret.
 *
 * @example
 * ```ts
 * basicCredentials('my-app', 'a b~c'); // 'Basic ' + btoa('my-app:a+b%7Ec')
 * ```
 */
export function basicCredentials(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

/** One value as `application/x-www-form-urlencoded` writes it (ASCII only, so `btoa` takes it). */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}
