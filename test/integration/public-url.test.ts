/**
 * The public URL is the configured `baseUrl` on every adapter: a request that names another host
 * (its `Host`, or `X-Forwarded-Host` and `-Proto` from a client, not a proxy) still gets this app's
 * redirect_uri. The fetch and Hono adapters build their `Request` from the `Host` header, so this
 * is where they could go wrong. (A returnTo that tries to leave the app: login.test.ts.)
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ADAPTERS, startTestbed, type Testbed } from '../support/testbed.ts';

/** A GET with headers fetch() will not send (`Host`), answered with its status and Location. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { headers }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, location: response.headers.location });
    });
    sent.once('error', reject);
    sent.end();
  });
}

const FORGED = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };

for (const adapter of ADAPTERS) {
  describe(`the public URL is baseUrl, never the request's host (${adapter})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({ adapter });
    });
    after(() => bed.close());

    test('a login started under a forged Host sends the provider this app\'s redirect_uri', async () => {
      const start = await rawGet(`${bed.appUrl}/login?returnTo=${encodeURIComponent('/profile')}`, FORGED);
      assert.equal(start.status, 302);
      const authorize = new URL(start.location!);
      assert.equal(authorize.origin, bed.op.issuer);
      assert.equal(authorize.searchParams.get('redirect_uri'), `${bed.appUrl}/callback`);
    });

    test('a protected page under a forged Host: the login it starts comes back to this app', async () => {
      const page = await rawGet(`${bed.appUrl}/profile`, FORGED);
      assert.equal(page.status, 302);
      assert.equal(new URL(page.location!).searchParams.get('redirect_uri'), `${bed.appUrl}/callback`);
    });
  });
}
