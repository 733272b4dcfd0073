/**
 * The bench's report: the medians of a run's rounds per app, one table per framework (its bare app,
 * its hand-written floor, oidc-kit's apps, the anchors), each app against its own framework's bare
 * app ("× bare") and against its floor ("× floor"), the targets, memory, logins and the A/B pairs.
 *
 * @example
 * ```ts
 * const summary = summarize(record);
 * writeFileSync('bench/results/latest.md', renderMarkdown(record, summary));
 * writeFileSync('bench/results/latest.json', JSON.stringify(jsonSummary(summary), null, 2));
 * ```
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import type { Baseline } from './baseline.ts';
import { appSpec, BASELINE_SUFFIX, bareOf, FRAMEWORKS, type Framework } from './config.ts';
import type { LoadResult, Variants } from './processes.ts';

/**
 * One app's measurement in one round.
 *
 * @example
 * ```ts
 * rounds['bare-hono']!.push({ ...result, round: 1, cpuUsPerRequest: 26, providerCalls: 0, rssMb: 101 });
 * ```
 */
export interface Round extends LoadResult { round: number; cpuUsPerRequest: number; providerCalls: number; rssMb: number }
/**
 * One app's memory-under-churn run.
 *
 * @example
 * ```ts
 * churn['oidc-kit-session'] = { variants, distinct: 30_000, rps: 20_025, failed: 0, rss: [132, 264, 265] };
 * ```
 */
export interface Churn { variants: Variants; distinct: number; rps: number; failed: number; rss: number[] }
/**
 * One app's pre-flight answers: with its credentials, without, with forged ones (for a DPoP app:
 * the token without a proof), and for a DPoP app the first request's proof sent again.
 *
 * @example
 * ```ts
 * preflight['hono-oidc-auth'] = { ok: 200, anonymous: 302, bad: 302, setCookie: false };
 * preflight['oidc-kit-dpop-jwt'] = { ok: 200, anonymous: 401, bad: 401, setCookie: false, replayed: 401 };
 * ```
 */
export interface Preflight { ok: number; anonymous: number | null; bad: number | null; setCookie: boolean; replayed?: number }

/**
 * Everything a run measured, and how it ran (run.ts fills it in).
 *
 * @example
 * ```ts
 * const record: RunRecord = { names, rounds, bareSameRequest, preflight, churn, loginCost, notes, baseline, settings };
 * ```
 */
export interface RunRecord {
  readonly names: readonly string[];
  readonly rounds: Readonly<Record<string, readonly Round[]>>;
  /** Per app: its framework's bare app's req/s with this app's request, per round (absent for requests without credentials). */
  readonly bareSameRequest: Readonly<Record<string, readonly number[]>>;
  readonly preflight: Readonly<Record<string, Preflight>>;
  readonly churn: Readonly<Record<string, Churn>>;
  readonly loginCost: Readonly<Record<string, { perSecond: number[]; appCpuMs: number }>>;
  readonly notes: readonly string[];
  readonly baseline: Baseline | undefined;
  readonly settings: {
    quick: boolean; rounds: number; duration: number; connections: number; warmup: number; pin: boolean;
    appNodeFlags: readonly string[]; churnSeconds: number; churnSampleSeconds: number; loginRounds: number; logins: number;
  };
}

/**
 * The median of `values` (the mean of the middle two for an even count).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * A number with `digits` decimals, or "n/a".
 *
 * @example
 * ```ts
 * fixed(0.8949, 2); // '0.89'
 * ```
 */
export const fixed = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

const TITLES: Readonly<Record<Framework, string>> = {
  express: 'Express 5',
  fastify: 'Fastify 5',
  hono: 'Hono, on @hono/node-server',
  fetch: 'fetch handlers, on @hono/node-server',
};

/**
 * The figures of one app, over all rounds.
 *
 * @example
 * ```ts
 * const { rps, ratio_to_bare, ratio_to_floor }: AppSummary = summarize(record)[1]!;
 * ```
 */
export interface AppSummary {
  name: string;
  framework: Framework;
  rps: number;
  rps_min: number;
  rps_max: number;
  p99_ms: number;
  rss_mb: number;
  cpu_us_per_request: number;
  /** Against its own framework's bare app. */
  ratio_to_bare: number;
  /** Against its own framework's bare app with this app's request. */
  ratio_to_bare_same_request: number;
  /** Its "× bare, same request" over its floor's, when its floor ran. */
  ratio_to_floor: number | undefined;
  floor: string | undefined;
  provider_calls: number;
  failed: number;
  anchor: boolean;
  reference: boolean;
}

