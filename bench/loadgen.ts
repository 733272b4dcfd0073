/**
 * The load generator, in a process of its own (pinned to its own core by the runner): autocannon
 * against one URL, every request with the same headers, or — with a variants file — one header
 * (a bearer token, a session cookie) different on every request, cycling through the file's lines.
 * Prints autocannon's result as JSON, with how many of the file's values were sent (`variantsSent`;
 * more than the file holds means some were sent twice, which a one-use credential such as a DPoP
 * proof does not survive).
 *
 *   node bench/loadgen.ts '{"url":…,"connections":50,"duration":10,"headers":{…},"variants":{"header":"authorization","file":…}}'
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  url: string; connections: number; duration: number; headers: Record<string, string>; variants?: { header: string; file: string };
};
const variants = options.variants;
const values = variants === undefined ? undefined : readFileSync(variants.file, 'utf8').split('\n').filter(Boolean);
let next = 0;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  headers: options.headers,
  ...(variants === undefined || values === undefined ? {} : {
    requests: [{
      setupRequest: (request) => ({ ...request, headers: { ...request.headers, [variants.header]: values[next++ % values.length]! } }),
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
  ...(values === undefined ? {} : { variantsSent: next, variantsAvailable: values.length }),
}));
