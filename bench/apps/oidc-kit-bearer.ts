// oidc-kit as a resource server: acceptToken() on a route. JWTs are verified locally (and cached by
// token until exp); opaque tokens are introspected (answers cached by hash).
import { createServer } from 'node:http';
import express from 'express';
import { expressAdapter } from './library.ts';
import { bearerOptions } from './oidc-kit-options.ts';
import { API_JWT, API_OPAQUE } from '../config.ts';
import { SPEC, listen } from './common.ts';

const { OpenIDConnect } = await expressAdapter();
const oidc = new OpenIDConnect(bearerOptions(SPEC.credentials === 'opaque' ? API_OPAQUE : API_JWT));
const app = express();
// API-only: acceptToken() makes the request's context itself, no app-wide middleware needed.
app.get('/protected', oidc.acceptToken(), (req, res) => {
  res.json({ sub: req.oidc.token?.sub ?? req.oidc.token?.client_id, ok: true });
});
listen(createServer(app));
