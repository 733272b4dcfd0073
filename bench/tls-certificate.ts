/**
 * A throw-away TLS certificate for 127.0.0.1, made in-process: an EC P-256 key and a self-signed
 * X.509 v3 certificate naming `127.0.0.1` and `localhost` in its subjectAltName, valid for a week.
 *
 * Why the bench needs one: `@hono/oidc-auth` (the Hono anchor) talks to its provider through
 * oauth4webapi, which refuses plain-http providers and offers no switch to the middleware's users.
 * So the anchor logs in against a second instance of the bench's provider that speaks HTTPS
 * (bench/op.ts), and trusts this certificate through NODE_EXTRA_CA_CERTS; the runner's own
 * scripted browser trusts it with `tls.setDefaultCACertificates`. Node has no API to make a
 * certificate, and openssl need not be installed, hence the small DER writer below.
 *
 * @example
 * ```ts
 * const { key, cert } = selfSignedCertificate();
 * https.createServer({ key, cert }, handler).listen(4202, '127.0.0.1');
 * tls.setDefaultCACertificates([...tls.getCACertificates('default'), cert]);
 * ```
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { der, oid } from '../test/support/der.ts';

/** UTCTime, YYMMDDHHMMSSZ. */
function utcTime(date: Date): Buffer {
  return der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`));
}

function pem(label: string, body: Buffer): string {
  return `-----BEGIN ${label}-----\n${body.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

/**
 * A fresh key and a self-signed certificate for https://127.0.0.1 (and localhost), both PEM.
 *
 * @example
 * ```ts
 * const { key, cert } = selfSignedCertificate();
 * writeFileSync('/tmp/bench-ca.pem', cert); // NODE_EXTRA_CA_CERTS=/tmp/bench-ca.pem for a client process
 * ```
 */
export function selfSignedCertificate(): { key: string; cert: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecdsaWithSha256 = der(0x30, oid('1.2.840.10045.4.3.2'));
  const name = der(0x30, der(0x31, der(0x30, oid('2.5.4.3'), der(0x0c, Buffer.from('oidc-kit bench 127.0.0.1')))));
  const now = Date.now();
  const validity = der(0x30, utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 7 * 86_400_000)));
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  // A positive serial: the top bit of its first byte clear.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  // subjectAltName: iPAddress 127.0.0.1 ([7]) and dNSName localhost ([2]); a TLS client checks an
  // IP address against these, never against the common name. basicConstraints CA:TRUE, so that
  // the certificate is its own trust anchor.
  const altNames = der(0x30, der(0x87, Buffer.from([127, 0, 0, 1])), der(0x82, Buffer.from('localhost')));
  const extensions = der(0xa3, der(0x30,
    der(0x30, oid('2.5.29.17'), der(0x04, altNames)),
    der(0x30, oid('2.5.29.19'), der(0x01, Buffer.from([0xff])), der(0x04, der(0x30, der(0x01, Buffer.from([0xff]))))),
  ));
  const tbs = der(0x30, der(0xa0, der(0x02, Buffer.from([2]))), der(0x02, serial), ecdsaWithSha256, name, validity, name, spki, extensions);
  const signature = sign('sha256', tbs, privateKey);
  const certificate = der(0x30, tbs, ecdsaWithSha256, der(0x03, Buffer.from([0]), signature));
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert: pem('CERTIFICATE', certificate) };
}
