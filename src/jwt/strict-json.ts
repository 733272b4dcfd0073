/** Why a JSON text was refused; each is a stable reason code that reaches logs and error answers. */
export type StrictJsonReason = 'malformed' | 'encoding' | 'duplicate_member' | 'json_depth' | 'json_number';

/**
 * A JSON text that {@link parseStrictJson} refused, with the stable reason: not JSON at all
 * (`malformed`), a byte-order mark or a lone surrogate (`encoding`), a member name used twice in
 * one object (`duplicate_member`), nesting deeper than allowed (`json_depth`), or a number that is
 * not finite in binary64 (`json_number`).
 *
 * @example
 * ```ts
 * try { parseStrictJson('{"a":1,"a":2}'); } catch (error) { (error as StrictJsonError).reason; } // 'duplicate_member'
 * ```
 */
export class StrictJsonError extends Error {
  override readonly name = 'StrictJsonError';
  readonly reason: StrictJsonReason;

  constructor(reason: StrictJsonReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** How deep objects and arrays may nest: far beyond any claim set (Keycloak's `resource_access.x.roles` is 3). */
export const MAX_JSON_DEPTH = 32;

/**
 * Parses JSON as I-JSON (RFC 7493) requires and as the JWT specifications ask of a verifier:
 * refuses duplicate member names at any depth (RFC 7515 §4, RFC 7519 §4, RFC 7493 §2.3) instead of
 * keeping the last one as `JSON.parse` does, numbers that overflow binary64 (`1e400`, RFC 7493
 * §2.2), lone surrogates in strings (RFC 7493 §2.1), a leading byte-order mark (RFC 8259 §8.1) and
 * nesting deeper than `maxDepth` (RFC 8259 §9 lets a parser limit it). The text is checked by one
 * linear, iterative pass — no recursion, so no stack overflow whatever the input — and only then
 * handed to `JSON.parse`, which therefore sees exactly the values this pass accepted.
 *
 * @example
 * ```ts
 * parseStrictJson('{"sub":"alice","exp":1700000000}'); // { sub: 'alice', exp: 1700000000 }
 * parseStrictJson('{"sub":"admin","sub":"alice"}');   // throws StrictJsonError (duplicate_member)
 * ```
 */
export function parseStrictJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  new Scanner(text, maxDepth).document();
  return JSON.parse(text) as unknown;
}

/** The member names seen so far in each open object (undefined for an open array). */
type Frame = Set<string> | undefined;

class Scanner {
  #at = 0;
  readonly #text: string;
  readonly #maxDepth: number;

  constructor(text: string, maxDepth: number) {
    this.#text = text;
    this.#maxDepth = maxDepth;
  }

  document(): void {
    if (this.#text.charCodeAt(0) === 0xfeff) throw new StrictJsonError('encoding', 'JSON text starts with a byte-order mark.');
    const stack: Frame[] = [];
    this.#space();
    // Each turn reads one value, then closes every container that ends after it.
    for (;;) {
      const frame = stack.at(-1);
      if (frame !== undefined) {
        // Inside an object a value is preceded by its member name.
        const name = this.#string();
        if (frame.has(name)) throw new StrictJsonError('duplicate_member', `JSON member "${name.slice(0, 64)}" appears twice in one object.`);
        frame.add(name);
        this.#space();
        this.#expect(':');
        this.#space();
      }
      const opened = this.#value(stack);
      this.#space();
      if (opened) continue;
      for (;;) {
        if (stack.length === 0) {
          if (this.#at !== this.#text.length) this.#fail('text after the JSON value');
          return;
        }
        const closer = stack.at(-1) === undefined ? ']' : '}';
        const next = this.#text[this.#at];
        if (next === ',') {
          this.#at += 1;
          this.#space();
          break;
        }
        if (next !== closer) this.#fail(`expected , or ${closer}`);
        this.#at += 1;
        stack.pop();
        this.#space();
      }
    }
  }

  /** Reads a scalar, or opens a container (true when one was opened and is not empty). */
  #value(stack: Frame[]): boolean {
    const c = this.#text[this.#at];
    if (c === '{' || c === '[') {
      if (stack.length >= this.#maxDepth) throw new StrictJsonError('json_depth', `JSON nests deeper than ${this.#maxDepth} levels.`);
      this.#at += 1;
      this.#space();
      if (this.#text[this.#at] === (c === '{' ? '}' : ']')) {
        this.#at += 1;
        return false;
      }
      stack.push(c === '{' ? new Set() : undefined);
      return true;
    }
    if (c === '"') this.#string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.#number();
    else if (this.#text.startsWith('true', this.#at)) this.#at += 4;
    else if (this.#text.startsWith('false', this.#at)) this.#at += 5;
    else if (this.#text.startsWith('null', this.#at)) this.#at += 4;
    else this.#fail('expected a value');
    return false;
  }

  /** Reads a string and returns its value (decoded only when it holds escapes, which is rare). */
  #string(): string {
    this.#expect('"');
    const start = this.#at;
    let escaped = false;
    for (;;) {
      const code = this.#text.charCodeAt(this.#at);
      if (Number.isNaN(code)) this.#fail('unterminated string');
      if (code === 0x22) break;
      if (code < 0x20) this.#fail('control character in a string');
      if (code === 0x5c) {
        escaped = true;
        this.#escape();
        continue;
      }
      // A raw surrogate must be a high one followed by a low one.
      if (code >= 0xd800 && code <= 0xdfff) {
        const low = this.#text.charCodeAt(this.#at + 1);
        if (code > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) throw new StrictJsonError('encoding', 'JSON string holds a lone surrogate.');
        this.#at += 2;
        continue;
      }
      this.#at += 1;
    }
    const raw = this.#text.slice(start, this.#at);
    this.#at += 1;
    return escaped ? JSON.parse(`"${raw}"`) as string : raw;
  }

  /** One escape sequence; a `\u` surrogate must pair up as raw ones must. */
  #escape(): void {
    const kind = this.#text[this.#at + 1];
    if (kind !== undefined && '"\\/bfnrt'.includes(kind)) {
      this.#at += 2;
      return;
    }
    if (kind !== 'u') this.#fail('bad escape');
    const unit = this.#hex(this.#at + 2);
    this.#at += 6;
    if (unit >= 0xdc00 && unit <= 0xdfff) throw new StrictJsonError('encoding', 'JSON string holds a lone surrogate.');
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = this.#text.startsWith('\\u', this.#at) ? this.#hex(this.#at + 2) : -1;
      if (!(low >= 0xdc00 && low <= 0xdfff)) throw new StrictJsonError('encoding', 'JSON string holds a lone surrogate.');
      this.#at += 6;
    }
  }

  #hex(at: number): number {
    const digits = this.#text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.#fail('bad \\u escape');
    return Number.parseInt(digits, 16);
  }

  /** RFC 8259 §6 number grammar; the value must be finite in binary64 (RFC 7493 §2.2). */
  #number(): void {
    NUMBER.lastIndex = this.#at;
    const match = NUMBER.exec(this.#text);
    if (match === null) this.#fail('bad number');
    if (!Number.isFinite(Number(match[0]))) throw new StrictJsonError('json_number', `JSON number ${match[0].slice(0, 32)} is not finite.`);
    this.#at += match[0].length;
  }

  #space(): void {
    for (;;) {
      const c = this.#text.charCodeAt(this.#at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.#at += 1;
    }
  }

  #expect(c: string): void {
    if (this.#text[this.#at] !== c) this.#fail(`expected ${c}`);
    this.#at += 1;
  }

  #fail(what: string): never {
    throw new StrictJsonError('malformed', `Not JSON: ${what} at position ${this.#at}.`);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
