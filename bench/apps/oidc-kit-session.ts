// oidc-kit: requireLogin() on a route, the session in an encrypted cookie (oidc-kit-session) or in
// Redis (oidc-kit-session-redis, REDIS_URL). UserInfo is not called at login unless BENCH_USERINFO=on.
import { createServer } from 'node:http';
import express from 'express';
import { expressAdapter, redisStore } from './library.ts';
import { CLIENT_ID, CLIENT_SECRET, ISSUER, SESSION_SECRET } from '../config.ts';
import { BASE_URL, listen } from './common.ts';

const { OpenIDConnect } = await expressAdapter();
const redisUrl = process.env['REDIS_URL'];
const store = redisUrl === undefined ? undefined : (await redisStore()).createRedisStore({ url: redisUrl });
if (store !== undefined) await store.ready();
const oidc = new OpenIDConnect({
  baseUrl: BASE_URL,
  secret: SESSION_SECRET,
  issuer: ISSUER,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  scope: 'openid email profile',
  // express-openid-connect does not call UserInfo at login; oidc-kit does by default (as Flask-OIDC
  // does). Off here, so that the cost of a login compares the same work; BENCH_USERINFO=on measures
  // the default (one more round trip to the provider per login).
  userInfo: process.env['BENCH_USERINFO'] === 'on',
  ...(store === undefined ? {} : { session: { store } }),
});
const app = express();
app.use(oidc.middleware());
app.get('/protected', oidc.requireLogin(), (req, res) => {
  res.json({ sub: req.oidc.user?.sub, ok: true });
});
listen(createServer(app));
