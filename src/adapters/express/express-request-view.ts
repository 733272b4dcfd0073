import type { Request } from 'express';
import { isFormContentType } from '../../form-body.ts';
import type { RequestView } from '../../http.ts';

/**
 * The core's view of an Express request. A class rather than an object of closures: one small
 * allocation per request on the hot path.
 *
 * @example
 * ```ts
 * const view = new ExpressRequestView(req);
 * view.header('cookie');
 * ```
 */
export class ExpressRequestView implements RequestView {
  readonly #req: Request;

  constructor(req: Request) {
    this.#req = req;
  }

  get method(): string {
    return this.#req.method;
  }

  get url(): string {
    return this.#req.originalUrl;
  }

  header(name: string): string | undefined {
    const value = this.#req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  headerCount(name: string): number {
    const raw = this.#req.rawHeaders;
    let count = 0;
    // Lengths first: most headers are skipped without making a lower-case copy of their name.
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) count += 1;
    return count;
  }

  readBody(maxBytes: number): Promise<string | undefined> {
    return readBody(this.#req, maxBytes);
  }
}

/**
 * The request body as text. When a body parser already consumed it, its result is turned back
 * into a form string (express.urlencoded) or taken as is (express.text / express.raw).
 */
function readBody(req: Request, maxBytes: number): Promise<string | undefined> {
  const parsed: unknown = req.body;
  if (typeof parsed === 'string') return Promise.resolve(Buffer.byteLength(parsed) > maxBytes ? undefined : parsed);
  if (Buffer.isBuffer(parsed)) return Promise.resolve(parsed.length > maxBytes ? undefined : parsed.toString('utf8'));
  if (typeof parsed === 'object' && parsed !== null && (req.readableEnded || Object.keys(parsed).length > 0)) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      for (const item of Array.isArray(value) ? value : [value]) form.append(name, typeof item === 'string' ? item : JSON.stringify(item));
    }
    return Promise.resolve(form.toString());
  }
  if (req.readableEnded) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.resume(); // drain the rest without keeping it
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (size > maxBytes) return;
      const text = Buffer.concat(chunks).toString('utf8');
      keepParsedForm(req, text);
      resolve(text);
    });
    req.once('error', reject);
  });
}

/**
 * The body stream can be read once: after oidc-kit read a form body (a form-body bearer token, a
 * logout token), later body parsers would find nothing. Like body-parser, leave the parsed form
 * in `req.body` and mark it read (`_body`), which express.urlencoded() respects.
 */
function keepParsedForm(req: Request, text: string): void {
  if (!isFormContentType(req.headers['content-type'])) return;
  const form = Object.create(null) as Record<string, string | string[]>; // no prototype: a field named __proto__ stays a field
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = form[name];
    form[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  const target = req as Request & { _body?: boolean };
  target.body = form;
  target._body = true;
}
