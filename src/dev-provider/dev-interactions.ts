/**
 * The development provider's interaction routes, in place of oidc-provider's `devInteractions`
 * (whose pages load a remote font): `GET /interaction/:uid` shows the sign-in (or consent) form,
 * `POST /interaction/:uid` finishes it, `GET /interaction/:uid/abort` returns `access_denied` to the
 * client. The paths and form fields are the built-in ones, so clients and scripts see no change.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { consentPage, DEV_PAGE_CSP, errorPage, loginPage } from './dev-pages.ts';

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/abort)?$/;
/** A sign-in form is a few hundred bytes; anything much larger is not one. */
const MAX_FORM_BYTES = 16 * 1024;
/** Usernames become `sub`: at most 255 characters (OpenID Connect Core §5.1's limit for `sub`). */
const MAX_USERNAME_LENGTH = 255;

/**
 * Answers `req` when it is one of the interaction routes, and resolves with whether it did; other
 * requests are left to oidc-provider.
 *
 * @example
 * ```ts
 * if (!(await answerInteraction(provider, req, res))) callback(req, res);
 * ```
 */
export async function answerInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://dev-provider');
  const match = INTERACTION_PATH.exec(url.pathname);
  if (match === null) return false;
  try {
    const details = await provider.interactionDetails(req, res);
    const clientId = typeof details.params['client_id'] === 'string' ? details.params['client_id'] : '';
    if (match[2] === '/abort') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
    } else if (req.method === 'GET') {
      send(res, 200, details.prompt.name === 'login' ? loginPage(details.uid, clientId) : consentPage(details.uid, clientId));
    } else if (req.method === 'POST') {
      await submit(provider, req, res, details, clientId);
    } else {
      res.setHeader('Allow', 'GET, POST');
      send(res, 405, errorPage('invalid_request', 'only GET and POST'));
    }
  } catch (error) {
    // Mostly an expired or unknown interaction (its cookie is gone): start the login again from the app.
    const description = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) send(res, 400, errorPage('invalid_request', `${description} Start the login again from the app.`));
  }
  return true;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

async function submit(provider: Provider, req: IncomingMessage, res: ServerResponse, details: Details, clientId: string): Promise<void> {
  const form = await readForm(req);
  if (form === undefined) {
    send(res, 413, errorPage('invalid_request', 'The form is too large.'));
    return;
  }
  if (details.prompt.name === 'login') {
    const login = (form.get('login') ?? '').trim();
    if (login === '' || login.length > MAX_USERNAME_LENGTH) {
      send(res, 400, loginPage(details.uid, clientId, `Enter a username (1 to ${MAX_USERNAME_LENGTH} characters).`));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }
  // Consent: grant what is missing, as the built-in pages do.
  const grant = details.grantId === undefined
    ? new provider.Grant({ accountId: details.session?.accountId ?? '', clientId })
    : await provider.Grant.find(details.grantId);
  if (grant === undefined) throw new Error('The grant of this interaction is gone.');
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope !== undefined) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims !== undefined) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

/** The urlencoded form of `req`, or undefined when it is over {@link MAX_FORM_BYTES}. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', DEV_PAGE_CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}
