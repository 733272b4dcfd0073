/**
 * How the development provider (dev-provider.ts) configures oidc-provider: the accounts and their
 * claims, automatic consent, PKCE for everyone, loopback back-channel logout, and its own pages.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { interactionPolicy, type Account, type Configuration, type Grant, type KoaContextWithOIDC } from 'oidc-provider';
import { errorPage, logoutPage, signedOutPage } from './dev-pages.ts';
import type { DevProviderOptions } from './dev-provider.ts';

/** Standard OIDC profile claims, plus two common extras; all released with scope `profile`. */
const PROFILE_CLAIMS = [
  'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
  'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at', 'groups', 'roles',
];
const EMAIL_CLAIMS = ['email', 'email_verified'];
const PROBE_ACCOUNT_ID = 'dev-provider-probe';

/**
 * The oidc-provider Configuration of a development provider: every client's consent given, PKCE
 * required, loopback-friendly, this module's pages, and `options.configuration` merged over it.
 *
 * @example
 * ```ts
 * const provider = new Provider(issuer, await devProviderConfiguration({ clients }));
 * ```
 */
export async function devProviderConfiguration(options: DevProviderOptions): Promise<Configuration> {
  const accountClaims = options.accountClaims ?? (() => ({}));
  const probed = Object.keys(accountClaims(PROBE_ACCOUNT_ID)).filter(
    (name) => name !== 'sub' && !EMAIL_CLAIMS.includes(name),
  );

  // Consent is automatic: the consent prompt must not be forced by `prompt=consent` (needed to get
  // `offline_access`) nor by native clients; the grant itself comes from loadExistingGrant below.
  const policy = interactionPolicy.base();
  policy.get('consent')?.checks.remove('consent_prompt');
  policy.get('consent')?.checks.remove('native_client_prompt');

  const { features, ttl, ...rest } = options.configuration ?? {};
  const builtInFeatures: Configuration['features'] = {
    // Our own pages (dev-interactions.ts): the built-in ones load a font from Google.
    devInteractions: { enabled: false },
    revocation: { enabled: true, allowedPolicy: sameClientPolicy },
    introspection: { enabled: true, allowedPolicy: sameClientPolicy },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    backchannelLogout: { enabled: true },
  };
  const base: Configuration = {
    clients: options.clients,
    jwks: { keys: [await signingKey('RS256'), await signingKey('ES256')] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    claims: {
      openid: ['sub'],
      email: EMAIL_CLAIMS,
      profile: [...new Set([...PROFILE_CLAIMS, ...probed])],
    },
    // Release scope claims in the ID token too, not only from userinfo.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub): Account => ({
      accountId: sub,
      claims: () => ({
        sub,
        email: `${sub}@example.com`,
        email_verified: true,
        name: sub,
        preferred_username: sub,
        ...accountClaims(sub),
      }),
    }),
    interactions: { policy },
    loadExistingGrant,
    // Any client allowed the refresh_token grant gets one (bound to the session unless offline_access was granted).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    pkce: { required: () => true },
    // The typings model features as a union (RAR / OpenID4VCI / introspection combinations) that a
    // spread of caller-supplied features cannot be checked against; oidc-provider validates it at runtime.
    features: { ...builtInFeatures, ...features } as Configuration['features'],
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      ...ttl,
    },
    clientBasedCORS: () => true,
    renderError,
    // oidc-provider 9 refuses outgoing requests (back-channel logout, jwks_uri…) to special-use IP
    // addresses such as 127.0.0.1 by passing its own undici dispatcher; drop it so loopback works.
    fetch: (input, init) => {
      const plain: RequestInit & { dispatcher?: unknown } = { ...init };
      delete plain.dispatcher;
      return fetch(input, plain);
    },
  };
  return { ...base, ...rest };
}

async function signingKey(alg: 'RS256' | 'ES256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `dev-${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`, use: 'sig', alg };
}

/** Automatic consent: the grant always covers the OIDC scopes and claims being requested. */
async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant> {
  const { oidc } = ctx;
  const clientId = oidc.client!.clientId;
  const accountId = oidc.session!.accountId!;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(clientId);
  let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!grant || grant.accountId !== accountId || grant.clientId !== clientId) {
    grant = new oidc.provider.Grant({ accountId, clientId });
  }
  const scopes = [...oidc.requestParamOIDCScopes].join(' ');
  if (scopes) grant.addOIDCScope(scopes);
  if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
  await grant.save();
  return grant;
}

/** Revocation and introspection: a client may only act on its own tokens. */
function sameClientPolicy(_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string | undefined }): boolean {
  return token.clientId === client.clientId;
}

/** The sign-out confirmation (dev-pages.ts): oidc-provider's form, submitted as it is, signs out. */
function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  ctx.body = logoutPage(form);
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  ctx.body = signedOutPage();
}

function renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string | undefined }): void {
  ctx.type = 'html';
  ctx.body = errorPage(out.error, out.error_description);
}
