// The log policy of failed requests with an injected clock: summaries per kind (first at once, one a
// minute with the count, bounded kinds) and outages once per change of state (down, back, reminder).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from '../../src/config/options.ts';
import { FaultLog } from '../../src/core/fault-log.ts';
import { SummaryLog } from '../../src/core/summary-log.ts';
import { OidcError } from '../../src/errors.ts';

function recorder(withDebug = false): { logger: Logger; warn: string[]; debug: string[] } {
  const warn: string[] = [];
  const debug: string[] = [];
  return { warn, debug, logger: withDebug ? { warn: (m) => warn.push(m), debug: (m) => debug.push(m) } : { warn: (m) => warn.push(m) } };
}

test('a kind is warned once, then summarised once a minute by its next line, with the count; debug gets every line', () => {
  let clock = Date.UTC(2025, 0, 1);
  const log = recorder(true);
  const summaries = new SummaryLog(log.logger, { now: () => clock });
  for (let i = 0; i < 50; i++) summaries.note('login failed: state_mismatch', `login failed: state_mismatch #${i}`);
  assert.deepEqual(log.warn, ['login failed: state_mismatch #0']);
  assert.equal(log.debug.length, 50);
  clock += 60_000;
  summaries.note('login failed: state_mismatch', 'login failed: state_mismatch #50');
  assert.deepEqual(log.warn.slice(1), ['login failed: state_mismatch #50 (50 more like it since 2025-01-01T00:00:00.000Z)']);
  // A quiet window: the next line is itself again, not a summary.
  clock += 120_000;
  summaries.note('login failed: state_mismatch', 'again');
  assert.equal(log.warn.at(-1), 'again');
  // Another kind has its own count.
  summaries.note('back-channel logout refused: logout_token_invalid:alg', 'bcl');
  assert.equal(log.warn.at(-1), 'bcl');
});

test('kinds are bounded: past maxKinds every new kind shares the "other" count', () => {
  let clock = 0;
  const log = recorder();
  const summaries = new SummaryLog(log.logger, { now: () => clock, maxKinds: 4 });
  for (let i = 0; i < 1000; i++) summaries.note(`kind ${i}`, `line ${i}`);
  assert.deepEqual(log.warn, ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  clock += 60_000;
  summaries.note('kind 999', 'late');
  assert.deepEqual(log.warn.slice(5), ['late (996 more of other kinds since 1970-01-01T00:00:00.000Z)']);
});

test('an outage is logged when it starts (with its cause), reminded every 10 minutes, and ended by the next success', () => {
  let clock = 0;
  const log = recorder();
  const faults = new FaultLog(log.logger, { now: () => clock });
  const store = faults.subject('the session store');
  store.answered();
  assert.deepEqual(log.warn, [], 'nothing while all is well');
  const down = (): OidcError => {
    const error = new OidcError('session_store_unavailable', 'The session store is unavailable; try again shortly.', { cause: new Error('connect ECONNREFUSED 127.0.0.1:6379') });
    store.failed(error);
    return error;
  };
  for (let i = 0; i < 40; i++) {
    assert.equal(faults.requestFailed(down()), true, 'the request is counted, not logged');
    clock += 1000;
  }
  assert.deepEqual(log.warn, ['the session store is down: session_store_unavailable: The session store is unavailable; try again shortly. (connect ECONNREFUSED 127.0.0.1:6379)']);
  clock += 10 * 60_000;
  faults.requestFailed(down());
  assert.match(log.warn[1]!, /^the session store is still down after 640 s, 40 request\(s\) failed so far: session_store_unavailable/);
  store.answered();
  store.answered();
  assert.deepEqual(log.warn.slice(2), ['the session store is back after 640 s, 41 request(s) failed meanwhile']);
  // A refusal that is no outage is not the dependency's state, and is not counted here.
  const refused = new OidcError('invalid_token', 'no', { reason: 'signature' });
  store.failed(refused);
  assert.equal(faults.requestFailed(refused), false);
  assert.equal(log.warn.length, 3);
});
