// What the JWT attack matrix's harnesses share (jwt-attacks.test.ts, refresh-harness.ts): a
// harness per token type presents each variant of an attack to the library and checks the outcome.
import type { AttackContext, AttackToken, JwtAttack } from './jwt-attacks.ts';

/** A small HTTP server that records every request (the attacker's, or an issuer-side JWKS mirror). */
export interface Recorder {
  url: string;
  requests: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

/** One configuration of a verifier to run the attacks against. */
export interface Target {
  /** Shown in failure messages. */
  name: string;
  ctx: AttackContext;
  expectRefused(variant: AttackToken): Promise<void>;
  expectAccepted(variant: AttackToken): Promise<void>;
  /** Checks made over all the variants of one attack (e.g. the JWKS refetch bound). */
  finish(): void;
}

export interface Harness {
  setUp(attacker: Recorder): Promise<void>;
  tearDown(): Promise<void>;
  /** Puts the shared state back before each test (e.g. the hostile provider's hooks and keys). */
  reset?(): void;
  /**
   * The verifiers of this token type, with contexts built from the current state (called per test).
   * `attack` is the attack about to run, for harnesses that build it again per variant.
   */
  targets(attack: JwtAttack): Promise<readonly Target[]>;
}

/**
 * For harnesses whose valid tokens depend on the login under way (its nonce, its claims): builds
 * `attack` again for each login and hands out its variants in the order runAttack presents them,
 * each made again at the same position (labels may hold random parts: kids, sizes). Throws when a
 * build makes another number of variants than the first.
 *
 * @example
 * ```ts
 * const next = variantsPerLogin(attack, ctx);
 * const { token } = await next(); // after the login has set what ctx.claims() reads
 * ```
 */
export function variantsPerLogin(attack: JwtAttack, ctx: AttackContext): () => Promise<AttackToken> {
  let position = 0;
  let count: number | undefined;
  return async () => {
    const again = await attack.build(ctx);
    count ??= again.length;
    const variant = again[position++];
    if (variant === undefined || again.length !== count) throw new Error(`${attack.id} built ${again.length} variants for this login, not ${count}`);
    return variant;
  };
}