/**
 * The medians of each app's rounds and its ratios: to its framework's bare app, with and without
 * its own request, and to its floor (the reference app whose `floorOf` names it).
 *
 * @example
 * ```ts
 * summarize(record).find((s) => s.name === 'oidc-kit-session-hono')?.ratio_to_floor; // 0.97
 * ```
 */
export function summarize(record: RunRecord): AppSummary[] {
  const medianRps = (name: string): number => median(record.rounds[name]!.map((r) => r.rps));
  const rows = record.names.map((name) => {
    const rounds = record.rounds[name]!;
    const rps = medianRps(name);
    const bare = medianRps(bareOf(name));
    const same = record.bareSameRequest[name];
    return {
      name,
      framework: appSpec(name)!.framework,
      rps: Math.round(rps),
      rps_min: Math.round(Math.min(...rounds.map((r) => r.rps))),
      rps_max: Math.round(Math.max(...rounds.map((r) => r.rps))),
      p99_ms: median(rounds.map((r) => r.p99)),
      rss_mb: Number(rounds.at(-1)!.rssMb.toFixed(1)),
      cpu_us_per_request: Math.round(median(rounds.map((r) => r.cpuUsPerRequest))),
      ratio_to_bare: Number((rps / bare).toFixed(2)),
      ratio_to_bare_same_request: Number((rps / (same === undefined || same.length === 0 ? bare : median(same))).toFixed(2)),
      ratio_to_floor: undefined as number | undefined,
      floor: undefined as string | undefined,
      provider_calls: rounds.reduce((a, r) => a + r.providerCalls, 0),
      failed: rounds.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0),
      anchor: appSpec(name)!.anchor === true,
      reference: appSpec(name)!.reference !== undefined,
    };
  });
  // Both taken against the bare app with their own request, so that a 3 KB cookie and a 700-byte
  // token compare fairly; a baseline variant has its app's floor.
  for (const row of rows) {
    const own = row.name.endsWith(BASELINE_SUFFIX) ? row.name.slice(0, -BASELINE_SUFFIX.length) : row.name;
    const floor = rows.find((r) => appSpec(r.name)!.reference?.floorOf.includes(own) === true);
    if (floor === undefined) continue;
    row.floor = floor.name;
    row.ratio_to_floor = Number((row.ratio_to_bare_same_request / floor.ratio_to_bare_same_request).toFixed(2));
  }
  return rows;
}

/**
 * What latest.json (quick.json, baseline.json) keeps of each app.
 *
 * @example
 * ```ts
 * jsonSummary(summary)[0]; // { name: 'bare-express', framework: 'express', rps: 48633, …, ratio_to_bare: 1, provider_calls: 0 }
 * ```
 */
export function jsonSummary(summary: readonly AppSummary[]): object[] {
  return summary.map(({ name, framework, rps, p99_ms, rss_mb, ratio_to_bare, ratio_to_floor, provider_calls }) =>
    ({ name, framework, rps, p99_ms, rss_mb, ratio_to_bare, ratio_to_floor, provider_calls }));
}

/** Bare app first, then the floors, the apps under test (each followed by its baseline), the anchors. */
const rank = (s: AppSummary): number => (s.name === bareOf(s.name) ? 0 : s.reference ? 1 : s.anchor ? 3 : 2);

function frameworkTables(summary: readonly AppSummary[]): string {
  const bare = (framework: Framework): AppSummary | undefined => summary.find((s) => s.name === `bare-${framework}`);
  const frameworks = FRAMEWORKS.filter((f) => bare(f) !== undefined);
  const express = bare('express');
  const bares = [
    '| framework | bare app | req/s (median) | range | × bare Express | p99 ms | CPU µs/req | RSS MB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...frameworks.map((f) => bare(f)!).map((b) => `| ${TITLES[b.framework]} | ${b.name} | ${b.rps} | ${b.rps_min}–${b.rps_max} | ${express === undefined ? '' : fixed(b.rps / express.rps, 2)} | ${b.p99_ms} | ${b.cpu_us_per_request} | ${b.rss_mb} |`),
  ].join('\n');
  const tables = frameworks.map((framework) => {
    const rows = summary.filter((s) => s.framework === framework).map((s, i) => ({ s, i }))
      .sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map(({ s }) => s);
    return [
      `### ${TITLES[framework]}`,
      '',
      '| app | req/s (median) | range | × bare | × bare, same request | × floor | p99 ms | CPU µs/req | RSS MB | provider calls | failed |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((s) => `| ${s.name}${s.anchor ? ' (anchor)' : s.reference ? (appSpec(s.name)!.reference!.floorOf.length > 0 ? ' (floor)' : ' (reference)') : ''} | ${s.rps} | ${s.rps_min}–${s.rps_max} | ${s.ratio_to_bare.toFixed(2)} | ${s.ratio_to_bare_same_request.toFixed(2)} | ${s.ratio_to_floor === undefined ? '' : s.ratio_to_floor.toFixed(2)} | ${s.p99_ms} | ${s.cpu_us_per_request} | ${s.rss_mb} | ${s.provider_calls} | ${s.failed} |`),
    ].join('\n');
  });
  return `${bares}\n\n${tables.join('\n\n')}`;
}

