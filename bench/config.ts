/** Ports, client and audiences of the benchmark. Everything listens on 127.0.0.1. */
export const HOST = '127.0.0.1';
export const OP_PORT = Number(process.env['OP_PORT'] ?? 4200);
export const OP_STATS_PORT = OP_PORT + 1;
export const ISSUER = `http://${HOST}:${OP_PORT}`;

export const CLIENT_ID = 'bench-client';
export const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef0123456789abcdef';
/** The secret every oidc-kit app seals its cookies with. */
export const SESSION_SECRET = 'bench-session-secret-0123456789-abcdefghijklmnop';

/** RFC 8707 resources: JWT access tokens for the JWT apps, opaque ones for the introspection apps. */
export const API_JWT = `http://${HOST}:4300/api`;
export const API_OPAQUE = `http://${HOST}:4300/api-opaque`;

/**
 * One app under test: its port and file; `anchor` apps are the other libraries, for comparison;
 * `reference` apps are hand-written floors, the least a correct check does.
 */
export interface AppSpec {
  readonly port: number;
  readonly file: string;
  /** Which credentials its requests carry. */
  readonly credentials: 'none' | 'oidc-kit-session' | 'eoc-session' | 'jwt' | 'jwt-unique' | 'opaque';
  readonly anchor?: boolean;
  /** A hand-written floor for the oidc-kit apps named (not a library). */
  readonly reference?: { readonly floorOf: readonly string[] };
  /** Needs a redis-server (skipped with a note when there is none). */
  readonly redis?: boolean;
  /** Runs the library as it was at `BASELINE` (an A/B run; see run.ts). */
  readonly baseline?: boolean;
}

export const APPS: Readonly<Record<string, AppSpec>> = {
  'bare-express': { port: 4301, file: 'apps/bare-express.ts', credentials: 'none' },
  'oidc-kit-session': { port: 4302, file: 'apps/oidc-kit-session.ts', credentials: 'oidc-kit-session' },
  'oidc-kit-session-redis': { port: 4303, file: 'apps/oidc-kit-session.ts', credentials: 'oidc-kit-session', redis: true },
  'oidc-kit-bearer-jwt': { port: 4304, file: 'apps/oidc-kit-bearer.ts', credentials: 'jwt' },
  'oidc-kit-bearer-jwt-unique': { port: 4305, file: 'apps/oidc-kit-bearer.ts', credentials: 'jwt-unique' },
  'oidc-kit-introspection': { port: 4306, file: 'apps/oidc-kit-bearer.ts', credentials: 'opaque' },
  'express-openid-connect': { port: 4307, file: 'apps/eoc-session.ts', credentials: 'eoc-session', anchor: true },
  'express-oauth2-jwt-bearer': { port: 4308, file: 'apps/jwt-bearer.ts', credentials: 'jwt', anchor: true },
  'jose-direct': { port: 4309, file: 'apps/jose-direct.ts', credentials: 'jwt-unique', anchor: true },
  'introspection-uncached': { port: 4310, file: 'apps/introspection-uncached.ts', credentials: 'opaque', anchor: true },
  // References, not libraries: the least a correct cached check does, written by hand (the second
  // also reads Redis on every request, as a session store does).
  'minimal-cached-check': { port: 4311, file: 'apps/minimal-cached-check.ts', credentials: 'jwt', reference: { floorOf: ['oidc-kit-session', 'oidc-kit-bearer-jwt', 'oidc-kit-introspection'] } },
  'minimal-cached-check-redis': { port: 4312, file: 'apps/minimal-cached-check.ts', credentials: 'jwt', redis: true, reference: { floorOf: ['oidc-kit-session-redis'] } },
};

/**
 * `BASELINE=<git ref> npm run bench` runs every oidc-kit app twice: as this checkout has it, and as
 * `<app>@baseline`, the same app file with the library as it was at the ref, on its own port.
 */
export const BASELINE_SUFFIX = '@baseline';
const BASELINE_PORT_OFFSET = 100;

/**
 * An app's spec by name, baseline variants included (undefined for an unknown name; anchors,
 * references and bare Express have no baseline variant: they do not use the library).
 *
 * @example
 * ```ts
 * appSpec('oidc-kit-session@baseline'); // { port: 4402, file: 'apps/oidc-kit-session.ts', …, baseline: true }
 * ```
 */
export function appSpec(name: string): AppSpec | undefined {
  if (!name.endsWith(BASELINE_SUFFIX)) return APPS[name];
  const spec = APPS[name.slice(0, -BASELINE_SUFFIX.length)];
  if (spec === undefined || spec.anchor === true || spec.reference !== undefined || spec.credentials === 'none') return undefined;
  return { ...spec, port: spec.port + BASELINE_PORT_OFFSET, baseline: true };
}

export const appUrl = (name: string): string => `http://${HOST}:${appSpec(name)!.port}`;
