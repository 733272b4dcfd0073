// Anchor: express-openid-connect (Auth0), its encrypted cookie session, requiresAuth() on the route.
import { createServer } from 'node:http';
import express from 'express';
import eoc from 'express-openid-connect';
import { CLIENT_ID, CLIENT_SECRET, ISSUER, SESSION_SECRET } from '../config.ts';
import { BASE_URL, listen } from './common.ts';

const app = express();
app.use(eoc.auth({
  authRequired: false,
  issuerBaseURL: ISSUER,
  baseURL: BASE_URL,
  clientID: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  clientAuthMethod: 'client_secret_basic',
  secret: SESSION_SECRET,
  idpLogout: false,
  authorizationParams: { response_type: 'code', scope: 'openid email profile' },
}));
app.get('/protected', eoc.requiresAuth(), (req, res) => {
  res.json({ sub: req.oidc.user?.['sub'], ok: true });
});
listen(createServer(app));
