/**
 * The demo as a person uses it, in a real browser: Debian's Chromium driven by playwright-core
 * (no browser download), headless and kept off the network. The demo runs as a child process with
 * its embedded provider; the login goes through the provider's real login form. A screenshot of
 * each page goes to test-results/ (not committed). The tests run on Express, the demo's default,
 * and on Hono (`DEMO_FRAMEWORK=hono`): a Node-style adapter and a Web-standard one; the demo's
 * integration tests cover all four frameworks.
 *
 * Where Chromium is missing the suite says so in one line and how to install it; under CI (CI=true)
 * a missing browser is a failure, never a skip.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';

import { type DemoFramework, startDemo } from '../support/demo-process.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results');
/** The frameworks the browser tests run the demo on (the integration tests run it on all). */
const BROWSER_FRAMEWORKS: readonly DemoFramework[] = ['express', 'hono'];
/** The flags that keep a headless Chromium quiet and off the network on a machine without one. */
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--no-default-browser-check',
];

function chromiumUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `Chromium not found at ${CHROMIUM}; install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH to run the browser tests`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}. Under CI this is a failure, not a skip.`);
  return reason;
}

const unavailable = chromiumUnavailable();
if (unavailable !== undefined) console.log(`# browser tests skipped: ${unavailable}`);

/** Saves a screenshot of the page as test-results/<name>.png. */
async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Logs in on the provider's login form the page is on (any username and password work there). */
async function signInAtProvider(page: Page, issuer: string, username: string): Promise<void> {
  assert.ok(page.url().startsWith(issuer), `at the provider: ${page.url()}`);
  await page.fill('input[name="login"]', username);
  await page.fill('input[name="password"]', 'any password');
  await page.click('button[type="submit"]');
  await page.waitForLoadState();
  // A consent page, if the provider shows one.
  if (page.url().startsWith(issuer) && (await page.locator('button[type="submit"]').count()) > 0) {
    await page.click('button[type="submit"]');
    await page.waitForLoadState();
  }
}

