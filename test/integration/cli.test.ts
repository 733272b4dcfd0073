/**
 * The `oidc-kit` command as users run it: the built bin (dist/cli/bin.js; `npm test` builds first)
 * in a child process, against the in-process oidc-provider with dynamic registration behind an
 * initial access token.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CompactEncrypt, generateKeyPair, SignJWT } from 'jose';

import { loginThroughProvider } from '../support/browser.ts';
import { CLIENT_SECRET, startTestbed, type Testbed } from '../support/testbed.ts';

const BIN = join(import.meta.dirname, '../../dist/cli/bin.js');
const INITIAL_ACCESS_TOKEN = 'cli-initial-access-token-0123456789';

interface Run { code: number; stdout: string; stderr: string }

/** Runs `oidc-kit …` and resolves with its exit code and output (never rejects on a non-zero exit). */
function oidcKit(args: string[], options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      cwd: options.cwd,
      timeout: 20_000,
    }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
    child.stdin?.end(options.stdin ?? '');
  });
}

/** A failure is one clear line on stderr, nothing on stdout. */
function assertOneLineError(run: Run, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, `one line: ${run.stderr}`);
  assert.match(run.stderr, pattern);
}

describe('oidc-kit (the command line)', () => {
  let bed: Testbed;
  let dir: string;
  before(async () => {
    assert.ok(existsSync(BIN), 'run `npm run build` first (npm test does)');
    bed = await startTestbed({
      providerConfiguration: { features: { registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN }, clientCredentials: { enabled: true } } },
      // The testbed's own client may also use the client credentials grant (for `oidc-kit token`).
      client: { grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] },
    });
    dir = mkdtempSync(join(tmpdir(), 'oidc-kit-cli-'));
  });
  after(async () => {
    await bed.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--help on every command, a command list, and exit code 2 for usage errors', async () => {
    const top = await oidcKit(['--help']);
    assert.equal(top.code, 0);
    for (const name of ['register', 'discover', 'token', 'decode']) {
      assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'));
      const help = await oidcKit([name, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, new RegExp(`^Usage: oidc-kit ${name}`));
      assert.match(help.stdout, /Exit codes: 0 /);
      assert.equal((await oidcKit(['help', name])).stdout, help.stdout);
    }
    assert.equal((await oidcKit([])).code, 2, 'no command');
    assertOneLineError(await oidcKit(['frobnicate']), 2, /unknown command "frobnicate"/);
    assertOneLineError(await oidcKit(['register', bed.op.issuer]), 2, /needs the issuer and at least one redirect URI.*--help/);
    assertOneLineError(await oidcKit(['register', '--nope']), 2, /Unknown option '--nope'/);
    assertOneLineError(await oidcKit(['register', bed.op.issuer, 'https://app.example.com/cb', 'http://localhost/cb']), 2, /mix https ones/);
    assertOneLineError(await oidcKit(['discover']), 2, /exactly one issuer/);
    assertOneLineError(await oidcKit(['token', '--scope', 'x']), 2, /--client-secrets <file>, or --issuer and --client-id/);
    assertOneLineError(await oidcKit(['decode']), 2, /exactly one token/);
    assert.match((await oidcKit(['--version'])).stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test('register writes a client_secrets.json (mode 600) with which an app then logs a user in', async () => {
    const output = join(dir, 'client_secrets.json');
    const run = await oidcKit(['register', bed.op.issuer, `${bed.appUrl}/callback`, '--name', 'CLI test app', '-t', INITIAL_ACCESS_TOKEN, '--output', output,
      '--post-logout-redirect-uri', `${bed.appUrl}/logout/callback`]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Registered client \S+ at http:\/\/127\.0\.0\.1:\d+; wrote .*client_secrets\.json\.\n$/);
    assert.equal(run.stderr, '');
    assert.equal(statSync(output).mode & 0o777, 0o600, 'the file holds a secret');
    const file = JSON.parse(readFileSync(output, 'utf8')) as { web: Record<string, unknown> };
    const web = file.web;
    // What Flask-OIDC 1.x reads …
    for (const key of ['client_id', 'client_secret', 'auth_uri', 'token_uri', 'userinfo_uri', 'issuer', 'redirect_uris', 'token_introspection_uri']) {
      assert.ok(web[key] !== undefined, `web.${key}`);
    }
    assert.equal(web['issuer'], bed.op.issuer);
    assert.deepEqual(web['redirect_uris'], [`${bed.appUrl}/callback`]);
    assert.equal(web['token_endpoint_auth_method'], 'client_secret_post', 'as oidc-register registered: Flask-OIDC posts the secret');
    const client = await bed.op.provider.Client.find(String(web['client_id']));
    assert.equal(client?.clientName, 'CLI test app');

    // … and what oidc-kit reads: the app logs in with the file alone.
    bed.reconfigure({ clientId: undefined, clientSecret: undefined, clientSecrets: output });
    const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body).sub, 'alice');
    assert.equal(bed.op.requests.filter((r) => r.path === '/token').at(-1)?.headers.authorization, undefined, 'the secret went in the body, as registered');
    bed.reconfigure({});
  });

  test('an existing file is never overwritten without --force, and nothing is registered; --json describes the client without its secret', async () => {
    const output = join(dir, 'existing.json');
    writeFileSync(output, '{"keep": true}', { mode: 0o644 });
    const before = bed.op.requests.length;
    const refused = await oidcKit(['register', bed.op.issuer, `${bed.appUrl}/callback`, '-t', INITIAL_ACCESS_TOKEN, '-o', output]);
    assertOneLineError(refused, 1, /existing\.json already exists; use --force to overwrite it/);
    assert.equal(readFileSync(output, 'utf8'), '{"keep": true}');
    assert.equal(bed.op.requests.length, before, 'checked before anything is registered: no orphan client');

    const forced = await oidcKit(['register', bed.op.issuer, `${bed.appUrl}/callback`, '-o', output, '--force', '--json', '--auth-method', 'client_secret_basic', '--client-credentials'], {
      env: { OIDC_INITIAL_ACCESS_TOKEN: INITIAL_ACCESS_TOKEN },
    });
    assert.equal(forced.code, 0, forced.stderr);
    const described = JSON.parse(forced.stdout) as Record<string, unknown>;
    assert.equal(described['token_endpoint_auth_method'], 'client_secret_basic');
    assert.equal(described['output'], output);
    assert.doesNotMatch(forced.stdout, /secret"/);
    assert.equal(JSON.parse(readFileSync(output, 'utf8')).web.client_id, described['client_id']);
    assert.equal(statSync(output).mode & 0o777, 0o600, 'an overwritten file is made private too');

    // Registered with --client-credentials, the file also serves `oidc-kit token`.
    const token = await oidcKit(['token', '-c', output]);
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.stdout, /^[\w.-]{20,}\n$/);
  });

  test('bad issuer, unreachable provider, refused registration: the right message and exit code 1', async () => {
    const output = join(dir, 'never.json');
    const uri = `${bed.appUrl}/callback`;
    assertOneLineError(await oidcKit(['register', 'not a url', uri, '-o', output]), 1, /"not a url" is not a URL/);
    assertOneLineError(await oidcKit(['register', `${bed.op.issuer}/`, uri, '-o', output]), 1, /issuers must match exactly.*discovery_issuer_mismatch/);
    assertOneLineError(await oidcKit(['register', 'http://127.0.0.1:1', uri, '-o', output]), 1, /could not be reached.*provider_unavailable/);
    assertOneLineError(await oidcKit(['register', bed.op.issuer, uri, '-o', output]), 1, /refused the registration: invalid_token/);
    assertOneLineError(await oidcKit(['register', bed.op.issuer, uri, '-o', output, '-t', 'wrong']), 1, /refused the registration: invalid_token/);
    assertOneLineError(await oidcKit(['register', bed.op.issuer, uri, '-o', output, '-t', INITIAL_ACCESS_TOKEN, '--post-logout-redirect-uri', 'javascript:alert(1)']), 1,
      /refused the registration: invalid_client_metadata/);
    assert.equal(existsSync(output), false, 'nothing written');
  });

  test('discover prints a summary, or the metadata as JSON', async () => {
    const summary = await oidcKit(['discover', bed.op.issuer]);
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, new RegExp(`^issuer:\\s+${bed.op.issuer}$`, 'm'));
    assert.match(summary.stdout, new RegExp(`^registration:\\s+${bed.op.issuer}/reg$`, 'm'));
    const json = await oidcKit(['discover', bed.op.issuer, '--json']);
    const metadata = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(metadata['issuer'], bed.op.issuer);
    assert.equal(metadata['jwks_uri'], `${bed.op.issuer}/jwks`);
    assertOneLineError(await oidcKit(['discover', `${bed.op.issuer}/`]), 1, /discovery_issuer_mismatch/);
    const host = new URL(bed.op.issuer).host;
    // A user identifier goes through WebFinger (which this provider does not serve).
    assertOneLineError(await oidcKit(['discover', `alice@${host}`]), 1, new RegExp(`WebFinger at http://${host} answered 404`));
    assertOneLineError(await oidcKit(['discover', '--webfinger', `${bed.op.issuer}/alice`]), 1, /WebFinger at .* answered 404/);
  });

  test('token prints an access token from the client credentials grant; a wrong secret is exit 1', async () => {
    const common = ['token', '--issuer', bed.op.issuer, '--client-id', 'demo-client'];
    const plain = await oidcKit(common, { env: { OIDC_CLIENT_SECRET: CLIENT_SECRET } });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^[\w.-]{20,}\n$/, 'just the token, for $(…)');
    const json = await oidcKit([...common, '--client-secret', CLIENT_SECRET, '--json', '--scope', 'openid']);
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(answer['token_type'], 'bearer');
    assert.equal(typeof answer['access_token'], 'string');
    assert.ok(Date.parse(String(answer['expires_at'])) > Date.now());

    const secrets = join(dir, 'cc.json');
    writeFileSync(secrets, JSON.stringify({ web: { client_id: 'demo-client', client_secret: CLIENT_SECRET, issuer: bed.op.issuer } }));
    assert.equal((await oidcKit(['token', '-c', secrets])).code, 0);

    const wrong = await oidcKit(common, { env: { OIDC_CLIENT_SECRET: 'wrong-secret' } });
    assertOneLineError(wrong, 1, /invalid_client/);
    assert.doesNotMatch(wrong.stderr, /wrong-secret/, 'the secret is never printed');
    assertOneLineError(await oidcKit(common), 2, /no client secret/);
    assertOneLineError(await oidcKit(['token', '-c', join(dir, 'missing.json')]), 2, /no such file/);
  });

  test('decode shows header and claims marked unverified; garbage and encrypted tokens are exit 1', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const { publicKey } = await generateKeyPair('RSA-OAEP-256');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const jwt = await new SignJWT({ sub: 'alice', scope: 'read' }).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' }).setExpirationTime(exp).setIssuedAt().sign(privateKey);
    const shown = await oidcKit(['decode', jwt]);
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /^UNVERIFIED: the signature was not checked/);
    assert.match(shown.stdout, /"kid": "k1"/);
    assert.match(shown.stdout, /"sub": "alice"/);
    assert.match(shown.stdout, new RegExp(`exp\\s+${new Date(exp * 1000).toISOString()} \\(in \\d+ s\\)`));
    const json = JSON.parse((await oidcKit(['decode', '--json', jwt])).stdout) as { verified: boolean; header: Record<string, unknown>; payload: Record<string, unknown> };
    assert.deepEqual({ verified: json.verified, typ: json.header['typ'], sub: json.payload['sub'] }, { verified: false, typ: 'at+jwt', sub: 'alice' });
    const piped = await oidcKit(['decode', '-'], { stdin: `Bearer ${jwt}\n` });
    assert.equal(piped.stdout, shown.stdout.replace(/\(in \d+ s\)/, piped.stdout.match(/\(in \d+ s\)/)?.[0] ?? ''), 'reads stdin, strips "Bearer "');
    assertOneLineError(await oidcKit(['decode', 'not.a.jwt']), 1, /not a JWT/);
    const jwe = await new CompactEncrypt(new TextEncoder().encode('{}')).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }).encrypt(publicKey);
    assertOneLineError(await oidcKit(['decode', jwe]), 1, /encrypted JWT/);
  });
});
