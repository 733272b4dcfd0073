// Anchor: jose's jwtVerify with createRemoteJWKSet, no cache of verified tokens: the JS floor of
// verifying a JWT on every request.
import { createServer } from 'node:http';
import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { API_JWT, ISSUER } from '../config.ts';
import { listen } from './common.ts';

const keys = createRemoteJWKSet(new URL(`${ISSUER}/jwks`));
const app = express();
app.use((req, res, next) => {
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  if (match === null) {
    res.status(401).set('www-authenticate', 'Bearer').json({ error: 'unauthorized' });
    return;
  }
  jwtVerify(match[1]!, keys, { issuer: ISSUER, audience: API_JWT }).then(
    ({ payload }) => {
      res.locals['sub'] = payload.sub;
      next();
    },
    () => res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' }),
  );
});
app.get('/protected', (_req, res) => {
  res.json({ sub: res.locals['sub'] as unknown, ok: true });
});
listen(createServer(app));
