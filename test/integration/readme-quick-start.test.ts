/**
 * Issue 26, item 4: the README's Express quick start runs as pasted. The first TypeScript block
 * under "## Quick start" is written, unchanged, into a fresh ES-module app (`"type": "module"`,
 * with `oidc-kit` and `express` installed as links to this checkout's), started as the README says
 * (`node --env-file=.env app.ts`) against `oidc-kit dev-provider` run as the README says, with the
 * `.env` lines it prints, and used as a person would: the home page, a login, the profile, a logout that lands on the home
 * page again (not on "Cannot GET /").
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { loginThroughProvider, parseForms, TestBrowser } from '../support/browser.ts';
import { CookieJar } from '../support/cookie-jar.ts';
import { type DevProviderCommand, envLines, startDevProviderCommand } from '../support/dev-provider-command.ts';
import { freePort } from '../support/free-port.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** The README's app listens here, as pasted. */
const APP = 'http://localhost:3000';

/** The first ```ts block after the "## Quick start" heading of the README. */
function quickStart(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'the README has a quick start in TypeScript');
  return match[1]!;
}

let op: DevProviderCommand | undefined;
let dir: string;
let app: ChildProcess | undefined;
let output = '';

before(async () => {
  // The README's line, on a free port (4000 may be taken on a test machine).
  op = await startDevProviderCommand(['--base-url', APP, '--client-id', 'my-app', '--port', String(await freePort())]);
  dir = mkdtempSync(join(tmpdir(), 'oidc-kit-quick-start-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'quick-start', private: true, type: 'module' }));
  writeFileSync(join(dir, 'app.ts'), quickStart());
  writeFileSync(join(dir, '.env'), `SESSION_SECRET=${'q'.repeat(40)}\n${envLines(op.stdout)}`);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'oidc-kit')); // as installed: through the exports map, dist/ (npm test builds first)
  symlinkSync(join(ROOT, 'node_modules', 'express'), join(dir, 'node_modules', 'express'));
  app = spawn(process.execPath, ['--env-file=.env', 'app.ts'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  app.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  app.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  for (let attempt = 0; attempt < 100; attempt++) {
    if (app.exitCode !== null) break;
    if (await fetch(`${APP}/`).then(() => true, () => false)) return;
    await sleep(100);
  }
  assert.fail(`the quick start app did not start on ${APP} (is port 3000 taken?): ${output}`);
});
after(async () => {
  app?.kill();
  await op?.interrupt();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('the README\'s Express quick start, as pasted: home page, login, profile, and a logout that lands on the home page', async () => {
  const browser = new TestBrowser(new CookieJar());
  const home = await browser.request(`${APP}/`);
  assert.equal(home.status, 200);
  assert.match(home.body, /href="\/login"/);

  const { response } = await loginThroughProvider(browser, `${APP}/profile`, 'alice');
  assert.equal(response.status, 200, response.body);
  assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
  assert.match((await browser.request(`${APP}/`)).body, /href="\/logout"/);

  // Logout: a confirmation here or at the provider is a button to press; then back home.
  let page = await browser.navigate(`${APP}/logout`);
  for (let step = 0; step < 3 && parseForms(page.response.body, page.url).length > 0; step++) page = await browser.submitForm(page.response, {});
  assert.equal(page.url.href, `${APP}/`, `logout lands on the home page: ${page.url.href}`);
  assert.equal(page.response.status, 200);
  assert.match(page.response.body, /href="\/login"/, 'logged out');
  assert.doesNotMatch(output, /Error/, output);
});
