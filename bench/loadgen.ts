/**
 * The load generator, in a process of its own (pinned to its own core by the runner): autocannon
 * against one URL, every request with the same headers, or — with a tokens file — a different
 * bearer token on every request, cycling through the file. Prints autocannon's result as JSON.
 *
 *   node bench/loadgen.ts '{"url":…,"connections":50,"duration":10,"headers":{…},"tokensFile":…}'
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  url: string; connections: number; duration: number; headers: Record<string, string>; tokensFile?: string;
};
const tokens = options.tokensFile === undefined ? undefined : readFileSync(options.tokensFile, 'utf8').split('\n').filter(Boolean);
let next = 0;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  headers: options.headers,
  ...(tokens === undefined ? {} : {
    requests: [{
      setupRequest: (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]!}` } }),
    }],
  }),
});
process.stdout.write(JSON.stringify({
  rps: result.requests.average,
  total: result.requests.total,
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
}));
