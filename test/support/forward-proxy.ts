/**
 * A small HTTP forward proxy, as a company network puts between an app and the internet, for the
 * tests of `proxy: 'env'` (HTTP_PROXY / HTTPS_PROXY / NO_PROXY): it really forwards, and it records
 * everything it forwards so a test can assert that every provider call crossed it and that the
 * hosts in NO_PROXY did not.
 *
 * It speaks both ways clients use a proxy:
 *
 * - absolute-form requests (`GET http://host:port/path HTTP/1.1`), which Bun and Deno send for
 *   plain-http targets: forwarded to the target, each recorded;
 * - `CONNECT host:port` tunnels, which undici (Node's fetch) opens for every target, http or https.
 *   A tunnel whose first bytes are a TLS handshake is piped blind (only the tunnel is recorded: the
 *   requests inside are encrypted); a plain-http tunnel is relayed through an inner HTTP server, so
 *   that each request in it is recorded too (its method, path and `Host`), keep-alive or not.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

/** One HTTP request the proxy forwarded. */
export interface ForwardedRequest {
  /** How it came: in a CONNECT tunnel, or as an absolute-form request. */
  readonly via: 'tunnel' | 'absolute';
  /** The target, `host:port`. */
  readonly target: string;
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
}

/** A running forward proxy. */
export interface ForwardProxy {
  /** Its URL, for HTTP_PROXY / HTTPS_PROXY: `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every plain-http request forwarded, oldest first. */
  readonly requests: ForwardedRequest[];
  /** The target (`host:port`) of every CONNECT tunnel opened, oldest first. */
  readonly tunnels: string[];
  close(): Promise<void>;
}

/** Headers that concern one hop only (RFC 9110 §7.6.1), never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Starts a forward proxy on 127.0.0.1.
 *
 * @example
 * ```ts
 * const proxy = await startForwardProxy();
 * process.env['HTTP_PROXY'] = proxy.url;
 * // … make the app call its provider …
 * assert.ok(proxy.requests.some((r) => r.path === '/token'));
 * await proxy.close();
 * ```
 */
export async function startForwardProxy(): Promise<ForwardProxy> {
  const requests: ForwardedRequest[] = [];
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  // Plain-http requests that arrived in a tunnel: origin-form, their target in `Host`.
  const inner = createServer((req, res) => {
    const target = req.headers.host ?? '';
    forward(req, res, target, req.url ?? '/', 'tunnel', requests);
  });
  inner.on('connection', track);
  const innerPort = await listen(inner);

  const outer = createServer((req, res) => {
    const url = URL.canParse(req.url ?? '') ? new URL(req.url!) : undefined;
    if (url === undefined || url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('a forward proxy takes absolute http URLs or CONNECT');
      return;
    }
    forward(req, res, url.host, `${url.pathname}${url.search}`, 'absolute', requests);
  });
  outer.on('connection', track);
  outer.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    tunnels.push(target);
    client.on('error', () => client.destroy());
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const relay = (first: Buffer): void => {
      // 0x16: a TLS handshake record. Anything else is taken for plain HTTP.
      const [host, port] = first[0] === 0x16 ? splitTarget(target) : ['127.0.0.1', innerPort];
      const upstream = connect(port, host, () => {
        upstream.write(first);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      track(upstream);
      upstream.on('error', () => client.destroy());
      client.once('close', () => upstream.destroy());
    };
    if (head.length > 0) {
      client.pause();
      relay(head);
    } else {
      client.once('data', (chunk: Buffer) => {
        client.pause();
        relay(chunk);
      });
    }
  });
  const port = await listen(outer);

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tunnels,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([outer, inner].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

/** Forwards one request to `target` and streams the answer back; records it first. */
function forward(req: IncomingMessage, res: ServerResponse, target: string, path: string, via: ForwardedRequest['via'], log: ForwardedRequest[]): void {
  const method = req.method ?? 'GET';
  log.push({ via, target, method, path: path.split('?')[0]! });
  const [host, port] = splitTarget(target);
  const upstream = httpRequest({ host, port, method, path, headers: endToEnd(req.headers), agent: false }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end();
  });
  req.pipe(upstream);
}

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** `host:port` (IPv6 in brackets) as a host and a port; port 80 when none is given. */
function splitTarget(target: string): [string, number] {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(target);
  return [match?.[1] ?? target, Number(match?.[2] ?? 80)];
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}
