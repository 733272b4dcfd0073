// Anchor: express-oauth2-jwt-bearer (Auth0): discovery, remote JWKS, local JWT verification.
import { createServer } from 'node:http';
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { API_JWT, ISSUER } from '../config.ts';
import { listen } from './common.ts';

const app = express();
app.use(auth({ issuerBaseURL: ISSUER, audience: API_JWT }));
app.get('/protected', (req, res) => {
  res.json({ sub: req.auth?.payload.sub, ok: true });
});
listen(createServer(app));
