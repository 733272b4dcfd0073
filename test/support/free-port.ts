/**
 * A loopback port for a server the test starts later, when the port must be known first (a provider
 * registers the app's redirect URIs before the app listens, or a child process is told its port).
 *
 * Why not `listen(0)` and close: the kernel hands that port out again at once, as the local port of
 * any outgoing connection (the suite makes thousands), and a runtime that binds it a second later
 * finds it taken (CI saw Deno fail with AddrInUse). So the port comes from below the kernel's
 * ephemeral range, where outgoing connections never land, picked at random (test files run in
 * parallel processes), checked by binding it, and never handed out twice by one process.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const given = new Set<number>();

/**
 * A loopback port that is free now and outside the range the kernel gives outgoing connections.
 *
 * @example
 * ```ts
 * const port = await freePort();
 * const baseUrl = `http://127.0.0.1:${port}`;
 * ```
 */
export async function freePort(): Promise<number> {
  const [low, high] = candidateRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (given.has(port) || !(await bindable(port))) continue;
    given.add(port);
    return port;
  }
  throw new Error(`no free loopback port found in ${low}-${high}`);
}

/** Ports from 10 000 up to the start of the ephemeral range (Linux: 32768 unless configured). */
function candidateRange(): [number, number] {
  let ephemeralStart = 32_768;
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (start !== undefined && Number.isInteger(start)) ephemeralStart = start;
  } catch {
    // Not Linux: 32768 is also where the BSDs and macOS (49152) leave room below.
  }
  // A range that leaves fewer than 2 000 ports below it (an odd configuration) falls back to the
  // whole registered range; the bind check still guards against a port in use.
  return ephemeralStart - 10_000 >= 2_000 ? [10_000, ephemeralStart] : [1_024, 65_535];
}

async function bindable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
