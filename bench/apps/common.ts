/** What every benchmark app shares: its name (argv), its port, and a listen that reports readiness. */
import type { Server } from 'node:http';
import { appSpec, HOST } from '../config.ts';

export const NAME = process.argv[2] ?? '';
const spec = appSpec(NAME);
if (spec === undefined) throw new Error(`unknown app "${NAME}"`);
/** This app's spec (a baseline variant's included). */
export const SPEC = spec;
export const PORT = spec.port;
export const BASE_URL = `http://${HOST}:${PORT}`;

/** Listens on the app's port and prints the line the runner waits for. */
export function listen(server: Server): void {
  server.keepAliveTimeout = 65_000;
  server.listen(PORT, HOST, () => console.log(`[${NAME}] listening ${BASE_URL} pid=${process.pid}`));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      server.close();
      process.exit(0);
    });
  }
}
