/**
 * Why a bearer token is refused: a short stable `reason` and a message safe to show. The token
 * validator turns it into an RFC 6750 `invalid_token` error with its challenge.
 *
 * @example
 * ```ts
 * throw new TokenRejection('exp', 'The access token has expired.');
 * ```
 */
export class TokenRejection extends Error {
  override readonly name = 'TokenRejection';
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}
