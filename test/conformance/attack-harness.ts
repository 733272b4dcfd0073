// The shapes the JWT attack matrix's harnesses share (jwt-attacks.test.ts, refresh-harness.ts): a
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
