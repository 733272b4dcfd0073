/**
 * Thrown by {@link ConcurrencyLimit.run} when the work could not start: every slot stayed busy for
 * the longest wait, or too many were already waiting.
 *
 * @example
 * ```ts
 * try { await limit.run(work); } catch (error) { if (error instanceof LimitReached) answer503(); }
 * ```
 */
export class LimitReached extends Error {
  override readonly name = 'LimitReached';
  /** `queue_full`: refused at once; `timeout`: waited `maxWaitMs` in vain. */
  readonly why: 'queue_full' | 'timeout';
  constructor(why: 'queue_full' | 'timeout') {
    super(why === 'queue_full' ? 'Too many are waiting already.' : 'No slot came free in time.');
    this.why = why;
  }
}

/** A waiter's way to be let in. */
type Waiter = () => void;

/**
 * At most `max` pieces of work at a time. Work over it waits its turn (first come, first served)
 * at most `maxWaitMs`, and at most `maxQueued` may wait: past either, {@link run} rejects with
 * {@link LimitReached} without running the work. Memory is bounded by `max + maxQueued` whatever
 * the rate of calls, which is the point: callers are outsiders (introspection of made-up tokens).
 *
 * @example
 * ```ts
 * const limit = new ConcurrencyLimit({ max: 64, maxQueued: 256, maxWaitMs: 1000 });
 * const answer = await limit.run(() => fetch(url));
 * ```
 */
export class ConcurrencyLimit {
  readonly #max: number;
  readonly #maxQueued: number;
  readonly #maxWaitMs: number;
  #running = 0;
  /** Waiters in arrival order; a waiter that timed out is removed. */
  readonly #queue = new Set<Waiter>();

  constructor(options: { max: number; maxQueued: number; maxWaitMs: number }) {
    this.#max = options.max;
    this.#maxQueued = options.maxQueued;
    this.#maxWaitMs = options.maxWaitMs;
  }

  /** How many pieces of work run now (for tests and metrics). */
  get running(): number {
    return this.#running;
  }

  /** How many wait for a slot now. */
  get waiting(): number {
    return this.#queue.size;
  }

  /** Runs `work` once a slot is free; see the class comment for when it refuses. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#max) await this.#wait();
    else this.#running++;
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  /** Waits for a slot handed over by {@link #release} (the running count is kept for the waiter). */
  #wait(): Promise<void> {
    if (this.#queue.size >= this.#maxQueued) return Promise.reject(new LimitReached('queue_full'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#queue.delete(waiter);
        reject(new LimitReached('timeout'));
      }, this.#maxWaitMs);
      this.#queue.add(waiter);
    });
  }

  #release(): void {
    const next = this.#queue.values().next();
    if (next.done === true) {
      this.#running--;
      return;
    }
    // The slot passes straight to the oldest waiter: the running count stays as it is.
    this.#queue.delete(next.value);
    next.value();
  }
}
