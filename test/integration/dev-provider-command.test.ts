/**
 * Issue 26, item 2: `oidc-kit dev-provider` serves an app end to end. The built command (dist/cli/
 * bin.js; `npm test` builds first) runs as a child process, as a user starts it, for an app on each
 * package adapter that reads the client_secrets.json it wrote: a login on the provider's own pages
 * (which load nothing from the network), an API token for the audience from `oidc-kit token`, a
 * logout at the provider that reaches the app over the back-channel, and Ctrl+C.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loginThroughProvider, parseForms, TestBrowser } from '../support/browser.ts';
import { CookieJar } from '../support/cookie-jar.ts';
import { type DevProviderCommand, OIDC_KIT_BIN as BIN, printed, startDevProviderCommand } from '../support/dev-provider-command.ts';
import { freePort } from '../support/free-port.ts';
import { buildTestApp, PACKAGE_ADAPTERS } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';

const SECRET = 'dev-provider-command-test-secret-0123456789';

async function isAuthenticated(browser: TestBrowser, appUrl: string): Promise<boolean> {
  const home = await browser.request(`${appUrl}/`);
  return (JSON.parse(home.body) as { authenticated: boolean }).authenticated;
}

for (const adapter of PACKAGE_ADAPTERS) {
  describe(`oidc-kit dev-provider, for an app on ${adapter}`, () => {
    const server = createServer();
    let appUrl: string;
    let dir: string;
    let provider: DevProviderCommand;

    before(async () => {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      dir = mkdtempSync(join(tmpdir(), 'oidc-kit-dev-provider-'));
      provider = await startDevProviderCommand([
        '--base-url', appUrl, '--port', String(await freePort()), '--write', join(dir, 'client_secrets.json'), '--audience', `${appUrl}/api`,
      ]);
      const app = buildTestApp(adapter, {
        baseUrl: appUrl,
        secret: SECRET,
        clientSecrets: join(dir, 'client_secrets.json'),
        routes: { backchannelLogout: '/backchannel-logout' },
        logger: { warn: () => {}, info: () => {} }, // the start-up line and the one-instance note are for people
      }, { routes: [get('/api', [['acceptToken', { audience: `${appUrl}/api` }]], ({ oidc }) => ({ json: { client: oidc.token?.['client_id'] } }))] });
      server.on('request', app.listener);
    });
    after(() => {
      if (provider?.child.exitCode === null) provider.child.kill('SIGKILL');
      server.closeAllConnections();
      server.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    test('prints the issuer, the client and what it registered; writes client_secrets.json for the app, readable by its owner only', () => {
      const issuer = printed(provider.stdout, 'issuer');
      assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(printed(provider.stdout, 'client id'), 'oidc-kit-dev');
      assert.match(provider.stdout, new RegExp(`redirect URI\\s+${appUrl}/callback$`, 'm'));
      assert.match(provider.stdout, new RegExp(`post-logout redirect URI\\s+${appUrl}/logout/callback, ${appUrl}/$`, 'm'));
      assert.match(provider.stdout, new RegExp(`back-channel logout URI\\s+${appUrl}/backchannel-logout$`, 'm'));
      assert.match(provider.stdout, new RegExp(`^OIDC_ISSUER=${issuer}$`, 'm'));
      const file = join(dir, 'client_secrets.json');
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
        web: { client_id: 'oidc-kit-dev', client_secret: printed(provider.stdout, 'client secret'), issuer, redirect_uris: [`${appUrl}/callback`] },
      });
      assert.equal(statSync(file).mode & 0o777, 0o600);
    });

    test('anyone signs in on pages that load nothing from the network; the username is the sub', async () => {
      const browser = new TestBrowser(new CookieJar());
      const form = await browser.navigate(`${appUrl}/login?returnTo=/profile`);
      assert.equal(form.url.origin, printed(provider.stdout, 'issuer'), 'on the provider');
      assert.match(form.response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.doesNotMatch(form.response.body, /https?:\/\/|<script|<link|@import/i, 'no remote font, style or script');
      assert.ok(parseForms(form.response.body, form.url).some((f) => f.fields.some(([name]) => name === 'login')), 'a sign-in form');

      const { response } = await loginThroughProvider(browser, `${appUrl}/profile`, 'ada.lovelace');
      assert.equal(response.status, 200, response.body);
      assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'ada.lovelace');
    });

    test('an empty username is asked for again, not signed in', async () => {
      const browser = new TestBrowser(new CookieJar());
      const form = await browser.navigate(`${appUrl}/login`);
      const again = await browser.submitForm(form.response, { login: '  ', password: 'x' });
      assert.equal(again.response.status, 400);
      assert.match(again.response.body, /Enter a username/);
      assert.equal(again.url.origin, printed(provider.stdout, 'issuer'));
    });

    test('the printed `oidc-kit token` command gets a JWT access token that the app\'s API accepts', async () => {
      const command = /^\s+OIDC_CLIENT_SECRET=(\S+) npx oidc-kit token (.+)$/m.exec(provider.stdout);
      assert.ok(command, provider.stdout);
      const { stdout: token } = await promisify(execFile)(process.execPath, [BIN, 'token', ...command[2]!.split(' ')], {
        env: { PATH: process.env['PATH'] ?? '', OIDC_CLIENT_SECRET: command[1]! },
      });
      const api = await fetch(`${appUrl}/api`, { headers: { authorization: `Bearer ${token.trim()}` } });
      assert.equal(api.status, 200, await api.clone().text());
      assert.deepEqual(await api.json(), { client: 'oidc-kit-dev' });
      assert.equal((await fetch(`${appUrl}/api`, { headers: { authorization: 'Bearer not-a-token' } })).status, 401);
    });

    test('a logout at the provider reaches the app over the back-channel: the session ends there too', async () => {
      const browser = new TestBrowser(new CookieJar());
      await loginThroughProvider(browser, `${appUrl}/profile`, 'grace');
      assert.equal(await isAuthenticated(browser, appUrl), true);
      const confirm = await browser.navigate(`${printed(provider.stdout, 'issuer')}/session/end`);
      const done = await browser.submitForm(confirm.response, {});
      assert.match(done.response.body, /You are signed out/);
      assert.equal(await isAuthenticated(browser, appUrl), false, 'the back-channel logout ended the app\'s session');
      assert.equal(provider.stderr().includes('back-channel logout'), false, provider.stderr());
    });

    test('Ctrl+C stops it, with exit code 0', async () => {
      assert.equal(await provider.interrupt(), 0);
    });
  });
}

describe('oidc-kit dev-provider: mistakes on the command line', () => {
  const run = (args: string[]) => promisify(execFile)(process.execPath, [BIN, 'dev-provider', ...args]).then(
    () => assert.fail('expected a usage error'),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

  test('no --base-url, or one without a scheme, or a taken port: one line naming the fix', async () => {
    for (const [args, code, message] of [
      [[], 2, /--base-url is required: the URL your app runs at/],
      [['--base-url', 'localhost:3000'], 2, /"localhost:3000" is not an absolute URL \(it needs http:\/\/ or https:\/\/\)/],
      [['--base-url', 'http://localhost:3000', '--port', 'x'], 2, /--port must be a whole number/],
      [['--base-url', 'http://localhost:3000', '--callback-path', 'callback'], 2, /--callback-path must start with "\/"/],
    ] as const) {
      const failed = await run([...args]);
      assert.equal(failed.code, code, failed.stderr);
      assert.equal(failed.stdout, '');
      assert.equal(failed.stderr.trimEnd().split('\n').length, 1, failed.stderr);
      assert.match(failed.stderr, message);
    }
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const failed = await run(['--base-url', 'http://localhost:3000', '--port', String((taken.address() as AddressInfo).port)]);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /port \d+ is in use on 127\.0\.0\.1; choose another with --port/);
    } finally {
      taken.close();
    }
  });
});
