// Reference: the least work a correct check of a DPoP-bound token with a fresh proof does, written
// by hand on Express, inline in the route (the check itself is apps/minimal-dpop.ts). The floor of
// oidc-kit-dpop-jwt. Its twins on the other frameworks: minimal-dpop-check-{fastify,hono,fetch}.ts.
import { createServer } from 'node:http';
import express from 'express';
import type { JWTPayload } from 'jose';
import { BASE_URL, listen } from './common.ts';
import { checkDpop, DPOP_CHALLENGE, subOf } from './minimal-dpop.ts';

const HTU = `${BASE_URL}/protected`;
const unauthorized = (res: express.Response): void => {
  res.status(401).set('www-authenticate', DPOP_CHALLENGE).json({ error: 'invalid_token' });
};
const answer = (res: express.Response, claims: JWTPayload | undefined): void => {
  if (claims === undefined) unauthorized(res);
  else res.json({ sub: subOf(claims), ok: true });
};

const app = express();
app.get('/protected', (req, res) => {
  const dpop = req.headers.dpop;
  const checked = checkDpop('GET', HTU, req.headers.authorization, typeof dpop === 'string' ? dpop : undefined);
  if (checked instanceof Promise) checked.then((claims) => answer(res, claims), () => unauthorized(res));
  else answer(res, checked);
});
listen(createServer(app));
