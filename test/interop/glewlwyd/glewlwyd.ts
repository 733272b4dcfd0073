/**
 * Glewlwyd for the interop test: started and stopped through setup.sh (the one place that knows
 * how to run Debian's package without systemd), its database read for what only the provider
 * knows (the subject it gave a user), and its own login, consent and logout pages driven in a
 * real browser. Nothing here talks OpenID Connect: that is oidc-kit's job in the test.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';

const run = promisify(execFile);
const SETUP = join(import.meta.dirname, 'setup.sh');
/** The command that installs what setup.sh needs, as .ci/run does it (no dbconfig, no MySQL tooling). */
export const INSTALL_COMMAND = "echo 'glewlwyd glewlwyd/config_type select No configuration' | debconf-set-selections"
  + ' && apt-get install -y --no-install-recommends glewlwyd dbconfig-no-thanks sqlite3 openssl curl';

/** What setup.sh wrote to its state dir's instance.json once Glewlwyd answered discovery. */
export interface GlewlwydInstance {
  /** Exactly as discovery says it: `http://localhost:<port>/api/oidc`. */
  issuer: string;
  port: number;
  appUrl: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  /** The RFC 8707 resource indicator the plugin allows (the API of the app: `<appUrl>/api`). */
  resource: string;
  /** The sqlite database, for reading what Glewlwyd decided. */
  database: string;
  log: string;
  /** setup.sh's state dir for this instance; `stopGlewlwyd` deletes it when the test made it. */
  stateDir: string;
  ownStateDir: boolean;
}

/**
 * Why the test cannot run here, or undefined. A missing package fails under CI (CI=true), as for
 * the Redis and browser tests: CI installs it, so its absence is a broken CI, never a skip.
 */
export function glewlwydUnavailable(): string | undefined {
  const missing = ['glewlwyd', 'sqlite3', 'openssl', 'curl'].filter((command) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0);
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(', ')} not found: the Glewlwyd interop test needs Debian's glewlwyd package (2.7.5 in Debian 12). Install it as root: ${INSTALL_COMMAND}`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}. Under CI this is a failure, not a skip.`);
  return reason;
}

/**
 * Starts Glewlwyd configured for an oidc-kit app on `appPort` (http://localhost:<appPort>),
 * resolving once its discovery answers. Each run gets its own state dir (unless
 * GLEWLWYD_STATE_DIR names one), so that two test runs on one machine never stop each other's.
 */
export async function startGlewlwyd(appPort: number): Promise<GlewlwydInstance> {
  const given = process.env['GLEWLWYD_STATE_DIR'];
  const stateDir = given ?? mkdtempSync(join(tmpdir(), 'oidc-kit-glewlwyd-'));
  try {
    await run('bash', [SETUP, 'start'], { env: { ...process.env, APP_PORT: String(appPort), GLEWLWYD_STATE_DIR: stateDir }, timeout: 60_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    await stop(stateDir, given === undefined);
    throw new Error(`test/interop/glewlwyd/setup.sh failed:\n${stdout}${stderr}`, { cause: error });
  }
  const instance = JSON.parse(readFileSync(join(stateDir, 'instance.json'), 'utf8')) as Omit<GlewlwydInstance, 'stateDir' | 'ownStateDir'>;
  return { ...instance, stateDir, ownStateDir: given === undefined };
}

/** Stops the Glewlwyd `startGlewlwyd` started, and deletes its state dir if the test made it. */
export async function stopGlewlwyd(instance: GlewlwydInstance | undefined): Promise<void> {
  if (instance !== undefined) await stop(instance.stateDir, instance.ownStateDir);
}

async function stop(stateDir: string, remove: boolean): Promise<void> {
  await run('bash', [SETUP, 'stop'], { env: { ...process.env, GLEWLWYD_STATE_DIR: stateDir }, timeout: 20_000 });
  if (remove) rmSync(stateDir, { recursive: true, force: true });
}

/**
 * The `sub` Glewlwyd's OIDC plugin gave `username` (public subject type: one per user), read from
 * its database: an answer that owes nothing to the tokens oidc-kit validated.
 */
export function subjectOf(instance: GlewlwydInstance, username: string): string {
  const sql = `SELECT gposi_sub FROM gpo_subject_identifier WHERE gposi_plugin_name = 'oidc' AND gposi_username = '${username.replace(/'/g, "''")}';`;
  return execFileSync('sqlite3', ['-readonly', instance.database, sql], { encoding: 'utf8' }).trim();
}

/** The last lines of Glewlwyd's log, for a failure message. */
export function glewlwydLogTail(instance: GlewlwydInstance | undefined, lines = 25): string {
  if (instance === undefined || !existsSync(instance.log)) return '(no Glewlwyd log)';
  return readFileSync(instance.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Signs in on Glewlwyd's login page (login.html of its web app) the page is on, then gets through
 * the consent page: the first time a user meets a client it asks to grant each scope ("Grant
 * access"), later it only shows "Continue". Resolves once the browser has left Glewlwyd.
 */
export async function signInAtGlewlwyd(page: Page, instance: GlewlwydInstance): Promise<void> {
  const base = `http://localhost:${instance.port}/`;
  await page.waitForSelector('#username');
  await page.fill('#username', instance.username);
  await page.fill('#password', instance.password);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname.replace(/\/$/, '') === '/api/auth' && r.request().method() === 'POST'),
    page.click('#loginbut'),
  ]);
  if (answer.status() !== 200) throw new Error(`Glewlwyd refused the password (POST /api/auth: HTTP ${answer.status()})`);

  const grant = page.getByRole('button', { name: 'Grant access' });
  const proceed = page.getByRole('button', { name: 'Continue' });
  await grant.or(proceed).first().waitFor();
  if (await grant.isVisible()) {
    for (const box of await page.locator('input[type=checkbox][id^="grant-"]').all()) {
      if (!(await box.isChecked())) await box.check();
    }
    await grant.click();
  }
  // "Continue" is disabled until the grants are saved; clicking it redirects back to the client.
  await page.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Continue' && !b.disabled));
  await proceed.click();
  await page.waitForURL((url) => !url.href.startsWith(base));
}

/** Confirms the logout on Glewlwyd's end-session page ("Logout" beside "Stay connected"). */
export async function confirmLogoutAtGlewlwyd(page: Page, instance: GlewlwydInstance): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`http://localhost:${instance.port}/`));
  // The button's accessible name includes its icon's glyph: match the text instead.
  await page.locator('button', { hasText: /^\s*Logout\s*$/ }).click();
}

/** A JWT's header and payload, decoded without any check (the test compares what oidc-kit saw). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header = '', payload = ''] = token.split('.');
  const part = (text: string): Record<string, unknown> => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: part(header), payload: part(payload) };
}