/** The embedded provider's issuer, from the demo's start-up lines. */
function issuerOf(stdout: string): string {
  const match = /issuer (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
  assert.ok(match, stdout);
  return match[1]!;
}

describe('the demo in a real browser', { skip: unavailable }, () => {
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  after(() => browser?.close());

  for (const framework of BROWSER_FRAMEWORKS) describe(`on ${framework}`, () => browserTests(framework));

  /** The tests on one framework; screenshots of frameworks other than Express are named after it. */
  function browserTests(framework: DemoFramework): void {
    const screenshot = (page: Page, name: string): Promise<void> => saveScreenshot(page, framework === 'express' ? name : `${framework}-${name}`);

    async function demo(t: TestContext): Promise<{ baseUrl: string; issuer: string }> {
      const running = await startDemo(t, { PORT: '0', DEMO_FRAMEWORK: framework });
      t.after(() => running.stop());
      return { baseUrl: running.baseUrl, issuer: issuerOf(running.stdout()) };
    }

    test('log in through the provider\'s form, see the profile, call the API, refresh, log out at the provider', async (t) => {
      const { baseUrl, issuer } = await demo(t);
      const context = await browser.newContext();
      t.after(() => context.close());
      const page = await context.newPage();

      await page.goto(`${baseUrl}/`);
      assert.equal(await page.textContent('#status'), 'Nobody is logged in.');
      await screenshot(page, '01-home');

      await page.click('main a.button:has-text("Log in")');
      await page.waitForSelector('input[name="login"]');
      await screenshot(page, '02-provider-login');
      await signInAtProvider(page, issuer, 'alice');

      await page.waitForURL(`${baseUrl}/profile`);
      assert.equal(await page.textContent('h1'), 'Profile of alice');
      assert.match(await page.textContent('#claims') ?? '', /alice@example\.com/);
      assert.equal(await page.textContent('#provider'), 'default');
      // The expiry counts down in the page (the script runs under the page's CSP).
      const countdown = page.locator('#access-token-expires + span [data-countdown]');
      const before = await countdown.textContent();
      await page.waitForFunction((text) => document.querySelector('#access-token-expires + span [data-countdown]')?.textContent !== text, before, { timeout: 5000 });
      assert.match(await countdown.textContent() ?? '', /^in (\d+ min \d+ s|\d+ s)$/);
      await screenshot(page, '03-profile');

      await page.click('button:has-text("Call /api/me")');
      await page.waitForSelector('#api-result');
      assert.equal(await page.textContent('#api-status'), '200');
      assert.match(await page.textContent('#api-body') ?? '', /"sub": "alice"/);
      // Redirect-after-POST: the page is a GET, so a reload shows the answer again without posting.
      assert.match(page.url(), /\/profile\?note=[\w-]{22}$/);
      await page.reload();
      await page.waitForSelector('#api-result');
      assert.equal(await page.textContent('#api-status'), '200');
      await screenshot(page, '04-api-me');

      await page.click('button:has-text("Call /api/admin")');
      await page.waitForSelector('#api-result');
      assert.equal(await page.textContent('#api-status'), '403');
      assert.match(await page.textContent('#api-challenge') ?? '', /error="insufficient_scope"/);
      await screenshot(page, '05-api-admin');

      const token = await page.textContent('#access-token');
      await page.click('button:has-text("Refresh the access token")');
      await page.waitForURL(/\/profile\?note=[\w-]{22}$/);
      assert.notEqual(await page.textContent('#access-token'), token, 'a new access token');
      assert.match(await page.textContent('#refreshed') ?? '', /The access token was refreshed: \S+ became \S+; it expires at /, 'the page says what changed');

      // Readable on a phone: nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scrolling at phone width');
      await screenshot(page, '06-profile-phone');
      await page.setViewportSize({ width: 1280, height: 800 });

      // Log out here and at the provider: the provider asks to confirm, then sends the browser back.
      await page.click('main button:has-text("Log out"):not(:has-text("only"))');
      await page.waitForURL((url) => url.href.startsWith(issuer));
      await screenshot(page, '07-provider-logout');
      await page.click('button:has-text("Sign out")');
      await page.waitForURL(`${baseUrl}/`);
      assert.equal(await page.textContent('#status'), 'Nobody is logged in.');
      await screenshot(page, '08-logged-out');

      // Logged out at the provider too: the profile asks for the password again.
      await page.goto(`${baseUrl}/profile`);
      await page.waitForSelector('input[name="login"]');
      assert.ok(page.url().startsWith(issuer));
    });

    test('a login started in a second tab at the same time: both complete', async (t) => {
      const { baseUrl, issuer } = await demo(t);
      const context = await browser.newContext();
      t.after(() => context.close());
      const [first, second] = [await context.newPage(), await context.newPage()];
      await first.goto(`${baseUrl}/login?returnTo=/profile`);
      await second.goto(`${baseUrl}/login?returnTo=/`);
      await first.waitForSelector('input[name="login"]');
      await second.waitForSelector('input[name="login"]');

      await signInAtProvider(second, issuer, 'bob');
      await second.waitForURL(`${baseUrl}/`);
      assert.match(await second.textContent('#status') ?? '', /Logged in as bob/);

      // The first tab's login attempt is its own transaction: it still completes.
      await signInAtProvider(first, issuer, 'bob');
      await first.waitForURL(`${baseUrl}/profile`);
      assert.equal(await first.textContent('h1'), 'Profile of bob');
      await screenshot(first, '09-second-tab-profile');
    });

    test('a cancelled login lands on a friendly page with the error code', async (t) => {
      const { baseUrl, issuer } = await demo(t);
      const context = await browser.newContext();
      t.after(() => context.close());
      const page = await context.newPage();
      await page.goto(`${baseUrl}/login?returnTo=/profile`);
      await page.waitForSelector('input[name="login"]');
      assert.ok(page.url().startsWith(issuer));
      await page.click('a:has-text("Cancel")');
      await page.waitForURL((url) => url.href.startsWith(`${baseUrl}/callback`));
      assert.equal(await page.textContent('h1'), 'Login cancelled');
      assert.match(await page.textContent('#error-code') ?? '', /^op_error \(access_denied\)$/);
      await screenshot(page, '10-login-cancelled');
      await page.click('a:has-text("Try to log in again")');
      await page.waitForSelector('input[name="login"]');
    });
  }
});
