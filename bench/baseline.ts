/**
 * The A/B mode's other side (`BASELINE=<git ref> npm run bench`): the library's src/ as it was at
 * the ref, for the `<app>@baseline` variants of the oidc-kit apps. The app files, the provider and
 * the load stay this checkout's; only the library differs (bench/apps/library.ts loads it).
 *
 * @example
 * ```ts
 * const baseline = extractBaseline('HEAD~1', 'bench/results');
 * baselineHas(baseline, 'fastify'); // false at a commit before the Fastify adapter
 * spawn(process.execPath, [app], { env: { BENCH_LIBRARY: baseline.library } });
 * ```
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Framework } from './config.ts';
import { temporaryFiles } from './processes.ts';

/**
 * An extracted baseline: the ref as given, its commit, and the file URL of its src/ folder.
 *
 * @example
 * ```ts
 * const { ref, commit, library }: Baseline = extractBaseline('HEAD', resultsDir);
 * ```
 */
export interface Baseline { readonly ref: string; readonly commit: string; readonly library: string }

/**
 * Extracts the library's src/ at `ref` (git archive) into `<results>/baseline/<commit>/` — inside
 * the project, so that it resolves the same node_modules as the checkout — for the length of the run.
 *
 * @example
 * ```ts
 * const { commit, library } = extractBaseline('HEAD', resultsDir); // library: 'file:///…/src/'
 * ```
 */
export function extractBaseline(ref: string, results: string): Baseline {
  const cwd = join(results, '..');
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd, encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`BASELINE=${ref} is not a commit of this repository (try BASELINE=HEAD or BASELINE=HEAD~1).`);
  }
  const folder = join(results, 'baseline', commit);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', commit, 'src'], { cwd: join(cwd, '..'), maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', folder], { input: archive });
  temporaryFiles.push(folder);
  return { ref, commit, library: pathToFileURL(join(folder, 'src') + '/').href };
}

/**
 * Whether the baseline's library has the entry point of `framework`'s adapter (src/<framework>.ts):
 * a commit from before an adapter existed has no `@baseline` variant of that framework's apps.
 *
 * @example
 * ```ts
 * if (!baselineHas(baseline, 'hono')) notes.push('no baseline for the Hono apps');
 * ```
 */
export function baselineHas(baseline: Baseline, framework: Framework): boolean {
  return existsSync(join(fileURLToPath(baseline.library), `${framework}.ts`));
}
