// The limit for the Hono apps: bare Hono on @hono/node-server, the same route and answer as the others.
import { Hono } from 'hono';
import { serveFetch } from './serve-fetch.ts';

const app = new Hono();
app.get('/protected', (c) => c.json({ sub: 'bench-user', ok: true }));
serveFetch(app.fetch);
