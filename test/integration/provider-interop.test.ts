/**
 * The interop table of docs/providers.md, tested: for each provider, the hostile test provider
 * serves a discovery document, ID tokens, JWT access tokens and logout tokens shaped as that
 * provider documents them (test/support/provider-profiles.ts), and oidc-kit is configured with the
 * settings the table gives. Each row: a login completes; the provider's access token is accepted
 * with the table's settings and, where the table says a relaxation is needed, refused by the
 * default with a log line naming it; its logout token is accepted or refused as the table says.
 * Over real HTTP, on every adapter the package ships.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import type { ExpressOpenIDConnectOptions } from '../../src/express.ts';
import { attempt, startHostileBed, type HostileBed } from '../support/hostile-bed.ts';
import { PROVIDER_PROFILES, type ProviderProfile, type ShapeContext } from '../support/provider-profiles.ts';
import { PACKAGE_ADAPTERS } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import type { TestBrowser } from '../support/browser.ts';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The app's API: who the token is about, and its scopes. */
const API_ROUTES = [
  get('/api/me', [['acceptToken']], ({ oidc }) => ({ json: { sub: oidc.token?.sub ?? null, scopes: oidc.tokenScopes } })),
];

for (const adapter of PACKAGE_ADAPTERS) {
  describe(`provider interop table (${adapter})`, () => {
    for (const profile of PROVIDER_PROFILES) {
      describe(profile.name, () => {
        let bed: HostileBed;
        /** The settings of the table's row (login and resource server) over the bed's defaults. */
        const configured = (resourceServer?: ExpressOpenIDConnectOptions['resourceServer']): Partial<ExpressOpenIDConnectOptions> => ({
          ...profile.settings,
          routes: { backchannelLogout: '/backchannel-logout' },
          ...(resourceServer === undefined ? {} : { resourceServer }),
        });

        before(async () => {
          bed = await startHostileBed({ adapter, provider: { issuerPath: profile.issuerPath }, appRoutes: API_ROUTES });
          shapeProvider(bed, profile);
          bed.reconfigure(configured(profile.accessToken.kind === 'jwt' ? profile.accessToken.settings : undefined));
        });
        after(async () => {
          await bed?.close();
        });

        test(`${profile.name}: a login with the table's settings completes (issuer ${profile.issuerPath === '' ? 'at the origin' : `path "${profile.issuerPath}"`})`, async () => {
          const result = await attempt(bed);
          assert.equal(result.status, 200, `${result.error ?? ''} ${result.reason ?? ''}`);
          assert.equal(result.sub, bed.op.subject);
        });

        const row = profile.accessToken;
        if (row.kind === 'jwt') {
          test(`${profile.name}: its JWT access tokens are accepted with the table's settings${row.strictDefault === 'accepted' ? ', which are the defaults' : ''}`, async () => {
            const token = await accessToken(bed, row.shape);
            const answer = await callApi(bed, token);
            assert.equal(answer.status, 200, answer.body);
            assert.equal((JSON.parse(answer.body) as { sub: string }).sub, bed.op.subject);
          });
          if (row.strictDefault !== 'accepted') {
            const expected = row.strictDefault;
            test(`${profile.name}: the default strictJwt refuses them (reason ${expected.reason}) and the log names the setting`, async () => {
              bed.reconfigure(configured({ ...row.settings, strictJwt: true }));
              try {
                const answer = await callApi(bed, await accessToken(bed, row.shape));
                assert.equal(answer.status, 401, answer.body);
                assert.equal((JSON.parse(answer.body) as { reason: string }).reason, expected.reason);
                assert.ok(bed.warnings.some((w) => expected.setting.test(w.message)), bed.warnings.map((w) => w.message).join('\n'));
              } finally {
                bed.reconfigure(configured(row.settings));
              }
            });
          }
        } else if (row.kind === 'refused') {
          test(`${profile.name}: its access tokens cannot be verified locally, whatever strictJwt says (reason ${row.reason})`, async () => {
            bed.reconfigure(configured({ strictJwt: false, audience: undefined }));
            const answer = await callApi(bed, await accessToken(bed, row.shape));
            assert.equal(answer.status, 401, answer.body);
            assert.equal((JSON.parse(answer.body) as { reason: string }).reason, row.reason);
          });
        } else {
          test(`${profile.name}: its opaque access tokens are refused: the provider has no introspection endpoint (reason opaque)`, async () => {
            const answer = await callApi(bed, 'ya29.a0AfH6SMBxOpaqueGoogleStyleToken');
            assert.equal(answer.status, 401, answer.body);
            assert.equal((JSON.parse(answer.body) as { reason: string }).reason, 'opaque');
          });
        }

        const logout = profile.logoutToken;
        if (logout !== undefined) {
          const outcome = logout.outcome;
          test(`${profile.name}: its back-channel logout token is ${outcome === 'accepted' ? 'accepted and ends the session' : `refused (reason ${outcome.reason}) and the session stays`}`, async () => {
            const login = await attempt(bed);
            assert.equal(login.status, 200);
            const ctx = await shapeContext(bed, login.browser);
            const { header, claims } = logout.shape(ctx);
            const token = await bed.op.sign(claims, { header });
            const answer = await fetch(`${bed.appUrl}/backchannel-logout`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ logout_token: token }).toString(),
            });
            const body = await answer.text();
            const me = JSON.parse((await login.browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } })).body) as { authenticated: boolean };
            if (outcome === 'accepted') {
              assert.equal(answer.status, 200, body);
              assert.equal(me.authenticated, false, 'the session ended');
            } else {
              assert.equal(answer.status, 400, body);
              assert.equal((JSON.parse(body) as { reason: string }).reason, outcome.reason);
              assert.equal(me.authenticated, true, 'the session stays');
            }
          });
        }
      });
    }
  });
}

