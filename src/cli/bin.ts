#!/usr/bin/env node
/** The `oidc-kit` executable (package.json `bin`): runs {@link runCli} on the process's arguments and streams. */
import { text } from 'node:stream/consumers';
import { runCli } from './main.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  readStdin: () => text(process.stdin),
  // Listened for only when a command asks: the other commands keep Ctrl+C's default (exit at once).
  untilInterrupted: () => new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }),
});
