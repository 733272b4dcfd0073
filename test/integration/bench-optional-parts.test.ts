/**
 * Issue 26, item 6: `npm run bench` on a machine without redis-server skips the apps that need it
 * with one line saying how to install it, and benchmarks the rest; it used to crash on an
 * unhandled `spawn` error. Run for real (`--quick`, one app and its bare floor) with a PATH that
 * has everything of this machine's but redis-server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

/** A folder of links to every program on PATH but redis-server and its tools. */
function pathWithoutRedis(): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-kit-no-redis-'));
  for (const folder of (process.env['PATH'] ?? '').split(delimiter)) {
    let entries: string[];
    try {
      entries = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of entries) {
      if (name.startsWith('redis-')) continue;
      try {
        symlinkSync(join(folder, name), join(dir, name));
      } catch {
        // The first folder on PATH wins, as it does for the shell.
      }
    }
  }
  return { path: dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('npm run bench without redis-server: the Redis apps are skipped in one line that says how to install it, the rest runs', async () => {
  const bin = pathWithoutRedis();
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bench/run.ts', '--quick'], {
      env: { ...process.env, PATH: bin.path, APPS: 'oidc-kit-session-redis,minimal-cached-check-redis' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const output = `${stdout}\n${stderr}`;
    assert.doesNotMatch(output, /Unhandled|ENOENT/);
    const notes = stdout.split('\n').filter((line) => /skipped .*redis-server not found/.test(line));
    assert.deepEqual(
      [...new Set(notes.map((line) => line.replace(/^(# |- )/, '')))],
      ['skipped oidc-kit-session-redis, minimal-cached-check-redis: redis-server not found on PATH; install it (Debian/Ubuntu: apt-get install -y redis-server)'],
    );
    assert.match(stdout, /\| bare-express \| \d+/, 'the bare floor still ran');
  } finally {
    bin.cleanup();
  }
});
