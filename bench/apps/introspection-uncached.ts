// Anchor: RFC 7662 introspection on every request, no cache — what Flask-OIDC's accept_token and
// Flask-pyoidc's token_auth do.
import { createServer } from 'node:http';
import express from 'express';
import { API_OPAQUE, CLIENT_ID, CLIENT_SECRET, ISSUER } from '../config.ts';
import { listen } from './common.ts';

const basic = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;
const app = express();
app.use((req, res, next) => {
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  if (match === null) {
    res.status(401).set('www-authenticate', 'Bearer').json({ error: 'unauthorized' });
    return;
  }
  fetch(`${ISSUER}/token/introspection`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ token: match[1]!, token_type_hint: 'access_token' }),
  })
    .then(async (answer) => (answer.ok ? await answer.json() as Record<string, unknown> : { active: false }))
    .then((data) => {
      const aud = Array.isArray(data['aud']) ? data['aud'] : [data['aud']];
      if (data['active'] !== true || !aud.includes(API_OPAQUE)) {
        res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
        return;
      }
      res.locals['sub'] = data['sub'] ?? data['client_id'];
      next();
    }, next);
});
app.get('/protected', (_req, res) => {
  res.json({ sub: res.locals['sub'] as unknown, ok: true });
});
listen(createServer(app));
