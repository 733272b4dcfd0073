/**
 * What the profile page shows once after one of its buttons (redirect-after-POST): the button's
 * POST does the work, keeps what to show under a random id, and redirects to `/profile?note=<id>`,
 * so that reloading the page shows it again instead of posting again. Kept in this process only,
 * for a minute, at most {@link MAX_NOTES} at a time, and shown only to the user who pressed the button.
 */
import { randomBytes } from 'node:crypto';
import type { ApiResult } from './pages.ts';

/** What a button left for the page: the API's answer, or what a refresh changed. */
export type PageNote =
  | { readonly kind: 'api'; readonly result: ApiResult }
  | { readonly kind: 'refreshed'; readonly before: string | undefined; readonly after: string | undefined; readonly expiresAt: Date | undefined };

/** The most notes kept at once; the oldest goes first. */
const MAX_NOTES = 1000;
/** How long a note can be shown (ms). */
const NOTE_TTL_MS = 60_000;

/**
 * The notes of the profile page's buttons.
 *
 * @example
 * ```ts
 * const id = notes.put('alice', { kind: 'api', result });
 * notes.get(id, 'alice'); // the note, for a minute
 * ```
 */
export class PageNotes {
  readonly #notes = new Map<string, { readonly note: PageNote; readonly owner: string; readonly until: number }>();

  /** Keeps `note` for the user `owner` (their `sub`) and returns its id. */
  put(owner: string, note: PageNote): string {
    const now = Date.now();
    for (const [id, entry] of this.#notes) {
      if (entry.until > now && this.#notes.size < MAX_NOTES) break;
      this.#notes.delete(id); // the oldest first: expired, or past the bound
    }
    const id = randomBytes(16).toString('base64url');
    this.#notes.set(id, { note, owner, until: now + NOTE_TTL_MS });
    return id;
  }

  /** The note `id` if it is still there and belongs to `owner`. */
  get(id: string | null | undefined, owner: string): PageNote | undefined {
    if (id === null || id === undefined) return undefined;
    const entry = this.#notes.get(id);
    return entry !== undefined && entry.owner === owner && entry.until > Date.now() ? entry.note : undefined;
  }
}
