/**
 * The demo app (`npm run demo`, examples/demo) run as a user runs it: a child process configured
 * by its environment, driven over HTTP by the test browser.
 */
import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { devClient, startDevProvider } from '../../examples/dev-provider/dev-provider.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const START_TIMEOUT_MS = 15_000;
/** Variables of the demo's environment contract: never inherited from the test's environment. */
const DEMO_VARIABLES = [
  'PORT', 'BASE_URL', 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_API_AUDIENCE',
  'SESSION_SECRET', 'DEV_PROVIDER_PORT', 'NODE_TEST_CONTEXT',
];

type DemoProcess = ChildProcessByStdio<null, Readable, Readable>;

/** A spawned demo; `exited` resolves with the exit code once the process and its output are closed. */
interface Spawned {
  child: DemoProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

interface Demo {
  child: DemoProcess;
  /** The URL from the `Demo app listening on …` line. */
  baseUrl: string;
  stdout: () => string;
  stderr: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** Spawns the demo with `env` over a clean environment (none of the demo's variables inherited). */
function spawnDemo(t: TestContext, env: Record<string, string>): Spawned {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of DEMO_VARIABLES) delete childEnv[name];
  const child = spawn(process.execPath, ['--conditions=oidc-kit-source', 'examples/demo/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function startDemo(t: TestContext, env: Record<string, string>): Promise<Demo> {
  const spawned = spawnDemo(t, env);
  const { child } = spawned;
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const fail = (why: string): void => {
      cleanup();
      reject(new Error(`demo ${why}\n--- stdout ---\n${spawned.stdout()}\n--- stderr ---\n${spawned.stderr()}`));
    };
    const onData = (): void => {
      const match = /^Demo app listening on (\S+)$/m.exec(spawned.stdout());
      if (match) {
        cleanup();
        resolve(match[1]!);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => fail(`exited (code ${code}, signal ${signal}) before listening`);
    const timer = setTimeout(() => fail(`did not print "Demo app listening on …" within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('close', onExit);
    };
    child.stdout.on('data', onData);
    child.once('close', onExit);
  });
  return {
    child,
    baseUrl,
    stdout: spawned.stdout,
    stderr: spawned.stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return spawned.exited;
    },
  };
}

/** A port that was free a moment ago (the demo must know its URL before the provider starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

const JSON_ACCEPT = { headers: { accept: 'application/json' } };

async function profileJson(browser: TestBrowser, baseUrl: string): Promise<{ status: number; body: unknown }> {
  const res = await browser.request(`${baseUrl}/profile`, JSON_ACCEPT);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return { status: res.status, body: JSON.parse(res.body) as unknown };
}

void test('demo with the embedded provider: home, 401, login, profile, logout', async (t) => {
  const demo = await startDemo(t, { PORT: '0' });
  assert.match(demo.baseUrl, /^http:\/\/localhost:\d+$/);
  assert.match(demo.stdout(), /^Embedded dev provider .*issuer http:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(demo.stdout(), /log in with any username and password/);
  assert.match(demo.stdout(), /sessions won't survive a restart/);
  const browser = new TestBrowser();

  const home = await browser.navigate(`${demo.baseUrl}/`);
  assert.equal(home.response.status, 200);
  assert.match(home.response.body, /Nobody is logged in\./);
  assert.match(home.response.body, /href="\/login\?returnTo=\/profile"/);

  const anonymous = await profileJson(browser, demo.baseUrl);
  assert.equal(anonymous.status, 401);
  assert.equal((anonymous.body as { error?: unknown }).error, 'unauthenticated');

  const login = await loginThroughProvider(browser, `${demo.baseUrl}/login?returnTo=/profile`, 'alice');
  assert.equal(login.url.href, `${demo.baseUrl}/profile`);
  assert.equal(login.response.status, 200);
  assert.match(login.response.body, /Profile of alice/);
  assert.match(login.response.body, /<th>email<\/th><td>alice@example\.com<\/td>/);
  assert.match(login.response.body, /href="\/logout"/);
  assert.ok(login.visited.some((url) => url.hostname === '127.0.0.1'), 'the login went through the embedded provider');

  const profile = await profileJson(browser, demo.baseUrl);
  assert.equal(profile.status, 200);
  const { sub, claims } = profile.body as { sub: string; claims: Record<string, unknown> };
  assert.equal(sub, 'alice');
  assert.equal(claims['sub'], 'alice');
  assert.equal(claims['email'], 'alice@example.com');

  const homeLoggedIn = await browser.navigate(`${demo.baseUrl}/`);
  assert.match(homeLoggedIn.response.body, /Logged in as <strong>alice<\/strong>/);
  assert.doesNotMatch(homeLoggedIn.response.body, /Nobody is logged in/);

  const logout = await browser.navigate(`${demo.baseUrl}/logout`);
  assert.equal(logout.url.href, `${demo.baseUrl}/`);
  assert.equal(logout.response.status, 200);
  assert.match(logout.response.body, /Nobody is logged in\./);
  assert.equal((await profileJson(browser, demo.baseUrl)).status, 401);

  assert.equal(await demo.stop(), 0, 'SIGTERM closes the servers and exits 0');
});

void test('demo pointed at another provider by OIDC_ISSUER', async (t) => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const clientSecret = 'external-client-secret-0123456789-abcdefgh';
  const op = await startDevProvider({
    clients: [devClient(`${baseUrl}/callback`, { client_id: 'external-client', client_secret: clientSecret })],
  });
  t.after(() => op.close());
  const demo = await startDemo(t, {
    PORT: String(port),
    BASE_URL: baseUrl,
    OIDC_ISSUER: op.issuer,
    OIDC_CLIENT_ID: 'external-client',
    OIDC_CLIENT_SECRET: clientSecret,
    SESSION_SECRET: 'demo-test-session-secret-0123456789-abcdef',
  });
  assert.equal(demo.baseUrl, baseUrl);
  assert.doesNotMatch(demo.stdout(), /embedded/i);
  assert.doesNotMatch(demo.stdout(), /any username/i);
  assert.match(demo.stdout(), new RegExp(`OpenID provider: ${op.issuer.replaceAll('.', '\\.')}$`, 'm'));

  // A username with markup: the pages must show it escaped.
  const username = 'eve<b>&co';
  const browser = new TestBrowser();
  const login = await loginThroughProvider(browser, `${baseUrl}/login?returnTo=/profile`, username);
  assert.equal(login.url.href, `${baseUrl}/profile`);
  assert.equal(login.response.status, 200);
  assert.ok(login.visited.some((url) => url.origin === op.issuer), 'the login went through the external provider');
  assert.match(login.response.body, /Profile of eve&lt;b&gt;&amp;co/);
  assert.ok(!login.response.body.includes(username), 'the raw username never reaches the page');

  const profile = await profileJson(browser, baseUrl);
  assert.equal(profile.status, 200);
  assert.equal((profile.body as { sub: string }).sub, username);
});

void test('demo refuses OIDC_ISSUER without a client id and secret, in one line', async (t) => {
  const spawned = spawnDemo(t, { PORT: '0', OIDC_ISSUER: 'https://accounts.example.com' });
  assert.equal(await spawned.exited, 1);
  const message = spawned.stderr().trim();
  assert.doesNotMatch(message, /\n/);
  assert.match(message, /OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set/);
  assert.equal(spawned.stdout(), '');
});