function targets(record: RunRecord, summary: readonly AppSummary[]): string[] {
  type Row = AppSummary;
  const find = (name: string): Row | undefined => summary.find((s) => s.name === name);
  const checks: Array<[string, Row | undefined, (s: Row) => boolean]> = [
    ['oidc-kit-session ≥ 0.90× bare', find('oidc-kit-session'), (s) => s.ratio_to_bare >= 0.9],
    ['oidc-kit-bearer-jwt ≥ 0.90× bare', find('oidc-kit-bearer-jwt'), (s) => s.ratio_to_bare >= 0.9],
    ['oidc-kit-introspection ≥ 0.90× bare', find('oidc-kit-introspection'), (s) => s.ratio_to_bare >= 0.9],
    ['oidc-kit-bearer-jwt-unique ≥ jose-direct', find('oidc-kit-bearer-jwt-unique'), (s) => s.rps >= (find('jose-direct')?.rps ?? Infinity)],
  ];
  const lines = checks.filter(([, s]) => s !== undefined).map(([label, s, check]) =>
    `- ${label}: ${check(s!) ? 'met' : 'missed'} (${s!.name}: ${s!.rps} req/s, ${s!.ratio_to_bare}× bare, ${s!.ratio_to_bare_same_request}× bare with the same request)`);
  const oidcKit = summary.filter((s) => s.name.startsWith('oidc-kit') && !s.name.endsWith(BASELINE_SUFFIX));
  // Issue 23: each oidc-kit app at least 0.90× of its own framework's hand-written floor.
  for (const s of oidcKit.filter((x) => x.ratio_to_floor !== undefined)) {
    const floor = find(s.floor!)!;
    lines.push(`- ${s.name} ≥ 0.90× its floor ${floor.name}: ${s.ratio_to_floor! >= 0.9 ? 'met' : 'missed'} (${fixed(s.ratio_to_floor!, 2)}×; ${s.ratio_to_bare_same_request} and ${floor.ratio_to_bare_same_request}× ${bareOf(s.name)} with the same request), CPU ${s.cpu_us_per_request} and ${floor.cpu_us_per_request} µs/req`);
  }
  for (const s of oidcKit) {
    const bare = find(bareOf(s.name))!;
    const bareRss = record.rounds[bare.name]!.at(-1)!.rssMb;
    lines.push(`- ${s.name}: p99 ${s.p99_ms} ms vs ${bare.name} ${bare.p99_ms} ms (${s.p99_ms <= bare.p99_ms * 1.2 ? 'within' : 'over'} 1.2×), RSS ${s.rss_mb} MB vs ${fixed(bareRss, 1)} MB (${s.rss_mb - bareRss <= 30 ? 'within' : 'over'} +30 MB), provider calls ${s.provider_calls}`);
  }
  for (const [name, p] of Object.entries(record.preflight)) if (name.startsWith('oidc-kit-session') && p.setCookie) lines.push(`- ${name}: a request that changes nothing carried Set-Cookie (missed)`);
  return lines;
}

/**
 * The whole report, in markdown (printed, and written to latest.md, quick.md or baseline.md).
 *
 * @example
 * ```ts
 * console.log(renderMarkdown(record, summarize(record)));
 * ```
 */
