/**
 * The conformance report's generator (test/conformance/write-report.ts) over runs of the contract
 * suite: the same test runs once per adapter under the same name, so a checklist row, an attack cell
 * or a fault cell passes only when every adapter's run passed, and the test is listed once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestOutcome } from '../conformance/results-reporter.ts';
import { renderReport } from '../conformance/write-report.ts';

const ADAPTER_RUNS = 3; // Express 5, Express 4, node:http

/** The same test, once per adapter, with these statuses. */
function runs(file: string, name: string, statuses: readonly TestOutcome['status'][]): TestOutcome[] {
  return statuses.map((status) => ({ file, name, status }));
}

/** The report's line that starts with `prefix` (a checklist row or a matrix row). */
function line(report: string, prefix: string): string {
  const found = report.split('\n').find((text) => text.startsWith(prefix));
  assert.ok(found !== undefined, `no line starting with ${prefix}`);
  return found;
}

const ROW_TEST = 'BAS-01: the happy path';
const FILE = 'test/conformance/rp-basic.test.ts';

test('the conformance report: a row whose test passed on every adapter passes, and lists the test once', () => {
  const report = renderReport(runs(FILE, ROW_TEST, Array(ADAPTER_RUNS).fill('pass')));
  const row = line(report, '| BAS-01 |');
  assert.match(row, /\| pass \|/);
  assert.equal(row.split('BAS-01: the happy path').length - 1, 1, row);
});

test('the conformance report: a row whose test failed on one adapter only fails', () => {
  for (const failing of [0, 1, 2]) {
    const statuses = Array<TestOutcome['status']>(ADAPTER_RUNS).fill('pass');
    statuses[failing] = 'fail';
    const report = renderReport(runs(FILE, ROW_TEST, statuses));
    assert.match(line(report, '| BAS-01 |'), /\| FAIL \|/, `failing run ${failing}`);
    assert.match(line(report, '| Checklist rows |'), /\| 1 \|$/, 'one failing row');
  }
  const skipped = renderReport(runs(FILE, ROW_TEST, ['pass', 'pass', 'skip']));
  assert.match(line(skipped, '| BAS-01 |'), /\| skipped \|/, 'a run skipped on one adapter is not a pass');
});

test('the conformance report: attack and fault cells fail when one adapter\'s run fails', () => {
  const attack = 'ATK-01 (access_token): an unsigned token is refused';
  const fault = 'FLT-01 (jwks): connection refused';
  const passing = renderReport([
    ...runs('test/conformance/jwt-attacks.test.ts', attack, ['pass', 'pass', 'pass']),
    ...runs('test/conformance/faults.test.ts', fault, ['pass', 'pass', 'pass']),
  ]);
  const failing = renderReport([
    ...runs('test/conformance/jwt-attacks.test.ts', attack, ['pass', 'pass', 'fail']),
    ...runs('test/conformance/faults.test.ts', fault, ['fail', 'pass', 'pass']),
  ]);
  // ATK-01's cells: id_token, logout_token, userinfo, access_token (only the last has runs here).
  assert.match(line(passing, '| ATK-01 '), /\| pass \|$/);
  assert.match(line(failing, '| ATK-01 '), /\| FAIL \|$/);
  // FLT-01's cells: discovery, jwks, … (jwks is the second).
  assert.equal(line(passing, '| FLT-01 ').split(' | ')[2], 'pass');
  assert.equal(line(failing, '| FLT-01 ').split(' | ')[2], 'FAIL');
  assert.equal(passing.split(`${fault} <sub>`).length - 1, 1, 'the fault test is listed once');
});
