import type { IncomingMessage } from 'node:http';
import type { RequestView } from '../../http.ts';

/**
 * The core's view of a request on Node's HTTP server, for the adapters of frameworks built on it
 * (Express, Fastify): headers as Node parsed them, the raw header count, and the body — from what a
 * body parser made of it, else read from the stream. A framework overrides where its request differs
 * (`url`, the parsed body). A class rather than an object of closures: one small allocation per
 * request on the hot path.
 *
 * @example
 * ```ts
 * const view = new NodeRequestView(req);
 * view.header('cookie');
 * ```
 */
export class NodeRequestView implements RequestView {
  protected readonly raw: IncomingMessage;

  constructor(raw: IncomingMessage) {
    this.raw = raw;
  }

  get method(): string {
    return this.raw.method ?? 'GET';
  }

  get url(): string {
    return this.raw.url ?? '/';
  }

  header(name: string): string | undefined {
    const value = this.raw.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** HTTP/1.1 names the host in `Host`; HTTP/2 (Node's compatibility API) in `:authority`. */
  host(): string | undefined {
    return this.raw.headers.host ?? this.header(':authority');
  }

  /** Node keeps one `Authorization` header of several; the core must see that there were two. */
  headerCount(name: string): number {
    const raw = this.raw.rawHeaders;
    let count = 0;
    // Lengths first: most headers are skipped without making a lower-case copy of their name.
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) count += 1;
    return count;
  }

  readBody(maxBytes: number): Promise<string | undefined> {
    const parsed = this.parsedBody();
    if (typeof parsed === 'string') return Promise.resolve(Buffer.byteLength(parsed) > maxBytes ? undefined : parsed);
    if (Buffer.isBuffer(parsed)) return Promise.resolve(parsed.length > maxBytes ? undefined : parsed.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && (this.raw.readableEnded || Object.keys(parsed).length > 0)) {
      return Promise.resolve(formText(parsed as Record<string, unknown>));
    }
    if (this.raw.readableEnded) return Promise.resolve('');
    return readStream(this.raw, maxBytes).then((text) => {
      if (text !== undefined) this.keepBody(text);
      return text;
    });
  }

  /** What the framework's body parser made of the body (`undefined`: nothing, the stream is unread). */
  protected parsedBody(): unknown {
    return undefined;
  }

  /** Called with a body read from the stream, for a framework to keep it where its parsers look. */
  protected keepBody(text: string): void {
    void text;
  }
}

/** A parsed form (an object of strings or lists, as body parsers make it) back as form text. */
function formText(parsed: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(parsed)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, typeof item === 'string' ? item : JSON.stringify(item));
  }
  return form.toString();
}

/** The stream read to its end (so that an answer can follow), keeping no more than `maxBytes`. */
function readStream(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
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
      if (size <= maxBytes) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', reject);
  });
}
