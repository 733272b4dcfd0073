import type { RequestView } from '../http.ts';

/** `, ` and a scheme (RFC 9110 tchars) followed by a space or the end: where a joined credential begins. */
const JOINED_CREDENTIAL = /, [!#$%&'*+.^_`|~0-9A-Za-z-]+(?= |$)/g;

/**
 * The core's view of a Web-standard `Request` (fetch handlers, Hono, Bun, Deno, Workers). The URL
 * is the path and query only: the core resolves it against the configured `baseUrl`, never the
 * request's own host (which only picks one of several `baseUrl` entries). A `Headers` object joins
 * repeated headers with `, `; `headerCount` reads the count of credentials back from that (see there).
 *
 * @example
 * ```ts
 * const view = new FetchRequestView(new Request('https://app.example/callback?code=x&state=y'));
 * view.url; // '/callback?code=x&state=y'
 * ```
 */
export class FetchRequestView implements RequestView {
  readonly #request: Request;
  #url: string | undefined;

  constructor(request: Request) {
    this.#request = request;
  }

  get method(): string {
    return this.#request.method;
  }

  get url(): string {
    if (this.#url === undefined) {
      const url = this.#request.url;
      // `scheme://host` is followed by the path; find its first slash without parsing a URL object.
      const start = url.indexOf('/', url.indexOf('//') + 2);
      this.#url = start === -1 ? '/' : url.slice(start);
    }
    return this.#url;
  }

  header(name: string): string | undefined {
    return this.#request.headers.get(name) ?? undefined;
  }

  /**
   * The `Host` header, else the host of the URL, which the runtime built from what the client
   * named (a runtime may keep the Host out of `headers`). Never the URL's scheme: behind a proxy
   * that ends TLS it says `http` (honojs/node-server#146); the scheme comes from `baseUrl`.
   */
  host(): string | undefined {
    const header = this.#request.headers.get('host');
    if (header !== null) return header;
    const url = this.#request.url;
    const start = url.indexOf('//') + 2;
    const end = url.indexOf('/', start);
    return start === 1 ? undefined : url.slice(start, end === -1 ? url.length : end);
  }

  /**
   * How many credentials an `Authorization` header carried (RFC 9110 §11.6.2): `Headers` joined
   * repeated ones with `, `, and each begins with its scheme, a token followed by a space or the
   * end — unlike an auth-param (`, realm="api"`), whose name is followed by `=`.
   */
  headerCount(name: string): number {
    const value = this.#request.headers.get(name);
    return value === null ? 0 : 1 + (value.match(JOINED_CREDENTIAL)?.length ?? 0);
  }

  /**
   * The body as text, read no further than `maxBytes` (a larger body: `undefined`, the rest is not
   * read). It reads a clone, so that the application's handler can still read the body itself.
   */
  async readBody(maxBytes: number): Promise<string | undefined> {
    const stream = this.#request.clone().body;
    if (stream === null) return '';
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        void reader.cancel(); // not awaited: a tee branch's cancel settles only when the other branch ends too
        return undefined;
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return new TextDecoder().decode(bytes);
  }
}
