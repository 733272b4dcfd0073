/**
 * The longest cookie path that every one of `paths` path-matches (RFC 6265 §5.1.4): their common
 * leading segments. A cookie set there is sent to each of them and to as little else as possible.
 *
 * @example
 * ```ts
 * commonPath(['/app', '/app/login', '/app/logout']); // '/app'
 * commonPath(['/', '/login']);                        // '/'
 * commonPath(['/apple', '/app/login']);               // '/'
 * ```
 */
export function commonPath(paths: readonly string[]): string {
  const split = paths.map((path) => path.split('/').filter((segment) => segment !== ''));
  const first = split[0] ?? [];
  let shared = 0;
  while (shared < first.length && split.every((segments) => segments[shared] === first[shared])) shared++;
  return `/${first.slice(0, shared).join('/')}`;
}
