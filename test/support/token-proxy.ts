import { text as readBody } from 'node:stream/consumers';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the proxy changes an answer: the request path and the parsed JSON body in, a body out. */
export type ResponseRewrite = (path: string, body: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** A running proxy; `calls` counts requests per path so tests can assert what did NOT happen. */
export interface TokenProxy {
  url: string;
  calls: Map<string, number>;
  rewrite: ResponseRewrite | undefined;
  close(): Promise<void>;
}

/**
 * A small HTTP proxy in front of the dev provider's token and UserInfo endpoints. Tests point the
 * app's static `providerMetadata.token_endpoint` / `userinfo_endpoint` at it; it forwards requests
 * unchanged and lets a test rewrite JSON answers (e.g. an ID token re-signed with a wrong nonce, its
 * signature broken, a UserInfo `sub` changed), while counting every call.
 *
 * @example
 * ```ts
 * const proxy = await startTokenProxy(op.issuer);
 * proxy.rewrite = (path, body) => (path === '/token' ? { ...body, id_token: broken } : body);
 * ```
 */
export async function startTokenProxy(target: string): Promise<TokenProxy> {
  const calls = new Map<string, number>();
  const proxy: TokenProxy = { url: '', calls, rewrite: undefined, close: async () => {} };
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      calls.set(path, (calls.get(path) ?? 0) + 1);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers.set(name, value);
      }
      const body = req.method === 'GET' ? undefined : await readBody(req);
      const upstream = await fetch(new URL(req.url ?? '/', target), { method: req.method ?? 'GET', headers, body });
      let text = await upstream.text();
      if (proxy.rewrite && upstream.ok && upstream.headers.get('content-type')?.includes('json')) {
        text = JSON.stringify(await proxy.rewrite(path, JSON.parse(text) as Record<string, unknown>));
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    })().catch(() => {
      res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return proxy;
}
