/**
 * `npm run bench`: oidc-kit side by side with each framework's bare app, a hand-written floor per
 * framework, and the anchors (express-openid-connect, express-oauth2-jwt-bearer, jose alone,
 * uncached introspection, @hono/oidc-auth), in one run on this machine. Frameworks: Express,
 * Fastify, Hono and fetch handlers (the last two on Node's HTTP server through @hono/node-server).
 *
 * The provider (oidc-provider) and every app run as processes of their own, pinned to CPU 0; the
 * load generator (autocannon) runs on CPU 1 (processes.ts). Credentials are real (credentials.ts):
 * a login through the provider's form for the session apps, client-credentials tokens for the
 * bearer apps, and JWTs minted with the provider's own signing key for the "unique" runs (a
 * different valid token on every request). After a warm-up, rounds are interleaved (A B C … A B C …)
 * and the median is reported (report.ts): each app against its own framework's bare app and floor.
 *
 *   npm run bench                    # ROUNDS=3 DURATION=10 CONNECTIONS=50 WARMUP=3
 *   npm run bench -- --quick         # one short round: proves the harness works (CI); no timing asserted
 *   APPS=bare-express,oidc-kit-session npm run bench   # each framework's bare app is added
 *   BASELINE=HEAD~1 npm run bench    # A/B: each oidc-kit app also runs with the library at HEAD~1 (baseline.ts)
 *   PERF=oidc-kit-session npm run bench   # Linux perf samples that app, kernel included (perf-record.ts)
 *   APP_NODE_FLAGS=--max-semi-space-size=4 npm run bench   # node flags for the apps only (not the provider or load generator)
 *
 * Writes bench/results/latest.json ([{ name, framework, rps, p99_ms, rss_mb, ratio_to_bare,
 * ratio_to_floor, provider_calls }]) and bench/results/latest.md (the tables, the login cost, the
 * machine and versions); --quick writes quick.json and quick.md instead (git-ignored), so a smoke
 * run never replaces a full run's record; an A/B run writes baseline.json and baseline.md
 * (git-ignored), with the per-round ratios.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { startRedis, type RedisServer } from '../test/support/redis-server.ts';
import { baselineHas, extractBaseline } from './baseline.ts';
import { API_JWT, API_OPAQUE, APPS, appSpec, appUrl, BASELINE_SUFFIX, bareOf, HOST, isSession, OP_STATS_PORT, SESSION_LOGIN } from './config.ts';
import { clientCredentials, login, mintTokens } from './credentials.ts';
import { boundClientCredentials, dpopClientKey, makeDpopProof, proofPool } from './dpop-proofs.ts';
import { distinctCookieSessions, distinctStoreSessions } from './distinct-sessions.ts';
import { checkPerf, kernelSendCost, startPerfRecord } from './perf-record.ts';
import { allExited, CONNECTIONS, cpuSeconds, load, PIN, rssMb, startServer, stopAll, temporaryFiles, variantsFile, type LoadResult, type Variants } from './processes.ts';
import { fixed, jsonSummary, renderMarkdown, summarize, type Churn, type Preflight, type Round } from './report.ts';
import { selfSignedCertificate } from './tls-certificate.ts';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 1 : Number(process.env['ROUNDS'] ?? 3);
const DURATION = QUICK ? 2 : Number(process.env['DURATION'] ?? 10);
const WARMUP = QUICK ? 1 : Number(process.env['WARMUP'] ?? 3);
const LOGINS = QUICK ? 3 : Number(process.env['LOGINS'] ?? 30);
const LOGIN_ROUNDS = QUICK ? 1 : 5;
/** Distinct JWTs for the unique runs: more than oidc-kit's verified-token cache holds (10 000), so none is found there again. */
const UNIQUE_TOKENS = QUICK ? 12_000 : 30_000;
/** Distinct sessions for the churn runs: many times the 1 000 opened sessions oidc-kit keeps. */
const UNIQUE_SESSIONS = QUICK ? 3_000 : 30_000;
/** Memory under churn: seconds of load per app with a different session or token on every request, and how often RSS is sampled. */
const CHURN_SECONDS = QUICK ? 3 : Number(process.env['CHURN'] ?? 60);
const CHURN_SAMPLE_SECONDS = QUICK ? 1 : 5;
/** A/B run: the git ref whose library the `@baseline` apps run (see baseline.ts). */
const BASELINE = process.env['BASELINE'] || undefined;
/** Apps that Linux perf samples during their rounds (PERF=<app>[,<app>…]; see perf-record.ts). */
const PERF = new Set((process.env['PERF'] ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''));
/** Apps that run under node --cpu-prof (PROFILE=<app>[,<app>…]). */
const PROFILE = new Set((process.env['PROFILE'] ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''));
/** Node flags for the app processes only, e.g. a V8 heap setting to measure (NODE_OPTIONS would reach the load generator too). */
const APP_NODE_FLAGS = (process.env['APP_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
const DIR = import.meta.dirname;
const RESULTS = join(DIR, 'results');

async function providerCalls(reset: boolean): Promise<number> {
  const answer = await fetch(`http://${HOST}:${OP_STATS_PORT}/stats${reset ? '?reset=1' : ''}`);
  const counts = await answer.json() as Record<string, number>;
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

// ------------------------------------------------------------------------------------------------
const requested = (process.env['APPS'] ?? Object.keys(APPS).join(',')).split(',').filter(Boolean);
for (const name of requested) if (APPS[name] === undefined) throw new Error(`unknown app ${name}; known: ${Object.keys(APPS).join(', ')}`);
// Each framework's bare app, the limit its apps are measured against, runs too.
requested.unshift(...new Set(requested.map(bareOf).filter((bare) => !requested.includes(bare))));
const notes: string[] = [];
const baseline = BASELINE === undefined ? undefined : extractBaseline(BASELINE, RESULTS);
if (baseline !== undefined) {
  // Each oidc-kit app is followed by its baseline variant, so the two run back to back in every round.
  for (let i = requested.length - 1; i >= 0; i--) {
    const variant = `${requested[i]!}${BASELINE_SUFFIX}`;
    const spec = appSpec(variant);
    if (spec === undefined) continue;
    // A baseline from before this framework's adapter has no library for the app to run: it runs alone.
    if (!baselineHas(baseline, spec.framework)) {
      notes.push(`${variant} left out: the baseline ${baseline.commit.slice(0, 12)} has no src/${spec.framework}.ts (no ${spec.framework} adapter yet)`);
      continue;
    }
    requested.splice(i + 1, 0, variant);
  }
}
for (const name of PERF) if (!requested.includes(name)) throw new Error(`PERF=${name} is not an app of this run; name one of ${requested.join(', ')}.`);
if (PERF.size > 0) {
  checkPerf();
  mkdirSync(join(RESULTS, 'profiles'), { recursive: true });
}
console.log(`node ${process.version}, ${availableParallelism()} CPUs, pinned=${PIN}; rounds=${ROUNDS} duration=${DURATION}s connections=${CONNECTIONS} warm-up=${WARMUP}s${QUICK ? ' (quick)' : ''}`);

// Keys: RS256 signs ID tokens, ES256 the JWT access tokens (the OP's and the unique ones minted here).
const rs = await generateKeyPair('RS256', { extractable: true });
const es = await generateKeyPair('ES256', { extractable: true });
const esJwk: JWK = { ...(await exportJWK(es.privateKey)), kid: 'bench-es256', alg: 'ES256', use: 'sig' };
const rsJwk: JWK = { ...(await exportJWK(rs.privateKey)), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };
// The provider's HTTPS instance, for the apps whose library refuses a plain-http provider: a
// certificate made for this run, trusted by those apps (NODE_EXTRA_CA_CERTS) and by this process,
// whose scripted browser logs them in through that instance's form.
const certificate = requested.some((name) => appSpec(name)!.providerTls === true) ? selfSignedCertificate() : undefined;
const caFile = join(tmpdir(), `oidc-kit-bench-provider-ca-${process.pid}.pem`);
if (certificate !== undefined) {
  writeFileSync(caFile, certificate.cert);
  temporaryFiles.push(caFile);
  setDefaultCACertificates([...getCACertificates('default'), certificate.cert]);
}
const op = await startServer('op', [join(DIR, 'op.ts')], {
  NODE_ENV: 'development',
  OP_SIGNING_JWK: JSON.stringify(esJwk),
  OP_EXTRA_JWK: JSON.stringify(rsJwk),
  ...(certificate === undefined ? {} : { OP_TLS_KEY: certificate.key, OP_TLS_CERT: certificate.cert }),
});

let redis: RedisServer | undefined;
// Apps that need a redis-server run only if one starts; without one they are skipped, said in one line.
const needRedis = requested.filter((name) => appSpec(name)!.redis === true);
let redisMissing: string | undefined;
if (needRedis.length > 0) {
  try {
    redis = await startRedis();
  } catch (error) {
    redisMissing = error instanceof Error ? error.message.split('\n')[0] : String(error);
    notes.push(`skipped ${needRedis.join(', ')}: ${redisMissing}`);
    console.log(`# ${notes.at(-1)!}`);
  }
}
const names = requested.filter((name) => redisMissing === undefined || !needRedis.includes(name));
const servers: Record<string, ChildProcess> = {};
for (const name of names) {
  const env: Record<string, string> = { NODE_ENV: 'production' };
  if (appSpec(name)!.redis === true && redis !== undefined) env['REDIS_URL'] = redis.url;
  if (appSpec(name)!.baseline === true) env['BENCH_LIBRARY'] = baseline!.library;
  if (appSpec(name)!.providerTls === true) env['NODE_EXTRA_CA_CERTS'] = caFile;
  // PROFILE=<app>[,<app>…]: those apps run under node --cpu-prof (each profile is written at exit,
  // into bench/results/profiles, named <app>.cpuprofile).
  const profile = PROFILE.has(name) ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS, 'profiles')}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  // PERF=<app>: V8 names its compiled functions in /tmp/perf-<pid>.map, for perf's report.
  if (PERF.has(name)) profile.push('--perf-basic-prof');
  servers[name] = await startServer(name, [...APP_NODE_FLAGS, ...profile, join(DIR, appSpec(name)!.file), name], env);
}

// Credentials.
const headers: Record<string, Record<string, string>> = {};
const bad: Record<string, Record<string, string>> = {};
let uniqueTokens: Variants | undefined;
const jwt = names.some((n) => appSpec(n)!.credentials === 'jwt') ? await clientCredentials(API_JWT) : undefined;
const opaque = names.some((n) => appSpec(n)!.credentials === 'opaque') ? await clientCredentials(API_OPAQUE) : undefined;
// DPoP apps: one client key, a token the provider bound to it (cnf.jkt), and a new proof per request.
const dpopKey = names.some((n) => appSpec(n)!.credentials === 'dpop-jwt') ? dpopClientKey() : undefined;
const dpopToken = dpopKey === undefined ? undefined : await boundClientCredentials(API_JWT, dpopKey);
const isDpop = (name: string): boolean => appSpec(name)!.credentials === 'dpop-jwt';
/** A DPoP app's request headers with a proof made now, never sent before. */
const dpopHeaders = (name: string): Record<string, string> =>
  ({ authorization: `DPoP ${dpopToken!}`, dpop: makeDpopProof(dpopKey!, 'GET', `${appUrl(name)}/protected`, dpopToken, randomUUID()) });
/** The headers of one request with the app's credentials: a DPoP app's carry a fresh proof each time. */
const credentialsOf = (name: string): Record<string, string> => (isDpop(name) ? dpopHeaders(name) : headers[name]!);
if (names.some((n) => appSpec(n)!.credentials === 'jwt-unique')) {
  const tokens = await mintTokens(UNIQUE_TOKENS, es.privateKey);
  uniqueTokens = variantsFile('tokens', tokens.map((token) => `Bearer ${token}`), 'authorization');
  headers['__first-unique'] = { authorization: `Bearer ${tokens[0]!}` };
}
for (const name of names) {
  const kind = appSpec(name)!.credentials;
  if (kind === 'none') headers[name] = {};
  if (isSession(kind)) {
    headers[name] = { cookie: await login(name) };
    bad[name] = { cookie: SESSION_LOGIN[kind].forged };
  }
  if (kind === 'jwt') headers[name] = { authorization: `Bearer ${jwt!}` };
  if (kind === 'jwt-unique') headers[name] = headers['__first-unique']!;
  if (kind === 'opaque') headers[name] = { authorization: `Bearer ${opaque!}` };
  if (kind === 'jwt' || kind === 'jwt-unique') bad[name] = { authorization: `Bearer ${(jwt ?? headers[name]!['authorization']!.slice(7)).slice(0, -4)}AAAA` };
  if (kind === 'opaque') bad[name] = { authorization: 'Bearer not-a-real-token' };
  // The bare app's "same request" gets one of these (it ignores them); every request to the app itself gets a new proof.
  if (kind === 'dpop-jwt') headers[name] = dpopHeaders(name);
  // A bound token without its proof must be refused.
  if (kind === 'dpop-jwt') bad[name] = { authorization: `DPoP ${dpopToken!}` };
}

// Pre-flight: credentials work, their absence and forgeries do not; session requests that change
// nothing carry no Set-Cookie; a DPoP proof is good for one request only (sent again: 401).
console.log('\npre-flight');
const preflight: Record<string, Preflight> = {};
for (const name of names) {
  const url = `${appUrl(name)}/protected`;
  await fetch(url, { headers: credentialsOf(name), redirect: 'manual' }).then((r) => r.arrayBuffer());
  const sent = credentialsOf(name);
  const ok = await fetch(url, { headers: sent, redirect: 'manual' });
  await ok.arrayBuffer();
  const anonymous = bad[name] === undefined ? null : (await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' } })).status;
  const refused = bad[name] === undefined ? null : (await fetch(url, { redirect: 'manual', headers: { ...bad[name], accept: 'application/json' } })).status;
  const replayed = isDpop(name) ? (await fetch(url, { redirect: 'manual', headers: { ...sent, accept: 'application/json' } })).status : undefined;
  const result: Preflight = { ok: ok.status, anonymous, bad: refused, setCookie: ok.headers.has('set-cookie'), ...(replayed === undefined ? {} : { replayed }) };
  preflight[name] = result;
  const pass = result.ok === 200 && (anonymous === null || [401, 302].includes(anonymous)) && (refused === null || [401, 302].includes(refused)) && (replayed === undefined || replayed === 401);
  console.log(`  ${name.padEnd(28)} ok=${result.ok} anonymous=${anonymous ?? '-'} bad=${refused ?? '-'}${replayed === undefined ? '' : ` replayed=${replayed}`} set-cookie=${result.setCookie} ${pass ? 'OK' : 'FAIL'}`);
  if (!pass) throw new Error(`pre-flight failed for ${name}`);
}

// Warm-up, then interleaved rounds.
/**
 * Proofs a DPoP app is sent per second at most: twice the most it has served in a run so far, and
 * never under 10 000 (a warm-up, not yet compiled, serves far fewer than its rounds), so that a
 * round never runs out. ECDSA P-256 verification alone keeps one core under about 20 000 per second.
 */
const dpopRate: Record<string, number> = {};
/**
 * A DPoP app's load: a pool of proofs made now (so every `iat` is inside the app's 60 s window for
 * the round), each with a `jti` of its own, each sent once; the load fails if the pool ran out,
 * since a proof sent twice is refused as a replay.
 */
async function dpopLoad(name: string, duration: number): Promise<LoadResult> {
  const count = Math.ceil(duration * (dpopRate[name] ?? 10_000)) + 1_000;
  const proofs = variantsFile(`dpop-${name}`, proofPool(dpopKey!, `${appUrl(name)}/protected`, dpopToken!, count), 'dpop');
  try {
    const result = await load(`${appUrl(name)}/protected`, { authorization: `DPoP ${dpopToken!}` }, duration, proofs);
    if ((result.variantsSent ?? 0) > count) throw new Error(`${name}: ${result.variantsSent} requests but ${count} DPoP proofs; some were sent twice (raise dpopRate in run.ts)`);
    dpopRate[name] = Math.max(dpopRate[name] ?? 10_000, 2 * result.rps);
    return result;
  } finally {
    rmSync(proofs.file, { force: true });
  }
}
const loadFor = (name: string, duration: number): Promise<LoadResult> => isDpop(name)
  ? dpopLoad(name, duration)
  : load(`${appUrl(name)}/protected`, appSpec(name)!.credentials === 'jwt-unique' ? {} : headers[name]!, duration, appSpec(name)!.credentials === 'jwt-unique' ? uniqueTokens : undefined);
if (WARMUP > 0) {
  console.log(`\nwarm-up ${WARMUP}s each`);
  for (const name of names) await loadFor(name, WARMUP);
}
const rounds: Record<string, Round[]> = Object.fromEntries(names.map((n) => [n, []]));
/**
 * Each framework's bare app also gets each of its apps' requests as they are (the same cookie or
 * Authorization header), once per distinct request shape and round: a 3 KB session cookie or a
 * 700-byte JWT costs HTTP parsing and copying before any middleware runs, so "× bare, same
 * request" isolates what the middleware itself costs. The bare route ignores the headers.
 */
const shapeOf = (name: string): string => JSON.stringify(Object.keys(headers[name] ?? {}).sort().map((k) => [k, headers[name]![k]!.length]));
const sameRequestOf = (name: string): string => `${bareOf(name)} ${shapeOf(name)}`;
const sameRequests = new Map<string, { bare: string; app: string; rps: number[] }>(); // bare app and shape → an app whose headers it gets
for (const name of names) if (shapeOf(name) !== '[]' && !sameRequests.has(sameRequestOf(name))) sameRequests.set(sameRequestOf(name), { bare: bareOf(name), app: name, rps: [] });
/**
 * A fresh login for every session app: a browser sends the cookie its app last set, but the load
 * generator replays one Cookie header, and oidc-kit rewrites a session's cookie (its rolling touch)
 * once the cookie is older than `touchInterval`, 15 minutes by default — less than a full run of
 * all the frameworks' apps. Without a new login, later rounds would measure a touch on every request.
 */
async function loginAgain(): Promise<void> {
  for (const name of names) if (isSession(appSpec(name)!.credentials)) headers[name] = { cookie: await login(name) };
}
for (let round = 1; round <= ROUNDS; round++) {
  if (round > 1) await loginAgain();
  for (const same of sameRequests.values()) {
    await sleep(500);
    const result = await load(`${appUrl(same.bare)}/protected`, headers[same.app]!, DURATION);
    same.rps.push(result.rps);
    console.log(`round ${round} ${same.bare} with ${same.app}'s headers ${fixed(result.rps).padStart(6)} req/s`);
  }
  for (const name of names) {
    await sleep(500);
    await providerCalls(true);
    const pid = servers[name]!.pid!;
    const recording = PERF.has(name) ? startPerfRecord(pid, join(RESULTS, 'profiles', `${name}.round${round}.perf.data`)) : undefined;
    const cpu0 = cpuSeconds(pid);
    const result = await loadFor(name, DURATION);
    const cpu = cpuSeconds(pid) - cpu0;
    await recording?.stop();
    const entry: Round = { ...result, round, cpuUsPerRequest: (cpu / Math.max(1, result.total)) * 1e6, providerCalls: await providerCalls(false), rssMb: rssMb(pid) };
    rounds[name]!.push(entry);
    console.log(`round ${round} ${name.padEnd(28)} ${fixed(entry.rps).padStart(6)} req/s  p99 ${entry.p99} ms  cpu ${fixed(entry.cpuUsPerRequest)} µs/req  provider calls ${entry.providerCalls}  rss ${fixed(entry.rssMb, 1)} MB  non-2xx ${entry.non2xx} errors ${entry.errors}`);
    if (recording !== undefined) {
      const send = kernelSendCost(recording.file);
      const where = recording.file.slice(DIR.length + 1);
      const line = send.writev === 0
        ? `perf, ${name}, round ${round}: no writev in the samples, so kernel symbols are hidden here (/proc/sys/kernel/kptr_restrict) or perf saw nothing (${where})`
        : `perf, ${name}, round ${round}: of ${fixed(entry.cpuUsPerRequest)} µs of CPU per request, ${fixed(send.writev * entry.cpuUsPerRequest, 1)} µs in writev, ${fixed(send.wake * entry.cpuUsPerRequest, 1)} µs of it handing the response to the load generator's socket (${where})`;
      console.log(`  ${line}`);
      notes.push(line);
    }
  }
}

// Memory under churn: a longer run per app in which every request carries a session or token the
// app has not seen before (cycling through many more than its caches hold), RSS sampled as it runs.
// Bare Express gets the cookie sessions too (it ignores them): the reference for the RSS.
const churn: Record<string, Churn> = {};
if (CHURN_SECONDS > 0) {
  // The churn's sessions are the login's sealed again, so they start as fresh as it is.
  await loginAgain();
  const churnRuns: Array<[string, Variants, number]> = [];
  if (names.includes('oidc-kit-session')) {
    const cookieSessions = variantsFile('cookie-sessions', distinctCookieSessions(headers['oidc-kit-session']!['cookie']!, UNIQUE_SESSIONS), 'cookie');
    churnRuns.push(['bare-express', cookieSessions, UNIQUE_SESSIONS], ['oidc-kit-session', cookieSessions, UNIQUE_SESSIONS]);
  }
  if (names.includes('oidc-kit-session-redis') && redis !== undefined) {
    churnRuns.push(['oidc-kit-session-redis', variantsFile('store-sessions', await distinctStoreSessions(headers['oidc-kit-session-redis']!['cookie']!, UNIQUE_SESSIONS, redis.url), 'cookie'), UNIQUE_SESSIONS]);
  }
  if (names.includes('oidc-kit-bearer-jwt-unique') && uniqueTokens !== undefined) churnRuns.push(['oidc-kit-bearer-jwt-unique', uniqueTokens, UNIQUE_TOKENS]);
  console.log(`\nmemory under churn: ${CHURN_SECONDS}s each, RSS every ${CHURN_SAMPLE_SECONDS}s`);
  for (const [name, variants, distinct] of churnRuns) {
    await sleep(500);
    const pid = servers[name]!.pid!;
    const rss = [rssMb(pid)];
    const sampler = setInterval(() => rss.push(rssMb(pid)), CHURN_SAMPLE_SECONDS * 1000);
    const result = await load(`${appUrl(name)}/protected`, {}, CHURN_SECONDS, variants);
    clearInterval(sampler);
    rss.push(rssMb(pid));
    churn[name] = { variants, distinct, rps: result.rps, failed: result.non2xx + result.errors + result.timeouts, rss };
    console.log(`churn ${name.padEnd(28)} ${fixed(result.rps).padStart(6)} req/s  ${distinct} distinct  failed ${churn[name].failed}  rss ${rss.map((r) => fixed(r)).join(' ')} MB`);
  }
}

// The cost of a login: sequential logins through the app and the provider, end to end, in
// interleaved rounds of LOGINS per app (one run per app swung with the machine's drift: 44.6
// against 39.1 logins/s in one run, 57.0 against 71.9 in the next). The app's CPU is summed over
// all rounds: /proc counts it in 10 ms ticks, too coarse for 30 logins.
const loginCost: Record<string, { perSecond: number[]; appCpuMs: number }> = {};
const loginApps = names.filter((n) => isSession(appSpec(n)!.credentials) && appSpec(n)!.redis !== true);
const loginCpu: Record<string, number> = {};
for (let round = 0; round < LOGIN_ROUNDS; round++) {
  for (const name of loginApps) {
    const pid = servers[name]!.pid!;
    const cpu0 = cpuSeconds(pid);
    const started = performance.now();
    for (let i = 0; i < LOGINS; i++) await login(name);
    const seconds = (performance.now() - started) / 1000;
    loginCpu[name] = (loginCpu[name] ?? 0) + cpuSeconds(pid) - cpu0;
    (loginCost[name] ??= { perSecond: [], appCpuMs: 0 }).perSecond.push(LOGINS / seconds);
    loginCost[name].appCpuMs = (loginCpu[name] / (LOGINS * (round + 1))) * 1000;
  }
}

// Summary.
const record = {
  names,
  rounds,
  bareSameRequest: Object.fromEntries(names.filter((n) => sameRequests.has(sameRequestOf(n))).map((n) => [n, sameRequests.get(sameRequestOf(n))!.rps])),
  preflight,
  churn,
  loginCost,
  notes,
  baseline,
  settings: {
    quick: QUICK, rounds: ROUNDS, duration: DURATION, connections: CONNECTIONS, warmup: WARMUP, pin: PIN, appNodeFlags: APP_NODE_FLAGS,
    churnSeconds: CHURN_SECONDS, churnSampleSeconds: CHURN_SAMPLE_SECONDS, loginRounds: LOGIN_ROUNDS, logins: LOGINS,
  },
};
const summary = summarize(record);
const markdown = renderMarkdown(record, summary);
console.log(`\n${markdown}`);
mkdirSync(RESULTS, { recursive: true });
// A quick run proves the harness, an A/B run compares two versions: neither replaces the recorded
// results of a full run.
const base = QUICK ? 'quick' : baseline !== undefined ? 'baseline' : 'latest';
writeFileSync(join(RESULTS, `${base}.json`), `${JSON.stringify(jsonSummary(summary), null, 2)}\n`);
writeFileSync(join(RESULTS, `${base}.md`), markdown);
console.log(`wrote bench/results/${base}.json and bench/results/${base}.md`);
stopAll();
await allExited();
await redis?.close();
void op;
process.exit(0);
