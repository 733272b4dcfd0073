// Self-test of the token lab (test/support/token-lab.ts): discovery, JWKS + minted tokens that jose
// verifies, raw/forged token builders, scripted introspection (including a hanging answer) and counts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { compactVerify, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, exportSPKI, importJWK, jwtVerify } from 'jose';

import { startTokenLab, type TokenLab } from './token-lab.ts';

let lab: TokenLab;
before(async () => {
  lab = await startTokenLab();
});
after(() => lab.close());

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function introspect(token: string, signal?: AbortSignal) {
  return getJson(`${lab.issuer}/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    signal,
  });
}

test('serves the discovery document at both well-known paths, with overrides and removals', async () => {
  assert.match(lab.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  const { status, body } = await getJson(`${lab.issuer}/.well-known/openid-configuration`);
  assert.equal(status, 200);
  assert.equal(body.issuer, lab.issuer);
  assert.equal(body.jwks_uri, `${lab.issuer}/jwks`);
  assert.equal(body.introspection_endpoint, `${lab.issuer}/introspect`);
  assert.deepEqual(body.id_token_signing_alg_values_supported, ['RS256', 'ES256']);

  lab.metadataOverrides = { issuer: 'https://evil.example', introspection_endpoint: undefined };
  try {
    const oauth = await getJson(`${lab.issuer}/.well-known/oauth-authorization-server`);
    assert.equal(oauth.body.issuer, 'https://evil.example');
    assert.equal('introspection_endpoint' in oauth.body, false);
    assert.equal(oauth.body.token_endpoint, `${lab.issuer}/token`);
  } finally {
    lab.metadataOverrides = {};
  }
});

test('publishes public keys only, and minted tokens verify against the remote JWKS', async () => {
  const { body } = await getJson(`${lab.issuer}/jwks`);
  const keys = body.keys as Record<string, unknown>[];
  assert.deepEqual(keys.map((k) => [k.kid, k.alg, k.use]), [['rs-1', 'RS256', 'sig'], ['es-1', 'ES256', 'sig']]);
  assert.deepEqual(Object.keys(keys[0]!).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
  assert.deepEqual(Object.keys(keys[1]!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);

  const jwks = createRemoteJWKSet(new URL(`${lab.issuer}/jwks`));
  const options = { issuer: lab.issuer, audience: 'https://api.example', typ: 'at+jwt' };
  const { payload, protectedHeader } = await jwtVerify(await lab.mint({ scope: 'read write' }), jwks, options);
  assert.deepEqual(protectedHeader, { alg: 'RS256', kid: 'rs-1', typ: 'at+jwt' });
  assert.equal(payload.sub, 'user-1');
  assert.equal(payload.client_id, 'client-1');
  assert.equal(payload.scope, 'read write');
  assert.equal(payload.exp! - payload.iat!, 300);
  assert.equal(typeof payload.jti, 'string');

  const es = await jwtVerify(await lab.mint({}, { key: lab.keys[1] }), jwks, options);
  assert.equal(es.protectedHeader.kid, 'es-1');

  // Unpublished key: same kid as a published one, so the signature check fails.
  const rogue = await lab.generateKey('RS256', 'rs-1');
  await assert.rejects(jwtVerify(await lab.mint({}, { key: rogue }), jwks, options), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
});

test('mint removes claims and header members set to undefined, and may lie about alg', async () => {
  const token = await lab.mint({ scope: undefined, jti: undefined, extra: 1 }, { header: { typ: undefined, kid: undefined, jku: 'https://evil.example/jwks' } });
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', jku: 'https://evil.example/jwks' });
  const payload = decodeJwt(token);
  assert.equal('scope' in payload, false);
  assert.equal('jti' in payload, false);
  assert.equal(payload.extra, 1);

  const lying = await lab.mint({}, { header: { alg: 'RS512' } });
  assert.equal(decodeProtectedHeader(lying).alg, 'RS512');
  // The signature is still RS256 (the key's alg) over the signing input.
  const key = (await importJWK(lab.keys[0]!.publicJwk, 'RS256')) as CryptoKey;
  const [h, p, s] = lying.split('.');
  const valid = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, Buffer.from(s!, 'base64url'), new TextEncoder().encode(`${h}.${p}`));
  assert.equal(valid, true);
});

test('every supported alg signs tokens jose verifies', async () => {
  const algs = ['RS384', 'PS256', 'ES384', 'EdDSA'];
  const keys = await Promise.all(algs.map((alg) => lab.generateKey(alg)));
  for (const key of keys) {
    const token = await lab.mint({}, { key });
    const { protectedHeader } = await compactVerify(token, await importJWK(key.publicJwk, key.alg));
    assert.equal(protectedHeader.alg, key.alg);
    assert.equal(protectedHeader.kid, key.kid);
    assert.equal('d' in key.publicJwk, false);
  }
  await assert.rejects(lab.generateKey('HS256'), /unsupported key alg/);
});

test('unsigned and mintHs256 build forged tokens', async () => {
  const none = lab.unsigned({ alg: 'none' }, { sub: 'admin' });
  assert.equal(none.split('.').length, 3);
  assert.ok(none.endsWith('.'));
  assert.deepEqual(decodeProtectedHeader(none), { alg: 'none' });
  assert.equal(lab.unsigned({ alg: 'RS256' }, {}, 'sig').split('.')[2], 'sig');

  const pem = await exportSPKI((await importJWK(lab.keys[0]!.publicJwk, 'RS256')) as CryptoKey);
  const secret = new TextEncoder().encode(pem);
  const confused = await lab.mintHs256({ sub: 'admin' }, secret, { kid: 'rs-1' });
  assert.deepEqual(decodeProtectedHeader(confused), { alg: 'HS256', typ: 'at+jwt', kid: 'rs-1' });
  const { payload } = await jwtVerify(confused, secret, { issuer: lab.issuer, audience: 'https://api.example' });
  assert.equal(payload.sub, 'admin');
});

test('rotateKeys publishes fresh keys', async () => {
  const before = lab.keys;
  const fresh = await lab.rotateKeys();
  try {
    assert.deepEqual(fresh.map((k) => k.alg), ['RS256', 'ES256']);
    assert.ok(fresh.every((k) => k.kid !== 'rs-1' && k.kid !== 'es-1'));
    const { body } = await getJson(`${lab.issuer}/jwks`);
    assert.deepEqual((body.keys as { kid: string }[]).map((k) => k.kid), fresh.map((k) => k.kid));
  } finally {
    lab.keys = before;
  }
});

test('introspection: default map, scripted answers, hang and destroy', async () => {
  lab.introspections.set('opaque-1', { active: true, sub: 'user-1' });
  assert.deepEqual((await introspect('opaque-1')).body, { active: true, sub: 'user-1' });
  assert.deepEqual(await introspect('unknown'), { status: 200, body: { active: false } });

  try {
    lab.introspect = (form, request) => ({
      status: 401,
      headers: { 'WWW-Authenticate': 'Basic' },
      body: { error: 'invalid_client', token: form.get('token'), method: request.method },
    });
    const response = await fetch(`${lab.issuer}/introspect`, { method: 'POST', body: 'token=x' });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Basic');
    assert.deepEqual(await response.json(), { error: 'invalid_client', token: 'x', method: 'POST' });

    lab.introspect = () => ({ body: 'not json' });
    const text = await fetch(`${lab.issuer}/introspect`, { method: 'POST', body: 'token=x' });
    assert.equal(text.headers.get('content-type'), 'application/json');
    assert.equal(await text.text(), 'not json');

    lab.introspect = () => {
      throw new Error('boom');
    };
    assert.deepEqual(await introspect('x'), { status: 500, body: { error: 'lab_handler_threw', message: 'boom' } });

    lab.introspect = () => 'hang';
    await assert.rejects(introspect('x', AbortSignal.timeout(100)), { name: 'TimeoutError' });

    lab.introspect = () => 'destroy';
    await assert.rejects(introspect('x'), TypeError); // fetch failed: socket closed without a response
  } finally {
    lab.introspect = undefined;
  }
});

test('token endpoint default answers', async () => {
  const ok = await getJson(`${lab.issuer}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read' }) });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.token_type, 'Bearer');
  assert.equal(ok.body.scope, 'read');
  assert.equal(typeof ok.body.access_token, 'string');
  const bad = await getJson(`${lab.issuer}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password' }) });
  assert.deepEqual(bad, { status: 400, body: { error: 'unsupported_grant_type' } });
});

test('records every request, including unknown paths, and delays answers', async () => {
  lab.requests.length = 0;
  assert.equal((await getJson(`${lab.issuer}/nope?x=1`)).status, 404);
  await fetch(`${lab.issuer}/jwks`).then((r) => r.arrayBuffer());
  await fetch(`${lab.issuer}/introspect`, { method: 'POST', body: 'token=abc' }).then((r) => r.arrayBuffer());
  assert.deepEqual(lab.requests.map((r) => [r.method, r.path, r.body]), [['GET', '/nope', ''], ['GET', '/jwks', ''], ['POST', '/introspect', 'token=abc']]);
  assert.equal(lab.count('/jwks'), 1);
  assert.equal(lab.count('/nope'), 1);
  assert.equal(lab.count('/token'), 0);

  lab.delayMs = 80;
  try {
    const started = Date.now();
    await fetch(`${lab.issuer}/jwks`).then((r) => r.arrayBuffer());
    assert.ok(Date.now() - started >= 70);
  } finally {
    lab.delayMs = 0;
  }
});

test('close() finishes promptly while a request hangs', async () => {
  const own = await startTokenLab();
  own.introspect = () => 'hang';
  const pending = fetch(`${own.issuer}/introspect`, { method: 'POST', body: 'token=x' });
  const settled = pending.then(
    () => 'answered',
    () => 'failed',
  );
  while (own.count('/introspect') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const started = Date.now();
  await own.close();
  assert.ok(Date.now() - started < 500);
  assert.equal(await settled, 'failed');
});
