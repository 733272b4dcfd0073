// oidc-kit as a resource server for DPoP-bound tokens (RFC 9449): acceptToken({ dpop: 'required' })
// on a route. Every request carries a new proof, which is checked in full (signature with its jwk,
// typ, alg, htm, htu, iat, ath), bound to the token's cnf.jkt and recorded against replay; the JWT
// itself is verified once and then found in the token cache, as for the Bearer app.
import { createServer } from 'node:http';
import express from 'express';
import { API_JWT } from '../config.ts';
import { BASE_URL, listen } from './common.ts';
import { expressAdapter } from './library.ts';
import { dpopOptions } from './oidc-kit-options.ts';

const { OpenIDConnect } = await expressAdapter();
const oidc = new OpenIDConnect(dpopOptions(API_JWT, BASE_URL));
const app = express();
app.get('/protected', oidc.acceptToken({ dpop: 'required' }), (req, res) => {
  res.json({ sub: req.oidc.token?.sub ?? req.oidc.token?.client_id, ok: true });
});
listen(createServer(app));
