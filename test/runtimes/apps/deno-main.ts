/**
 * The smoke app on Deno: `deno run --allow-net --allow-env --allow-read test/runtimes/apps/deno-main.ts`
 * with the smoke app's environment and PORT; prints `listening` once it serves.
 */
import { smokeApp, smokeEnv } from './smoke-app.ts';

declare const Deno: {
  serve(options: { port: number; hostname: string; onListen: () => void }, handler: (request: Request) => Promise<Response>): unknown;
  env: { get(name: string): string | undefined };
};

Deno.serve({ port: Number(Deno.env.get('PORT')), hostname: '127.0.0.1', onListen: () => console.log('listening') }, smokeApp(smokeEnv((name) => Deno.env.get(name))));
