/**
 * `npm run bench`: oidc-kit side by side with bare Express and the anchors (express-openid-connect,
 * express-oauth2-jwt-bearer, jose alone, uncached introspection), in one run on this machine.
 *
 * The provider (oidc-provider) and every app run as processes of their own, pinned to CPU 0; the
 * load generator (autocannon) runs on CPU 1. Credentials are real: a login through the provider's
 * form for the session apps, client-credentials tokens for the bearer apps, and JWTs minted with
 * the provider's own signing key for the "unique" runs (a different valid token on every request).
 * After a warm-up, rounds are interleaved (A B C … A B C …) and the median is reported.
 *
 *   npm run bench                    # ROUNDS=3 DURATION=10 CONNECTIONS=50 WARMUP=3
 *   npm run bench -- --quick         # one short round: proves the harness works (CI); no timing asserted
 *   APPS=bare-express,oidc-kit-session npm run bench
 *   BASELINE=HEAD~1 npm run bench    # A/B: each oidc-kit app also runs with the library at HEAD~1
 *   PERF=oidc-kit-session npm run bench   # Linux perf samples that app, kernel included (perf-record.ts)
 *   APP_NODE_FLAGS=--max-semi-space-size=4 npm run bench   # node flags for the apps only (not the provider or load generator)
 *
 * Writes bench/results/latest.json ([{ name, rps, p99_ms, rss_mb, ratio_to_bare, provider_calls }])
 * and bench/results/latest.md (the table, the login cost, the machine and versions); --quick writes
 * quick.json and quick.md instead (git-ignored), so a smoke run never replaces a full run's record;
 * an A/B run writes baseline.json and baseline.md (git-ignored), with the per-round ratios.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { loginThroughProvider, TestBrowser } from '../test/support/browser.ts';
import { checkPerf, kernelSendCost, startPerfRecord } from './perf-record.ts';
import { distinctCookieSessions, distinctStoreSessions } from './distinct-sessions.ts';
import { CookieJar } from '../test/support/cookie-jar.ts';
import { startRedis, type RedisServer } from '../test/support/redis-server.ts';
import { API_JWT, API_OPAQUE, APPS, appSpec, appUrl, BASELINE_SUFFIX, CLIENT_ID, CLIENT_SECRET, HOST, ISSUER, OP_STATS_PORT } from './config.ts';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 1 : Number(process.env['ROUNDS'] ?? 3);
const DURATION = QUICK ? 2 : Number(process.env['DURATION'] ?? 10);
const WARMUP = QUICK ? 1 : Number(process.env['WARMUP'] ?? 3);
const CONNECTIONS = Number(process.env['CONNECTIONS'] ?? 50);
const LOGINS = QUICK ? 3 : Number(process.env['LOGINS'] ?? 30);
const LOGIN_ROUNDS = QUICK ? 1 : 5;
/** Distinct JWTs for the unique runs: more than oidc-kit's verified-token cache holds (10 000), so none is found there again. */
const UNIQUE_TOKENS = QUICK ? 12_000 : 30_000;
/** Distinct sessions for the churn runs: many times the 1 000 opened sessions oidc-kit keeps. */
const UNIQUE_SESSIONS = QUICK ? 3_000 : 30_000;
/** Memory under churn: seconds of load per app with a different session or token on every request, and how often RSS is sampled. */
const CHURN_SECONDS = QUICK ? 3 : Number(process.env['CHURN'] ?? 60);
const CHURN_SAMPLE_SECONDS = QUICK ? 1 : 5;
/** A/B run: the git ref whose library the `@baseline` apps run (see extractBaseline). */
const BASELINE = process.env['BASELINE'] || undefined;
/** Apps that Linux perf samples during their rounds (PERF=<app>[,<app>…]; see perf-record.ts). */
const PERF = new Set((process.env['PERF'] ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''));
/** Node flags for the app processes only, e.g. a V8 heap setting to measure (NODE_OPTIONS would reach the load generator too). */
const APP_NODE_FLAGS = (process.env['APP_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
const DIR = import.meta.dirname;
const RESULTS = join(DIR, 'results');
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const PIN = process.env['PIN'] === undefined ? hasTaskset && availableParallelism() >= 2 : process.env['PIN'] === '1';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const children = new Set<ChildProcess>();
/** The token and session lists handed to the load generator, and the baseline's copy of src/: deleted at the end. */
const temporaryFiles: string[] = [];
const stopAll = (): void => {
  for (const child of children) child.kill('SIGTERM');
  for (const file of temporaryFiles) rmSync(file, { force: true, recursive: true });
};
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

/** Spawns a node process, pinned to `cpu` when pinning is on. */
function node(cpu: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const [command, argv] = PIN ? ['taskset', ['-c', cpu, process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function startServer(label: string, args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = node('0', args, env);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start: ${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${label} exited ${code}: ${output}`)));
  });
  child.stdout?.resume();
  return child;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN) / 1024;
}

async function providerCalls(reset: boolean): Promise<number> {
  const answer = await fetch(`http://${HOST}:${OP_STATS_PORT}/stats${reset ? '?reset=1' : ''}`);
  const counts = await answer.json() as Record<string, number>;
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

interface LoadResult { rps: number; total: number; p50: number; p99: number; non2xx: number; errors: number; timeouts: number }

/** A header that differs on every request: its values, one per line of `file`, cycled through. */
interface Variants { header: string; file: string }

function load(url: string, headers: Record<string, string>, duration: number, variants?: Variants): Promise<LoadResult> {
  const child = node('1', [join(DIR, 'loadgen.ts'), JSON.stringify({ url, connections: CONNECTIONS, duration, headers, variants })]);
  let output = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited ${code}: ${errors}`));
      else resolve(JSON.parse(output) as LoadResult);
    });
  });
}

async function clientCredentials(resource: string): Promise<string> {
  const answer = await fetch(`${ISSUER}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'api:read' }),
  });
  const body = await answer.json() as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`client_credentials failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A real login through the app and the provider's form; returns the app's Cookie header. */
async function login(app: string): Promise<string> {
  const jar = new CookieJar();
  const { response, url } = await loginThroughProvider(new TestBrowser(jar), `${appUrl(app)}/login?returnTo=/protected`, 'bench-user');
  if (response.status >= 500 || url.origin !== appUrl(app)) throw new Error(`login through ${app} failed: ${response.status} at ${url.href}`);
  const cookie = jar.header(`${appUrl(app)}/protected`);
  if (cookie === undefined) throw new Error(`login through ${app} left no cookie`);
  return cookie;
}

/**
 * The library's src/ as it was at `ref`, extracted (git archive) into bench/results/baseline/<commit>/
 * — inside the project, so that it resolves the same node_modules as the checkout — for the length
 * of the run. Returns the commit and the folder's file URL for BENCH_LIBRARY (bench/apps/library.ts).
 */
function extractBaseline(ref: string): { commit: string; library: string } {
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: DIR, encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`BASELINE=${ref} is not a commit of this repository (try BASELINE=HEAD or BASELINE=HEAD~1).`);
  }
  const folder = join(RESULTS, 'baseline', commit);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', commit, 'src'], { cwd: join(DIR, '..'), maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', folder], { input: archive });
  temporaryFiles.push(folder);
  return { commit, library: pathToFileURL(join(folder, 'src') + '/').href };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const fixed = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

// ------------------------------------------------------------------------------------------------
const requested = (process.env['APPS'] ?? Object.keys(APPS).join(',')).split(',').filter(Boolean);
for (const name of requested) if (APPS[name] === undefined) throw new Error(`unknown app ${name}; known: ${Object.keys(APPS).join(', ')}`);
if (!requested.includes('bare-express')) requested.unshift('bare-express');
const baseline = BASELINE === undefined ? undefined : extractBaseline(BASELINE);
if (baseline !== undefined) {
  // Each oidc-kit app is followed by its baseline variant, so the two run back to back in every round.
  for (let i = requested.length - 1; i >= 0; i--) {
    const variant = `${requested[i]!}${BASELINE_SUFFIX}`;
    if (appSpec(variant) !== undefined) requested.splice(i + 1, 0, variant);
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
const op = await startServer('op', [join(DIR, 'op.ts')], { NODE_ENV: 'development', OP_SIGNING_JWK: JSON.stringify(esJwk), OP_EXTRA_JWK: JSON.stringify(rsJwk) });

let redis: RedisServer | undefined;
const notes: string[] = [];
const names: string[] = [];
for (const name of requested) {
  if (appSpec(name)!.redis === true) {
    try {
      redis ??= await startRedis();
    } catch (error) {
      notes.push(`${name} skipped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      continue;
    }
  }
  names.push(name);
}
const servers: Record<string, ChildProcess> = {};
for (const name of names) {
  const env: Record<string, string> = { NODE_ENV: 'production' };
  if (appSpec(name)!.redis === true && redis !== undefined) env['REDIS_URL'] = redis.url;
  if (appSpec(name)!.baseline === true) env['BENCH_LIBRARY'] = baseline!.library;
  // PROFILE=<app>: that app runs under node --cpu-prof (the profile is written at exit, into bench/results/profiles).
  const profile = process.env['PROFILE'] === name ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS, 'profiles')}`] : [];
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
if (names.some((n) => appSpec(n)!.credentials === 'jwt-unique')) {
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < UNIQUE_TOKENS; i++) {
    tokens.push(await new SignJWT({ client_id: CLIENT_ID, scope: 'api:read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench-es256', typ: 'at+jwt' })
      .setIssuer(ISSUER).setAudience(API_JWT).setSubject(`user-${i}`).setJti(`jti-${i}`)
      .setIssuedAt(now).setExpirationTime(now + 3600)
      .sign(es.privateKey));
  }
  uniqueTokens = { header: 'authorization', file: join(tmpdir(), `oidc-kit-bench-tokens-${process.pid}.txt`) };
  temporaryFiles.push(uniqueTokens.file);
  writeFileSync(uniqueTokens.file, tokens.map((token) => `Bearer ${token}`).join('\n'));
  headers['__first-unique'] = { authorization: `Bearer ${tokens[0]!}` };
}
for (const name of names) {
  const kind = appSpec(name)!.credentials;
  if (kind === 'none') headers[name] = {};
  if (kind === 'oidc-kit-session' || kind === 'eoc-session') {
    headers[name] = { cookie: await login(name) };
    bad[name] = { cookie: kind === 'eoc-session' ? 'appSession=garbage' : 'oidc_session=garbage' };
  }
  if (kind === 'jwt') headers[name] = { authorization: `Bearer ${jwt!}` };
  if (kind === 'jwt-unique') headers[name] = headers['__first-unique']!;
  if (kind === 'opaque') headers[name] = { authorization: `Bearer ${opaque!}` };
  if (kind === 'jwt' || kind === 'jwt-unique') bad[name] = { authorization: `Bearer ${(jwt ?? headers[name]!['authorization']!.slice(7)).slice(0, -4)}AAAA` };
  if (kind === 'opaque') bad[name] = { authorization: 'Bearer not-a-real-token' };
}

// Pre-flight: credentials work, their absence and forgeries do not; session requests that change
// nothing carry no Set-Cookie.
console.log('\npre-flight');
const preflight: Record<string, { ok: number; anonymous: number | null; bad: number | null; setCookie: boolean }> = {};
for (const name of names) {
  const url = `${appUrl(name)}/protected`;
  await fetch(url, { headers: headers[name], redirect: 'manual' }).then((r) => r.arrayBuffer());
  const ok = await fetch(url, { headers: headers[name], redirect: 'manual' });
  await ok.arrayBuffer();
  const anonymous = bad[name] === undefined ? null : (await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' } })).status;
  const refused = bad[name] === undefined ? null : (await fetch(url, { redirect: 'manual', headers: { ...bad[name], accept: 'application/json' } })).status;
  const result = { ok: ok.status, anonymous, bad: refused, setCookie: ok.headers.has('set-cookie') };
  preflight[name] = result;
  const pass = result.ok === 200 && (anonymous === null || [401, 302].includes(anonymous)) && (refused === null || [401, 302].includes(refused));
  console.log(`  ${name.padEnd(28)} ok=${result.ok} anonymous=${anonymous ?? '-'} bad=${refused ?? '-'} set-cookie=${result.setCookie} ${pass ? 'OK' : 'FAIL'}`);
  if (!pass) throw new Error(`pre-flight failed for ${name}`);
}

// Warm-up, then interleaved rounds.
const loadFor = (name: string, duration: number): Promise<LoadResult> =>
  load(`${appUrl(name)}/protected`, appSpec(name)!.credentials === 'jwt-unique' ? {} : headers[name]!, duration, appSpec(name)!.credentials === 'jwt-unique' ? uniqueTokens : undefined);
if (WARMUP > 0) {
  console.log(`\nwarm-up ${WARMUP}s each`);
  for (const name of names) await loadFor(name, WARMUP);
}
interface Round extends LoadResult { round: number; cpuUsPerRequest: number; providerCalls: number; rssMb: number }
const rounds: Record<string, Round[]> = Object.fromEntries(names.map((n) => [n, []]));
/**
 * Bare Express also gets each app's request as it is (the same cookie or Authorization header),
 * once per distinct request shape and round: a 3 KB session cookie or a 700-byte JWT costs HTTP
 * parsing and copying before any middleware runs, so "× bare, same request" isolates what the
 * middleware itself costs. The bare route ignores the headers.
 */
const shapeOf = (name: string): string => JSON.stringify(Object.keys(headers[name] ?? {}).sort().map((k) => [k, headers[name]![k]!.length]));
const shapes = new Map<string, string>(); // shape → an app whose headers bare gets
for (const name of names) if (name !== 'bare-express' && !shapes.has(shapeOf(name)) && shapeOf(name) !== '[]') shapes.set(shapeOf(name), name);
const bareSame: Record<string, number[]> = Object.fromEntries([...shapes.keys()].map((shape) => [shape, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const [shape, app] of shapes) {
    await sleep(500);
    const result = await load(`${appUrl('bare-express')}/protected`, headers[app]!, DURATION);
    bareSame[shape]!.push(result.rps);
    console.log(`round ${round} bare-express with ${app}'s headers ${fixed(result.rps).padStart(6)} req/s`);
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
interface Churn { variants: Variants; distinct: number; rps: number; failed: number; rss: number[] }
const churn: Record<string, Churn> = {};
if (CHURN_SECONDS > 0) {
  const variantsFile = (label: string, values: string[], header: string): Variants => {
    const file = join(tmpdir(), `oidc-kit-bench-${label}-${process.pid}.txt`);
    writeFileSync(file, values.join('\n'));
    temporaryFiles.push(file);
    return { header, file };
  };
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
const loginApps = names.filter((n) => ['oidc-kit-session', 'eoc-session'].includes(appSpec(n)!.credentials) && appSpec(n)!.redis !== true);
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
const bare = median(rounds['bare-express']!.map((r) => r.rps));
const bareP99 = median(rounds['bare-express']!.map((r) => r.p99));
const bareRss = rounds['bare-express']!.at(-1)!.rssMb;
const summary = names.map((name) => {
  const rs_ = rounds[name]!;
  const rps = median(rs_.map((r) => r.rps));
  const sameShape = bareSame[shapeOf(name)];
  const bareSameRps = sameShape === undefined || sameShape.length === 0 ? bare : median(sameShape);
  return {
    name,
    ratio_to_bare_same_request: Number((rps / bareSameRps).toFixed(2)),
    rps: Math.round(rps),
    rps_min: Math.round(Math.min(...rs_.map((r) => r.rps))),
    rps_max: Math.round(Math.max(...rs_.map((r) => r.rps))),
    p99_ms: median(rs_.map((r) => r.p99)),
    rss_mb: Number(rs_.at(-1)!.rssMb.toFixed(1)),
    ratio_to_bare: Number((rps / bare).toFixed(2)),
    provider_calls: rs_.reduce((a, r) => a + r.providerCalls, 0),
    cpu_us_per_request: Math.round(median(rs_.map((r) => r.cpuUsPerRequest))),
    failed: rs_.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0),
    anchor: appSpec(name)!.anchor === true,
    reference: appSpec(name)!.reference !== undefined,
  };
});
const versions = Object.fromEntries(['express', 'express-openid-connect', 'express-oauth2-jwt-bearer', 'jose', 'openid-client', 'oidc-provider', 'autocannon', 'redis']
  .map((p) => [p, (JSON.parse(readFileSync(join(DIR, '..', 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version]));
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} CPUs, Node ${process.version}${PIN ? ', servers pinned to CPU 0 and the load generator to CPU 1' : ', not pinned'}`;
const table = [
  '| app | req/s (median) | range | × bare | × bare, same request | p99 ms | CPU µs/req | RSS MB | provider calls | failed |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...summary.map((s) => `| ${s.name}${s.anchor ? ' (anchor)' : s.reference ? ' (reference)' : ''} | ${s.rps} | ${s.rps_min}–${s.rps_max} | ${s.ratio_to_bare.toFixed(2)} | ${s.ratio_to_bare_same_request.toFixed(2)} | ${s.p99_ms} | ${s.cpu_us_per_request} | ${s.rss_mb} | ${s.provider_calls} | ${s.failed} |`),
].join('\n');
const targets = [
  ['oidc-kit-session ≥ 0.90× bare', summary.find((s) => s.name === 'oidc-kit-session'), (s: typeof summary[number]) => s.ratio_to_bare >= 0.9],
  ['oidc-kit-bearer-jwt ≥ 0.90× bare', summary.find((s) => s.name === 'oidc-kit-bearer-jwt'), (s: typeof summary[number]) => s.ratio_to_bare >= 0.9],
  ['oidc-kit-introspection ≥ 0.90× bare', summary.find((s) => s.name === 'oidc-kit-introspection'), (s: typeof summary[number]) => s.ratio_to_bare >= 0.9],
  ['oidc-kit-bearer-jwt-unique ≥ jose-direct', summary.find((s) => s.name === 'oidc-kit-bearer-jwt-unique'), (s: typeof summary[number]) => s.rps >= (summary.find((x) => x.name === 'jose-direct')?.rps ?? Infinity)],
] as const;
const targetLines = targets.filter(([, s]) => s !== undefined).map(([label, s, check]) => `- ${label}: ${check(s!) ? 'met' : 'missed'} (${s!.name}: ${s!.rps} req/s, ${s!.ratio_to_bare}× bare, ${s!.ratio_to_bare_same_request}× bare with the same request)`);
for (const s of summary.filter((x) => x.name.startsWith('oidc-kit'))) {
  targetLines.push(`- ${s.name}: p99 ${s.p99_ms} ms vs bare ${bareP99} ms (${s.p99_ms <= bareP99 * 1.2 ? 'within' : 'over'} 1.2×), RSS ${s.rss_mb} MB vs bare ${fixed(bareRss, 1)} MB (${s.rss_mb - bareRss <= 30 ? 'within' : 'over'} +30 MB), provider calls ${s.provider_calls}`);
}
// Each oidc-kit app against its hand-written floor (a reference app), both taken against bare Express
// with their own request, so that a 3 KB cookie and a 700-byte token compare fairly.
for (const floor of summary.filter((x) => x.reference)) {
  for (const s of summary.filter((x) => appSpec(floor.name)!.reference!.floorOf.includes(x.name))) {
    targetLines.push(`- ${s.name} against the hand-written floor ${floor.name}: ${fixed(s.ratio_to_bare_same_request / floor.ratio_to_bare_same_request, 2)}× (${s.ratio_to_bare_same_request} and ${floor.ratio_to_bare_same_request}× bare with the same request), CPU ${s.cpu_us_per_request} and ${floor.cpu_us_per_request} µs/req`);
  }
}
for (const [name, s] of Object.entries(preflight)) if (name.startsWith('oidc-kit-session') && s.setCookie) targetLines.push(`- ${name}: a request that changes nothing carried Set-Cookie (missed)`);
// RSS after each round (the unique-token app sees 30 000 distinct tokens a round), and during the churn runs.
const rssLines = summary.filter((s) => !s.anchor).map((s) => `| ${s.name} | ${rounds[s.name]!.map((r) => fixed(r.rssMb, 1)).join(' → ')} |`);
/** RSS growth over the second half of a churn run: near zero when the caches are bounded. */
const secondHalfGrowth = (rss: number[]): number => rss.at(-1)! - rss[Math.floor((rss.length - 1) / 2)]!;
const churnLines = Object.entries(churn).map(([name, c]) =>
  `| ${name} | ${c.variants.header === 'cookie' ? 'sessions' : 'tokens'}, ${c.distinct} distinct | ${fixed(c.rps)} | ${c.failed} | ${c.rss.map((r) => fixed(r)).join(' → ')} | ${secondHalfGrowth(c.rss) >= 0 ? '+' : ''}${fixed(secondHalfGrowth(c.rss), 1)} |`);
/**
 * A/B: each app against its baseline variant, round by round. The two ran back to back in every
 * round, so the per-round ratio cancels most of the machine's drift; its median is the verdict.
 */
const abLines = baseline === undefined ? [] : names.filter((n) => names.includes(`${n}${BASELINE_SUFFIX}`)).map((name) => {
  const now = rounds[name]!;
  const before = rounds[`${name}${BASELINE_SUFFIX}`]!;
  const rpsRatios = now.map((r, i) => r.rps / before[i]!.rps);
  const cpuRatios = now.map((r, i) => r.cpuUsPerRequest / before[i]!.cpuUsPerRequest);
  return `| ${name} | ${fixed(median(rpsRatios), 3)} | ${rpsRatios.map((x) => fixed(x, 2)).join(', ')} | ${fixed(median(cpuRatios), 3)} | ${fixed(median(before.map((r) => r.cpuUsPerRequest)))} → ${fixed(median(now.map((r) => r.cpuUsPerRequest)))} |`;
});
const loginLines = Object.entries(loginCost).map(([name, c]) =>
  `| ${name} | ${fixed(median(c.perSecond), 1)} | ${fixed(Math.min(...c.perSecond), 1)}–${fixed(Math.max(...c.perSecond), 1)} | ${fixed(c.appCpuMs, 2)} |`);
const markdown = `# Benchmark run ${new Date().toISOString()}${QUICK ? ' (quick: one short round, not a measurement)' : ''}

Machine: ${machine}. Rounds: ${ROUNDS} × ${DURATION} s, ${CONNECTIONS} connections, ${WARMUP} s warm-up per app, interleaved.${APP_NODE_FLAGS.length > 0 ? ` Apps ran with \`${APP_NODE_FLAGS.join(' ')}\`.` : ''}
Versions: ${Object.entries(versions).map(([p, v]) => `${p} ${v}`).join(', ')}.

${table}

Targets (on the medians; timing is never asserted):
${targetLines.join('\n')}

RSS after each round, MB:

| app | RSS per round |
| --- | --- |
${rssLines.join('\n')}
${churnLines.length === 0 ? '' : `
Memory under churn: ${CHURN_SECONDS} s per app, every request with a session or token the app has not opened recently (cycling through many more than its caches hold: 1 000 opened sessions, 10 000 verified tokens), RSS sampled every ${CHURN_SAMPLE_SECONDS} s. Bounded caches show as RSS that levels off: the last column is the growth over the second half of the run. Bare Express gets the same session cookies (and ignores them).

| app | requests carry | req/s | failed | RSS, MB | 2nd-half growth, MB |
| --- | --- | ---: | ---: | --- | ---: |
${churnLines.join('\n')}
`}
Cost of a login (sequential, end to end through the provider's form; ${LOGIN_ROUNDS} interleaved round${LOGIN_ROUNDS === 1 ? '' : 's'} of ${LOGINS} logins per app; app CPU per login, /login + /callback, over all rounds):

| app | logins/s (median) | range | app CPU ms/login |
| --- | ---: | ---: | ---: |
${loginLines.join('\n')}
${abLines.length === 0 ? '' : `
A/B against the baseline (\`BASELINE=${BASELINE!}\`, commit ${baseline!.commit.slice(0, 12)}): this checkout's library ÷ the baseline's, same app, round by round (the two run back to back in each round). Above 1 for req/s, below 1 for CPU, is better.

| app | req/s ratio (median) | per round | CPU/req ratio (median) | CPU µs/req, baseline → now |
| --- | ---: | --- | ---: | --- |
${abLines.join('\n')}
`}${notes.length === 0 ? '' : `\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}\n`}`;
console.log(`\n${markdown}`);
mkdirSync(RESULTS, { recursive: true });
// A quick run proves the harness, an A/B run compares two versions: neither replaces the recorded
// results of a full run.
const base = QUICK ? 'quick' : baseline !== undefined ? 'baseline' : 'latest';
writeFileSync(join(RESULTS, `${base}.json`), `${JSON.stringify(summary.map(({ name, rps, p99_ms, rss_mb, ratio_to_bare, provider_calls }) => ({ name, rps, p99_ms, rss_mb, ratio_to_bare, provider_calls })), null, 2)}\n`);
writeFileSync(join(RESULTS, `${base}.md`), markdown);
console.log(`wrote bench/results/${base}.json and bench/results/${base}.md`);
stopAll();
await Promise.all([...children].map((child) => new Promise((resolve) => child.once('exit', resolve))));
await redis?.close();
void op;
process.exit(0);
