// Reference: the least work a correct cached bearer check does, written by hand. A token's first
// sighting is verified with jose's jwtVerify; after that a request costs a header read, a SHA-256
// of the token (a cache must not keep raw tokens), a Map lookup and an expiry check. No scopes, no
// error codes, no size limit: not a library, but a floor for oidc-kit's cached paths, since bare
// Express checks nothing. With REDIS_URL (`minimal-cached-check-redis`), each request also reads
// one 3 KB value from Redis, as a session store read on every request does.
import { hash } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { createClient } from 'redis';
import { API_JWT, ISSUER } from '../config.ts';
import { listen } from './common.ts';

const keys = createRemoteJWKSet(new URL(`${ISSUER}/jwks`));
const verified = new Map<string, JWTPayload>();
const redisUrl = process.env['REDIS_URL'];
const redis = redisUrl === undefined ? undefined : createClient({ url: redisUrl, commandOptions: { timeout: 0 } });
if (redis !== undefined) {
  await redis.connect();
  await redis.set('minimal-cached-check', 'x'.repeat(3000));
}

const unauthorized = (res: express.Response): void => {
  res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
};
const answer = (res: express.Response, sub: unknown): void => {
  if (redis === undefined) {
    res.json({ sub, ok: true });
    return;
  }
  redis.get('minimal-cached-check').then(
    (value) => (value === null ? unauthorized(res) : res.json({ sub, ok: true })),
    () => res.status(503).json({ error: 'store_unavailable' }),
  );
};

const app = express();
app.get('/protected', (req, res) => {
  const header = req.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ')) return unauthorized(res);
  const token = header.slice(7);
  const key = hash('sha256', token, 'base64url');
  const cached = verified.get(key);
  if (cached !== undefined && (cached.exp ?? 0) * 1000 > Date.now()) return answer(res, cached.sub);
  jwtVerify(token, keys, { issuer: ISSUER, audience: API_JWT }).then(({ payload }) => {
    verified.set(key, payload);
    answer(res, payload.sub);
  }, () => unauthorized(res));
});
listen(createServer(app));
