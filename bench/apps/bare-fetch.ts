// The limit for the fetch-adapter apps: a plain fetch handler, routed by path as such handlers are
// (a Worker's or Bun.serve's), served on Node by @hono/node-server; the same route and answer as the others.
import { serveFetch } from './serve-fetch.ts';

serveFetch((request) => (new URL(request.url).pathname === '/protected'
  ? Response.json({ sub: 'bench-user', ok: true })
  : new Response('Not Found', { status: 404 })));
