/**
 * A fetch handler (`(request: Request) => Response | Promise<Response>`) served by Node's own HTTP server:
 * what Bun.serve, Deno.serve, Workers and Next.js do for you, in a few lines, so that the fetch
 * examples run on Node without another framework. (In production on Node, `@hono/node-server`'s
 * `getRequestListener(handler)` does the same with more care for back-pressure and aborts.)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/**
 * Node's request as a Web `Request` (headers as sent, the body streamed), and the handler's
 * `Response` written back, every `Set-Cookie` kept apart. The URL's origin comes from the `Host`
 * header, as on every platform; oidc-kit ignores it (it builds every URL from `baseUrl`).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(toNodeListener(async (request) => new Response('hello'))).listen(3000);
 * ```
 */
export function toNodeListener(handler: (request: Request) => Response | Promise<Response>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void answer(handler, req, res).catch((error: unknown) => {
      console.error('fetch handler failed:', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
      else res.destroy();
    });
  };
}

async function answer(handler: (request: Request) => Response | Promise<Response>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    // HTTP/2 pseudo-headers and HTTP/1 connection headers are no part of a Request.
    if (!name.startsWith(':') && !/^(connection|keep-alive|transfer-encoding|upgrade)$/i.test(name)) headers.append(name, req.rawHeaders[i + 1]!);
  }
  const url = `http://${/^[\w.:[\]-]+$/.test(req.headers.host ?? '') ? req.headers.host : 'localhost'}${req.url ?? '/'}`;
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  // A streamed body needs `duplex: 'half'` (Node's fetch implementation insists).
  if (method !== 'GET' && method !== 'HEAD') Object.assign(init, { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' });
  const response = await handler(new Request(url, init));

  const out: string[] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') out.push(name, value);
  });
  for (const cookie of response.headers.getSetCookie()) out.push('set-cookie', cookie);
  res.writeHead(response.status, out);
  if (response.body === null || method === 'HEAD') res.end();
  else await pipeline(Readable.fromWeb(response.body as NodeReadableStream), res);
}
