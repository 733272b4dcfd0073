/**
 * Issue 25, items 3 and 8: 10 000 distinct junk bearer tokens against an API whose provider
 * introspects opaque tokens. The provider calls are counted: JOSE-shaped junk (alg none, broken
 * headers, JWEs, wrong part counts, made-up kids) costs no introspection at all and at most one key
 * set fetch; opaque junk costs at most one introspection each, never more than `maxConcurrent` at
 * once; and a good token's cached answer survives the flood. One adapter (the fetch handler): the
 * behaviours themselves are tested on every adapter in test/integration/introspection-limits.test.ts;
 * this is the same core under volume.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertAccepted, AUDIENCE, type BearerApp, nowSeconds, opaqueToken, startBearerApp } from '../support/bearer-app.ts';
import { startTokenLab, type TokenLab } from '../support/token-lab.ts';

const TOKENS = 10_000;
/** Requests sent at once: well over the introspection limit, so that it is reached. */
const PARALLEL = 200;
const MAX_CONCURRENT = 16;

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const junk = (): string => randomBytes(24).toString('base64url');

/** The i-th junk token: opaque for even i, JOSE-shaped for odd i (five kinds in turn). */
function junkToken(i: number): { token: string; opaque: boolean } {
  if (i % 2 === 0) return { token: opaqueToken(), opaque: true };
  switch ((i >> 1) % 5) {
    case 0: return { token: `${b64({ alg: 'none' })}.${b64({ sub: junk() })}.`, opaque: false };
    case 1: return { token: `${b64('{"alg":"RS256",')}.${junk()}.${junk()}`, opaque: false };
    case 2: return { token: [b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }), junk(), junk(), junk(), junk()].join('.'), opaque: false };
    case 3: return { token: [b64({ alg: 'RS256' }), junk(), junk(), junk()].join('.'), opaque: false };
    default: return { token: `${b64({ alg: 'RS256', kid: junk(), typ: 'at+jwt' })}.${b64({ sub: junk() })}.${junk()}`, opaque: false };
  }
}

describe('10 000 distinct junk tokens', () => {
  let lab: TokenLab;
  let api: BearerApp;
  let inFlight = 0;
  let mostInFlight = 0;

  before(async () => {
    lab = await startTokenLab();
    lab.introspect = async (form) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        return { body: lab.introspections.get(form.get('token') ?? '') ?? { active: false } };
      } finally {
        inFlight--;
      }
    };
    api = await startBearerApp({ adapter: 'fetch', lab, resourceServer: { introspection: { maxConcurrent: MAX_CONCURRENT } } });
  });
  after(async () => {
    await api.close();
    await lab.close();
  });

  test('JOSE junk costs no introspection and one key set fetch at most; opaque junk one introspection each at most, never more than maxConcurrent at once; a good token stays cached', async () => {
    const good = opaqueToken();
    lab.introspections.set(good, { active: true, iss: lab.issuer, sub: 'user-1', aud: AUDIENCE, scope: 'read', exp: nowSeconds() + 600 });
    assertAccepted(await api.bearer(good));
    const introspections = (): number => lab.count('/introspect');
    const keyFetches = lab.count('/jwks');
    const before = introspections();

    const statuses = new Map<number, number>();
    let opaqueSent = 0;
    let opaqueJudged = 0;
    for (let start = 0; start < TOKENS; start += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, TOKENS - start) }, (_, k) => junkToken(start + k));
      const answers = await Promise.all(batch.map(async ({ token, opaque }) => ({ opaque, answer: await api.bearer(token) })));
      for (const { opaque, answer } of answers) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        assert.ok(answer.status === 401 || answer.status === 503, `never accepted, never a crash: ${answer.status} ${answer.text}`);
        if (!opaque) assert.equal(answer.status, 401, `JOSE junk is refused locally: ${answer.text}`);
        if (opaque) opaqueSent++;
        if (opaque && answer.status === 401) opaqueJudged++;
      }
    }
    assert.equal(opaqueSent, TOKENS / 2);
    assert.equal(introspections() - before, opaqueJudged, `one call per opaque token that got a verdict, none for the rest: ${JSON.stringify([...statuses])}`);
    assert.ok(mostInFlight <= MAX_CONCURRENT, `at most ${MAX_CONCURRENT} introspections at once, saw ${mostInFlight}`);
    assert.ok(lab.count('/jwks') - keyFetches <= 1, 'made-up kids fetch the key set once at most (30 s cooldown)');

    assertAccepted(await api.bearer(good));
    assert.equal(lab.requests.filter((r) => r.path === '/introspect' && new URLSearchParams(r.body).get('token') === good).length, 1, 'the good token\'s answer survived 5 000 refusals');
  });
});
