// Writes docs/CONFORMANCE.md from the outcomes of the last `npm test` run (test-results/test-outcomes.json,
// written by results-reporter.ts): every checklist row → the tests that carry its ID → pass, or not
// applicable with the reason; the JWT attack matrix per token type; the fault-injection matrix.
// Nothing in it is hand-written: `npm run conformance` regenerates it, and `--check` (run by
// `npm test`) fails when the committed file differs from what the run produced.
//
//   node test/conformance/write-report.ts          # (re)write docs/CONFORMANCE.md
//   node test/conformance/write-report.ts --check  # exit 1 when docs/CONFORMANCE.md is stale
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import { CHECKLIST } from './checklist.ts';
import { FAULT_ENDPOINTS, FAULT_NOT_APPLICABLE, FAULTS } from './faults.ts';
import { JWT_ATTACKS, TOKEN_TYPES } from './jwt-attacks.ts';
import { NOT_APPLICABLE } from './not-applicable.ts';
import { OUTCOMES_FILE, type TestOutcome } from './results-reporter.ts';
import { ROW_NOTES } from './row-notes.ts';
import { DPOP_LOGIN_ROWS } from './dpop-login-rows.ts';
import { TOKEN_RULE_ROWS } from './token-rule-rows.ts';
import { DPOP_API_ROWS } from './dpop-api-rows.ts';

const REPORT = 'docs/CONFORMANCE.md';
const ROW_ID = /\b(?:BAS|CFG|DYN|FP|RPI|BCT|FCT|SES|TPI|EXT|FX|BCP|B6750|AT|INT|DP|BCL|RPL|FCL|DISC|DCR|IDT|TR|DPL|PAR|FAPI|DPA|PRM)-\d{2}\b/g;

/** A test as the report shows it. */
const label = (t: TestOutcome): string => `${escapeCell(t.name)} <sub>(${t.file.replace(/^test\//, '')})</sub>`;

function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
}

/** pass when every test passed; otherwise the worst outcome. */
function verdict(tests: readonly TestOutcome[]): 'pass' | 'FAIL' | 'skipped' | undefined {
  if (tests.length === 0) return undefined;
  if (tests.some((t) => t.status === 'fail')) return 'FAIL';
  if (tests.some((t) => t.status !== 'pass')) return 'skipped';
  return 'pass';
}

/**
 * The report's Markdown for a set of outcomes (exported for the unit test of the generator).
 *
 * @example
 * ```ts
 * const markdown = renderReport(JSON.parse(readFileSync('test-results/test-outcomes.json', 'utf8')));
 * ```
 */
