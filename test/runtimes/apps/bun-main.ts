/**
 * The smoke app on Bun: `bun test/runtimes/apps/bun-main.ts` with the smoke app's environment and
 * PORT; prints `listening` once it serves.
 */
import { smokeApp, smokeEnv } from './smoke-app.ts';

declare const Bun: { serve(options: { port: number; hostname: string; fetch: (request: Request) => Response | Promise<Response> }): unknown };
declare const process: { env: Record<string, string | undefined> };

Bun.serve({ port: Number(process.env['PORT']), hostname: '127.0.0.1', fetch: smokeApp(smokeEnv((name) => process.env[name])) });
console.log('listening');
