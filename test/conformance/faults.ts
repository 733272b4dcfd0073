// The fault-injection matrix of the conformance suite: what can go wrong between oidc-kit and a
// provider that is down or lies, and at which endpoint. test/conformance/faults.test.ts has one test
// per applicable fault × endpoint pair, named `FLT-NN (<endpoint>): <title> → <expected outcome>`;
// write-report.ts turns the outcomes into the matrix of docs/CONFORMANCE.md, with the reasons below
// for the pairs that do not apply. The project rule each test checks: the documented status
// (400/401/403/502/503) and stable error code, never a 500 or a crash, never an authenticated
// result, and the same app works again once the fault has passed.

/**
 * One fault the hostile provider can be made to commit.
 *
 * @example
 * ```ts
 * const timeout: Fault = { id: 'FLT-02', title: 'no answer (timeout)', how: "the provider's answer is 'hang'", expected: '503 provider_unavailable' };
 * ```
 */
export interface Fault {
  /** `FLT-NN`, the prefix of its tests' names. */
  readonly id: string;
  /** What goes wrong, as the matrix shows it. */
  readonly title: string;
  /** How the tests bring it about. */
  readonly how: string;
  /** What the library must answer (the details per endpoint are in each test's name). */
  readonly expected: string;
}

/**
 * The endpoints of the provider that oidc-kit calls (or, for `end_session`, that a browser is sent
 * to): the columns of the matrix. `token` appears once per grant, because each is reached from a
 * different place in the library and fails differently for the user.
 *
 * @example
 * ```ts
 * for (const endpoint of FAULT_ENDPOINTS) console.log(`${FAULTS[0]!.id} (${endpoint})`);
 * ```
 */
export const FAULT_ENDPOINTS = [
  'discovery',
  'jwks',
  'token (login)',
  'token (refresh)',
  'userinfo',
  'introspection',
  'token (client credentials)',
  'registration',
  'end_session',
] as const;

/**
 * One of {@link FAULT_ENDPOINTS}.
 *
 * @example
 * ```ts
 * const endpoint: FaultEndpoint = 'token (refresh)';
 * ```
 */
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];

/**
 * Every fault, in the matrix's order. FLT-01…FLT-11 are injected at each endpoint in turn;
 * FLT-12…FLT-14 are scenarios of one endpoint each.
 *
 * @example
 * ```ts
 * const fault = FAULTS.find((f) => f.id === 'FLT-08');
 * console.log(fault?.title); // 'truncated body'
 * ```
 */
export const FAULTS: readonly Fault[] = [
  {
    id: 'FLT-01',
    title: 'connection refused (provider down)',
    how: 'the endpoint is reached through a TCP door whose port nothing listens on; the fault passes when the door opens and forwards to the provider',
    expected: '503 provider_unavailable (resource server: 503 without a challenge)',
  },
  {
    id: 'FLT-02',
    title: 'no answer (timeout)',
    how: 'the provider reads the request and never answers; oidc-kit runs with a short httpTimeout',
    expected: '503 provider_unavailable after httpTimeout',
  },
  {
    id: 'FLT-03',
    title: '500 with an HTML page',
    how: 'status 500, content-type text/html, an error page as the body',
    expected: '502 provider_error (introspection: 503 provider_unavailable)',
  },
  {
    id: 'FLT-04',
    title: '503 with Retry-After',
    how: 'status 503, Retry-After: 120, a text/plain "Service Unavailable" body, as a load balancer answers',
    expected: '502 provider_error (introspection: 503 provider_unavailable)',
  },
  {
    id: 'FLT-05',
    title: 'invalid JSON',
    how: 'the success status and application/json, with a body that is not JSON',
    expected: '502 provider_error (introspection: 503 provider_unavailable)',
  },
  {
    id: 'FLT-06',
    title: 'JSON of the wrong shape',
    how: 'the success status and valid JSON that is not what the endpoint answers (nested, an array, a member of the wrong type)',
    expected: '502 provider_error (introspection: 503 provider_unavailable)',
  },
  {
    id: 'FLT-07',
    title: 'wrong content-type',
    how: "the honest answer's JSON, sent as text/html",
    expected: '502 provider_error (introspection: 503 provider_unavailable)',
  },
  {
    id: 'FLT-08',
    title: 'truncated body',
    how: 'the headers announce 400 bytes of JSON, about 50 arrive, then the socket is closed',
    expected: '502 provider_error (introspection: 503 provider_unavailable)',
  },
  {
    id: 'FLT-09',
    title: 'socket destroyed mid-answer',
    how: 'the provider reads the request, then destroys the socket before a status line is sent',
    expected: '503 provider_unavailable',
  },
  {
    id: 'FLT-10',
    title: 'slow but within the timeout',
    how: 'the honest answer, delayed by a quarter of httpTimeout (positive control)',
    expected: 'succeeds',
  },
  {
    id: 'FLT-11',
    title: 'huge body',
    how: 'the honest answer padded with a 3 MB member',
    expected: '502 provider_error where oidc-kit caps the size (discovery, registration, JWKS: 512 KB; token, UserInfo: 1 MB); introspection 503',
  },
  {
    id: 'FLT-12',
    title: 'JWKS rotated mid-traffic',
    how: "the provider replaces its keys between two logins and between two bearer requests, once the caches' refetch limits have passed (a mocked clock)",
    expected: 'one refetch, new-key tokens accepted; tokens signed with a removed key refused (400 id_token_invalid:kid, 401 invalid_token:kid)',
  },
  {
    id: 'FLT-13',
    title: 'introspection down then back',
    how: 'the introspection endpoint refuses connections while cached, new and concurrent tokens arrive, then comes back',
    expected: 'cached answers still serve, every other request 503 without a challenge (never 401, never 200), all accepted once it is back',
  },
  {
    id: 'FLT-14',
    title: 'provider down at start-up then up',
    how: 'the app is built while the issuer refuses connections; public pages, logins, bearer tokens and the client credentials grant are tried; then the provider comes up',
    expected: 'public pages served, everything that needs the provider 503, and all of it works once the provider answers, without a restart',
  },
];