export function renderReport(outcomes: readonly TestOutcome[]): string {
  const sorted = [...outcomes].sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
  const byRow = new Map<string, TestOutcome[]>();
  for (const test of sorted) {
    const head = test.name.split(': ')[0] ?? '';
    for (const id of new Set(head.match(ROW_ID) ?? [])) byRow.set(id, [...(byRow.get(id) ?? []), test]);
  }

  const out: string[] = [];
  const totals = { rows: 0, pass: 0, partial: 0, deviation: 0, na: 0, open: 0, fail: 0 };
  const sections: string[] = [];
  let section = '';
  for (const row of [...CHECKLIST, ...TOKEN_RULE_ROWS, ...DPOP_LOGIN_ROWS, ...DPOP_API_ROWS]) {
    if (row.section !== section) {
      section = row.section;
      sections.push(`\n### ${section}\n\n| ID | The library must | Result | Tests, or why not applicable |\n|---|---|---|---|`);
    }
    totals.rows++;
    const tests = byRow.get(row.id) ?? [];
    const reason = NOT_APPLICABLE[row.id];
    let result: string;
    let detail: string;
    const outcome = verdict(tests);
    const note = ROW_NOTES[row.id];
    if (outcome !== undefined) {
      result = outcome;
      detail = [...new Set(tests.map(label))].join('<br>'); // a test run per Express major appears once
      if (outcome === 'pass' && note !== undefined) {
        result = note.kind === 'partial' ? 'pass, partly' : 'pass; deviates';
        detail = `${escapeCell(note.note)}<br>${detail}`;
      }
      if (outcome === 'pass') totals.pass++;
      else if (outcome === 'FAIL') totals.fail++;
      else totals.open++;
      if (outcome === 'pass' && note?.kind === 'partial') totals.partial++;
    } else if (note?.kind === 'deviation') {
      result = 'deviates';
      detail = escapeCell(note.note);
      totals.deviation++;
    } else if (reason !== undefined) {
      result = 'not applicable';
      detail = escapeCell(reason);
      totals.na++;
    } else {
      result = '**not covered**';
      detail = '';
      totals.open++;
    }
    sections.push(`| ${row.id} | ${escapeCell(row.must)} | ${result} | ${detail} |`);
  }

  // The JWT attack matrix: attack × token type.
  const attackCells = new Map<string, TestOutcome[]>();
  for (const test of sorted) {
    const match = /^(ATK-\d+) \(([^)]+)\): /.exec(test.name);
    if (match) attackCells.set(`${match[1]} ${match[2]}`, [...(attackCells.get(`${match[1]} ${match[2]}`) ?? []), test]);
  }
  const attackTotals = { tested: 0, pass: 0, na: 0, open: 0 };
  const attackRows: string[] = [`| Attack | ${TOKEN_TYPES.join(' | ')} |`, `|---|${TOKEN_TYPES.map(() => '---').join('|')}|`];
  const attackReasons: string[] = [];
  for (const attack of JWT_ATTACKS) {
    const cells = TOKEN_TYPES.map((type) => {
      const outcome = verdict(attackCells.get(`${attack.id} ${type}`) ?? []);
      if (outcome !== undefined) {
        attackTotals.tested++;
        if (outcome === 'pass') attackTotals.pass++;
        return outcome;
      }
      const reason = attack.notApplicable?.[type];
      if (reason !== undefined) {
        attackTotals.na++;
        attackReasons.push(`- **${attack.id} (${type})**: ${escapeCell(reason)}`);
        return 'n/a';
      }
      attackTotals.open++;
      return '**not covered**';
    });
    attackRows.push(`| ${attack.id} ${escapeCell(attack.title)} | ${cells.join(' | ')} |`);
  }

  // The fault-injection matrix: fault × endpoint.
  const faultCells = new Map<string, TestOutcome[]>();
  for (const test of sorted) {
    const match = /^(FLT-\d+) \((.*?)\): /.exec(test.name);
    if (match) faultCells.set(`${match[1]} (${match[2]})`, [...(faultCells.get(`${match[1]} (${match[2]})`) ?? []), test]);
  }
  const faultTotals = { tested: 0, pass: 0, na: 0, open: 0 };
  const faultRows: string[] = [`| Fault | ${FAULT_ENDPOINTS.join(' | ')} |`, `|---|${FAULT_ENDPOINTS.map(() => '---').join('|')}|`];
  const faultReasons: string[] = [];
  for (const fault of FAULTS) {
    const cells = FAULT_ENDPOINTS.map((endpoint) => {
      const key = `${fault.id} (${endpoint})`;
      const outcome = verdict(faultCells.get(key) ?? []);
      if (outcome !== undefined) {
        faultTotals.tested++;
        if (outcome === 'pass') faultTotals.pass++;
        return outcome === 'pass' ? 'pass' : outcome;
      }
      const reason = FAULT_NOT_APPLICABLE[key];
      if (reason !== undefined) {
        faultTotals.na++;
        faultReasons.push(`- **${key}**: ${escapeCell(reason)}`);
        return 'n/a';
      }
      faultTotals.open++;
      return '**not covered**';
    });
    faultRows.push(`| ${fault.id} ${escapeCell(fault.title)} | ${cells.join(' | ')} |`);
  }
  const faultTests = sorted.filter((t) => t.name.startsWith('FLT-'));

  out.push('# Conformance report');
  out.push('');
  out.push('Generated from the outcomes of `npm test` by `npm run conformance` (test/conformance/write-report.ts); do not edit by hand.');
  out.push('`npm test` fails when this file does not match the run. Rows come from the conformance checklist');
  out.push('(OpenID Foundation RP certification profiles, RFC 9700, RFC 6750, RFC 9068, RFC 7662, Back-Channel and');
  out.push('RP-Initiated Logout, Discovery, Dynamic Registration, OIDC Core ID token rules), copied in test/conformance/checklist.ts,');
  out.push('and from the token rules no checklist row names (TR-*, test/conformance/token-rule-rows.ts; docs/token-rules.md explains them).');
  out.push('A row passes when every test whose name starts with its ID passed; test/conformance/ holds the suites run against the hostile provider.');
  out.push('');
  out.push('## Totals');
  out.push('');
  out.push('| | Rows / cases | Pass | Not applicable | Deliberately different | Not covered or skipped | Failing |');
  out.push('|---|---|---|---|---|---|---|');
  out.push(`| Checklist rows | ${totals.rows} | ${totals.pass} (${totals.partial} partly) | ${totals.na} | ${totals.deviation} | ${totals.open} | ${totals.fail} |`);
  out.push(`| JWT attacks × token types | ${JWT_ATTACKS.length * TOKEN_TYPES.length} | ${attackTotals.pass} | ${attackTotals.na} | | ${attackTotals.open} | ${attackTotals.tested - attackTotals.pass} |`);
  out.push(`| Faults × endpoints | ${FAULTS.length * FAULT_ENDPOINTS.length} | ${faultTotals.pass} | ${faultTotals.na} | | ${faultTotals.open} | ${faultTotals.tested - faultTotals.pass} |`);
  out.push(`| All tests of the run | ${sorted.length} | ${sorted.filter((t) => t.status === 'pass').length} | | | ${sorted.filter((t) => t.status === 'skip' || t.status === 'todo').length} | ${sorted.filter((t) => t.status === 'fail').length} |`);
  out.push('');
  out.push('"Pass, partly": the tests pass, and the note says what the row asks beyond them (often a recommended, `[rec]`, hardening).');
  out.push('"Deliberately different": oidc-kit does otherwise on purpose, for the reason given.');
  out.push('');
  out.push('## Checklist rows');
  out.push(...sections);
  out.push('');
  out.push('## JWT attacks, per token type');
  out.push('');
  out.push('Each cell is one test in test/conformance/jwt-attacks.test.ts, named `ATK-NN (<token type>): …`: the hostile token');
  out.push('is delivered the way that token type arrives (token endpoint, back-channel logout POST, UserInfo answer, Authorization');
  out.push('header) and must be refused with the documented status, with nothing accepted and no request the attack asked for.');
  out.push('ATK-00 is the control: valid tokens of each type must be accepted, so the harness proves it can tell.');
  out.push('');
  out.push(...attackRows);
  if (attackReasons.length > 0) out.push('', 'Not applicable:', '', ...attackReasons);
  out.push('');
  out.push('## Fault injection, per endpoint');
  out.push('');
  out.push('Each cell is one test in test/conformance/faults.test.ts, named `FLT-NN (<endpoint>): …`: the fault must give the');
  out.push('documented status and code (never a 500, never an authenticated result), and the same app must recover when it passes.');
  out.push('');
  out.push(...faultRows);
  if (faultReasons.length > 0) out.push('', 'Not applicable:', '', ...faultReasons);
  if (faultTests.length > 0) out.push('', 'The tests:', '', ...new Set(faultTests.map((t) => `- ${label(t)}: ${t.status}`)));
  return `${out.join('\n')}\n`;
}

function main(): void {
  if (!existsSync(OUTCOMES_FILE)) {
    console.error(`${OUTCOMES_FILE} is missing: run npm test first (its reporter writes it).`);
    process.exit(1);
  }
  const outcomes = JSON.parse(readFileSync(OUTCOMES_FILE, 'utf8')) as TestOutcome[];
  const report = renderReport(outcomes);
  if (process.argv.includes('--check')) {
    const committed = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : '';
    if (committed !== report) {
      const a = committed.split('\n');
      const b = report.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      console.error(`${REPORT} is stale: it does not match this test run (first difference at line ${line + 1}:\n  committed: ${a[line] ?? '(end)'}\n  this run:  ${b[line] ?? '(end)'}).\nRun \`npm run conformance\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${REPORT} matches this test run.`);
    return;
  }
  writeFileSync(REPORT, report);
  console.log(`wrote ${REPORT}`);
}

if (import.meta.main) main();
