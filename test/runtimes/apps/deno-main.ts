/**
 * The smoke app on Deno: `deno run --allow-net=127.0.0.1 --allow-env=PORT,BASE_URL,… test/runtimes/apps/deno-main.ts`
 * (the variables are listed in test/support/runtimes.ts; no --allow-read: importing modules needs
 * none) with the smoke app's environment and PORT; prints `listening` once it serves.
 */
import { smokeApp, smokeEnv } from './smoke-app.ts';

declare const Deno: {
  serve(options: { port: number; hostname: string; onListen: () => void }, handler: (request: Request) => Response | Promise<Response>): unknown;
  env: { get(name: string): string | undefined };
};

Deno.serve({ port: Number(Deno.env.get('PORT')), hostname: '127.0.0.1', onListen: () => console.log('listening') }, smokeApp(smokeEnv((name) => Deno.env.get(name))));
