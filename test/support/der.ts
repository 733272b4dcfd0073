/**
 * A minimal DER writer, for the self-signed certificates the tests and the bench make in-process
 * (the attacker's x5c/x5u certificate, the bench provider's TLS certificate): Node has no API to
 * make a certificate, and openssl need not be installed.
 */

/**
 * One tag-length-value.
 *
 * @example
 * ```ts
 * der(0x30, der(0x02, Buffer.from([1]))); // SEQUENCE { INTEGER 1 }
 * ```
 */
export function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  let length: Buffer;
  if (body.length < 0x80) {
    length = Buffer.from([body.length]);
  } else {
    const bytes: number[] = [];
    for (let n = body.length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

/**
 * An OBJECT IDENTIFIER from its dotted form.
 *
 * @example
 * ```ts
 * oid('2.5.4.3'); // commonName
 * ```
 */
export function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = arc >> 7; n > 0; n >>= 7) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}
