// The limit: bare Express 5, the same route and answer as the others.
import { createServer } from 'node:http';
import express from 'express';
import { listen } from './common.ts';

const app = express();
app.get('/protected', (_req, res) => {
  res.json({ sub: 'bench-user', ok: true });
});
listen(createServer(app));