export function renderMarkdown(record: RunRecord, summary: readonly AppSummary[]): string {
  const { settings: run, rounds, churn, loginCost, baseline, notes } = record;
  const versions = ['express', 'fastify', 'hono', '@hono/node-server', 'express-openid-connect', 'express-oauth2-jwt-bearer', '@hono/oidc-auth', 'jose', 'openid-client', 'oidc-provider', 'autocannon', 'redis']
    .map((p) => `${p} ${(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version}`);
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} CPUs, Node ${process.version}${run.pin ? ', servers pinned to CPU 0 and the load generator to CPU 1' : ', not pinned'}`;
  // RSS after each round (the unique-token app sees 30 000 distinct tokens a round), and during the churn runs.
  const rssLines = summary.filter((s) => !s.anchor).map((s) => `| ${s.name} | ${rounds[s.name]!.map((r) => fixed(r.rssMb, 1)).join(' → ')} |`);
  /** RSS growth over the second half of a churn run: near zero when the caches are bounded. */
  const secondHalfGrowth = (rss: number[]): number => rss.at(-1)! - rss[Math.floor((rss.length - 1) / 2)]!;
  const churnLines = Object.entries(churn).map(([name, c]) =>
    `| ${name} | ${c.variants.header === 'cookie' ? 'sessions' : 'tokens'}, ${c.distinct} distinct | ${fixed(c.rps)} | ${c.failed} | ${c.rss.map((r) => fixed(r)).join(' → ')} | ${secondHalfGrowth(c.rss) >= 0 ? '+' : ''}${fixed(secondHalfGrowth(c.rss), 1)} |`);
  // A/B: each app against its baseline variant, round by round. The two ran back to back in every
  // round, so the per-round ratio cancels most of the machine's drift; its median is the verdict.
  const abLines = baseline === undefined ? [] : record.names.filter((n) => record.names.includes(`${n}${BASELINE_SUFFIX}`)).map((name) => {
    const now = rounds[name]!;
    const before = rounds[`${name}${BASELINE_SUFFIX}`]!;
    const rpsRatios = now.map((r, i) => r.rps / before[i]!.rps);
    const cpuRatios = now.map((r, i) => r.cpuUsPerRequest / before[i]!.cpuUsPerRequest);
    return `| ${name} | ${fixed(median(rpsRatios), 3)} | ${rpsRatios.map((x) => fixed(x, 2)).join(', ')} | ${fixed(median(cpuRatios), 3)} | ${fixed(median(before.map((r) => r.cpuUsPerRequest)))} → ${fixed(median(now.map((r) => r.cpuUsPerRequest)))} |`;
  });
  const loginLines = Object.entries(loginCost).map(([name, c]) =>
    `| ${name} | ${fixed(median(c.perSecond), 1)} | ${fixed(Math.min(...c.perSecond), 1)}–${fixed(Math.max(...c.perSecond), 1)} | ${fixed(c.appCpuMs, 2)} |`);
  return `# Benchmark run ${new Date().toISOString()}${run.quick ? ' (quick: one short round, not a measurement)' : ''}

Machine: ${machine}. Rounds: ${run.rounds} × ${run.duration} s, ${run.connections} connections, ${run.warmup} s warm-up per app, interleaved.${run.appNodeFlags.length > 0 ? ` Apps ran with \`${run.appNodeFlags.join(' ')}\`.` : ''}
Versions: ${versions.join(', ')}.

Each framework's apps are measured against its own bare app: "× bare" with the bare app's request (no credentials), "× bare, same request" with the app's own request sent to the bare app (the same cookie or Authorization header; the bare route ignores it). "× floor" is an app's "× bare, same request" over that of its framework's hand-written minimal cached check (the floor).

${frameworkTables(summary)}

Targets (on the medians; timing is never asserted):
${targets(record, summary).join('\n')}

RSS after each round, MB:

| app | RSS per round |
| --- | --- |
${rssLines.join('\n')}
${churnLines.length === 0 ? '' : `
Memory under churn: ${run.churnSeconds} s per app, every request with a session or token the app has not opened recently (cycling through many more than its caches hold: 1 000 opened sessions, 10 000 verified tokens), RSS sampled every ${run.churnSampleSeconds} s. Bounded caches show as RSS that levels off: the last column is the growth over the second half of the run. Bare Express gets the same session cookies (and ignores them).

| app | requests carry | req/s | failed | RSS, MB | 2nd-half growth, MB |
| --- | --- | ---: | ---: | --- | ---: |
${churnLines.join('\n')}
`}
Cost of a login (sequential, end to end through the provider's form; ${run.loginRounds} interleaved round${run.loginRounds === 1 ? '' : 's'} of ${run.logins} logins per app; app CPU per login, over all rounds):

| app | logins/s (median) | range | app CPU ms/login |
| --- | ---: | ---: | ---: |
${loginLines.join('\n')}
${abLines.length === 0 ? '' : `
A/B against the baseline (\`BASELINE=${baseline!.ref}\`, commit ${baseline!.commit.slice(0, 12)}): this checkout's library ÷ the baseline's, same app, round by round (the two run back to back in each round). Above 1 for req/s, below 1 for CPU, is better.

| app | req/s ratio (median) | per round | CPU/req ratio (median) | CPU µs/req, baseline → now |
| --- | ---: | --- | ---: | --- |
${abLines.join('\n')}
`}${notes.length === 0 ? '' : `\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}\n`}`;
}