const END_SESSION = 'end_session is where the browser is redirected for RP-initiated logout; oidc-kit never calls it server-side, so a fault there is between the browser and the provider.';
const KEYS_ONLY = 'only the key set carries keys; key rotation does not concern this endpoint (its ID tokens and access tokens are checked against the JWKS, covered in the jwks column).';
const INTROSPECTION_ONLY = 'a scenario of the resource server\'s introspection endpoint; the outage of this endpoint is covered by FLT-01 and FLT-02 in its own column.';
const START_UP = 'at start-up the first call oidc-kit makes is discovery (other endpoints are only known from it), so a provider down at start-up is a discovery outage; this endpoint\'s own outage is FLT-01.';

/**
 * Why a fault × endpoint pair has no test, keyed `FLT-NN (<endpoint>)` as the tests are named.
 * Every pair of {@link FAULTS} × {@link FAULT_ENDPOINTS} has either a test or an entry here
 * (faults.test.ts checks it).
 *
 * @example
 * ```ts
 * const why = FAULT_NOT_APPLICABLE['FLT-03 (end_session)'];
 * ```
 */
export const FAULT_NOT_APPLICABLE: Readonly<Record<string, string>> = Object.fromEntries([
  ...FAULTS.map((fault) => [`${fault.id} (end_session)`, END_SESSION] as const),
  ...FAULT_ENDPOINTS.filter((endpoint) => endpoint !== 'jwks' && endpoint !== 'end_session').map((endpoint) => [`FLT-12 (${endpoint})`, KEYS_ONLY] as const),
  ...FAULT_ENDPOINTS.filter((endpoint) => endpoint !== 'introspection' && endpoint !== 'end_session').map((endpoint) => [`FLT-13 (${endpoint})`, INTROSPECTION_ONLY] as const),
  ...FAULT_ENDPOINTS.filter((endpoint) => endpoint !== 'discovery' && endpoint !== 'end_session').map((endpoint) => [`FLT-14 (${endpoint})`, START_UP] as const),
]);

/**
 * The name of a fault test: `FLT-NN (<endpoint>): <title> → <expected outcome>`, the form
 * write-report.ts reads the matrix from.
 *
 * @example
 * ```ts
 * faultTestName(FAULTS[1]!, 'token (login)', '503 provider_unavailable, then recovers');
 * // 'FLT-02 (token (login)): no answer (timeout) → 503 provider_unavailable, then recovers'
 * ```
 */
export function faultTestName(fault: Fault, endpoint: FaultEndpoint, outcome: string): string {
  return `${fault.id} (${endpoint}): ${fault.title} → ${outcome}`;
}
