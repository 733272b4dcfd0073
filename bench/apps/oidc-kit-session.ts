// oidc-kit: requireLogin() on a route, the session in an encrypted cookie (oidc-kit-session) or in
// Redis (oidc-kit-session-redis, REDIS_URL). UserInfo is not called at login unless BENCH_USERINFO=on.
import { createServer } from 'node:http';
import express from 'express';
import { expressAdapter, redisStore } from './library.ts';
import { sessionOptions } from './oidc-kit-options.ts';
import { BASE_URL, listen } from './common.ts';

const { OpenIDConnect } = await expressAdapter();
const redisUrl = process.env['REDIS_URL'];
const store = redisUrl === undefined ? undefined : (await redisStore()).createRedisStore({ url: redisUrl });
if (store !== undefined) await store.ready();
const oidc = new OpenIDConnect({ ...sessionOptions(BASE_URL), ...(store === undefined ? {} : { session: { store } }) });
const app = express();
app.use(oidc.middleware());
app.get('/protected', oidc.requireLogin(), (req, res) => {
  res.json({ sub: req.oidc.user?.sub, ok: true });
});
listen(createServer(app));
