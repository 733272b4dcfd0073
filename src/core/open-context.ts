/**
 * Opening a request: reading its session (if any) into the context the application sees
 * (`req.oidc`), without a promise when nothing needs awaiting.
 */
import { decodeVerifiedJwtPayload } from '../claims.ts';
import { parseCookieHeader } from '../cookies/cookie-header.ts';
import { OidcError } from '../errors.ts';
import type { RequestView } from '../http.ts';
import { type ContextHost, type ContextState, RequestContext, type ResponseIO } from '../request-context.ts';
import type { LoadedSession } from '../session/session-backend.ts';
import { NEEDS_AWAIT } from '../session/session-manager.ts';
import type { CoreServices } from './core-services.ts';

/** The cookies of a request that has none (or whose cookies do not matter: API-only mode). Never written to. */
const NO_COOKIES: ReadonlyMap<string, string> = new Map();

/**
 * The request's context at once, when building it needs nothing awaited: in API-only mode, for a
 * request without cookies, or with a cookie session that is live and not due for a rolling touch.
 * `undefined` otherwise: use {@link openContext}.
 *
 * @example
 * ```ts
 * const context = openContextNow(services, host, view, io, req) ?? await openContext(services, host, view, io, req);
 * ```
 */
export function openContextNow(services: CoreServices, host: ContextHost, request: RequestView, io: ResponseIO, native: unknown): RequestContext | undefined {
  const header = services.config.resourceServerOnly ? undefined : request.header('cookie');
  if (header === undefined) return contextOf(services, host, request, NO_COOKIES, io, undefined, undefined, native);
  // A cookie session that is open already, live and not due for a touch: nothing to await. (With
  // the back-channel route, every session needs a store lookup: the async path.)
  if (services.logoutRecords !== undefined) return undefined;
  const cookies = parseCookieHeader(header);
  const session = services.sessions.readNow(cookies);
  if (session === NEEDS_AWAIT || (session !== undefined && !services.providers.has(session.envelope.data.provider))) return undefined;
  return contextOf(services, host, request, cookies, io, session, undefined, native);
}

/**
 * Reads the request's session and returns its context. Never throws for bad cookies (they mean
 * "not logged in"); a failing session store is remembered, and routes that need a login then
 * answer 503. A session ended by a back-channel logout is removed here.
 *
 * @example
 * ```ts
 * const context = await openContext(services, host, view, io, req);
 * ```
 */
export async function openContext(services: CoreServices, host: ContextHost, request: RequestView, io: ResponseIO, native: unknown): Promise<RequestContext> {
  if (services.config.resourceServerOnly) return contextOf(services, host, request, NO_COOKIES, io, undefined, undefined, native);
  const cookies = parseCookieHeader(request.header('cookie'));
  let session: LoadedSession | undefined;
  let loadError: OidcError | undefined;
  try {
    session = await services.sessions.read(cookies, io.setCookie);
    // Only with the back-channel route mounted does a session need a store lookup per request.
    if (session !== undefined && (!services.providers.has(session.envelope.data.provider) || (services.logoutRecords !== undefined && (await hasEnded(services, session))))) {
      await services.sessions.destroy(session, cookies, io.setCookie);
      session = undefined;
    }
  } catch (error) {
    if (!(error instanceof OidcError)) throw error;
    session = undefined;
    loadError = error;
  }
  return contextOf(services, host, request, cookies, io, session, loadError, native);
}

function contextOf(
  services: CoreServices, host: ContextHost, request: RequestView, cookies: ReadonlyMap<string, string>, io: ResponseIO,
  session: LoadedSession | undefined, loadError: OidcError | undefined, native: unknown,
): RequestContext {
  // Every field from the start (no spread, no fields added later): one object shape for V8.
  const state: ContextState = {
    request, cookies, io, session, loadError, owner: services,
    endedProvider: undefined, token: undefined, tokenRoute: undefined, context: undefined, native,
  };
  return new RequestContext(host, state);
}

async function hasEnded(services: CoreServices, session: LoadedSession): Promise<boolean> {
  const records = services.logoutRecords;
  if (records === undefined) return false;
  const data = session.envelope.data;
  const claims = decodeVerifiedJwtPayload(data.idToken);
  try {
    const { createdAt, createdAtMs } = session.envelope;
    return await records.hasEnded(data.provider, createdAtMs ?? createdAt * 1000, claims['sid'], claims.sub);
  } catch (cause) {
    throw new OidcError('session_store_unavailable', 'The session store is unavailable; try again shortly.', { cause });
  }
}