/** Makes the hostile provider look like the profile's: discovery members, ID token shape, key set, Basic decoding. */
function shapeProvider(bed: HostileBed, profile: ProviderProfile): void {
  const op = bed.op;
  for (const [name, value] of Object.entries(profile.metadata ?? {})) {
    if (value === undefined) delete op.metadata[name];
    else op.metadata[name] = value;
  }
  if (profile.rawBasic === true) op.client.basicDecoding = 'raw';
  if (profile.jwksWithoutAlg === true) op.keys = op.keys.map((key) => ({ ...key, publicJwk: { ...key.publicJwk, alg: undefined } }));
  op.idToken = (claims, grant) => profile.idToken.claims(claims, { issuer: op.issuer, clientId: op.client.clientId, sub: grant.sub, sid: grant.sid, now: nowSeconds() });
  op.signIdToken = (claims) => op.sign(claims, { header: profile.idToken.header });
}

/** Who the tokens are about: the bed's subject, and the provider session of the browser's login when there is one. */
async function shapeContext(bed: HostileBed, browser?: TestBrowser): Promise<ShapeContext> {
  let sid = 'no-session';
  if (browser !== undefined) {
    const tokens = await browser.request(`${bed.appUrl}/tokens`, { headers: { accept: 'application/json' } });
    sid = String(decodeJwt((JSON.parse(tokens.body) as { idToken: string }).idToken)['sid']);
  }
  return { issuer: bed.op.issuer, clientId: bed.op.client.clientId, sub: bed.op.subject, sid, now: nowSeconds() };
}

/** An access token of the profile's shape, signed with the provider's key. */
async function accessToken(bed: HostileBed, shape: (ctx: ShapeContext) => { header: Record<string, unknown>; claims: Record<string, unknown> }): Promise<string> {
  const { header, claims } = shape(await shapeContext(bed));
  return bed.op.sign(claims, { header });
}

async function callApi(bed: HostileBed, token: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${bed.appUrl}/api/me`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  return { status: response.status, body: await response.text() };
}
