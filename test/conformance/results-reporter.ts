// A node:test reporter that records every test's outcome for the conformance report: one JSON object
// per test (file, name, status) written to test-results/test-outcomes.json when the run ends.
// `npm test` runs it beside the usual spec reporter; `npm run conformance` turns the file into
// docs/CONFORMANCE.md (and `--check` fails when that file is stale).
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

/** One test's outcome, as recorded. */
export interface TestOutcome {
  /** The test file, relative to the repository (e.g. test/conformance/form-post.test.ts). */
  file: string;
  name: string;
  status: 'pass' | 'fail' | 'skip' | 'todo';
}

/** Where the outcomes of the last `npm test` are written. */
export const OUTCOMES_FILE = 'test-results/test-outcomes.json';

interface TestEventData {
  name: string;
  file?: string;
  skip?: boolean | string;
  todo?: boolean | string;
  details?: { type?: string };
}

/**
 * The reporter (node --test --test-reporter=./test/conformance/results-reporter.ts). It yields
 * nothing to its destination; it writes {@link OUTCOMES_FILE} at the end of the run.
 *
 * @example
 * ```sh
 * node --test --test-reporter=spec --test-reporter-destination=stdout \
 *   --test-reporter=./test/conformance/results-reporter.ts --test-reporter-destination=stdout "test/**\/*.test.ts"
 * ```
 */
export default async function* resultsReporter(source: AsyncIterable<{ type: string; data: TestEventData }>): AsyncGenerator<string> {
  const outcomes: TestOutcome[] = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.details?.type === 'suite' || data.file === undefined) continue;
    const status = data.skip ? 'skip' : data.todo ? 'todo' : event.type === 'test:pass' ? 'pass' : 'fail';
    outcomes.push({ file: relative(process.cwd(), data.file), name: data.name, status });
  }
  mkdirSync('test-results', { recursive: true });
  writeFileSync(OUTCOMES_FILE, `${JSON.stringify(outcomes, null, 1)}\n`);
  yield '';
}
