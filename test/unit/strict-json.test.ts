/**
 * The strict JSON parser every JWT's header and claims (and the provider's plain JSON answers) go
 * through: what it refuses, with which reason, and that it agrees with JSON.parse on everything it
 * accepts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH, parseStrictJson, StrictJsonError } from '../../src/jwt/strict-json.ts';

function reasonOf(text: string): string {
  try {
    parseStrictJson(text);
  } catch (error) {
    assert.ok(error instanceof StrictJsonError, `${text}: ${String(error)}`);
    return error.reason;
  }
  return 'accepted';
}

test('accepts JSON and returns what JSON.parse returns', () => {
  for (const text of [
    '{}', '[]', '{"a":1}', ' { "sub" : "alice" , "aud" : [ "x" , "y" ] , "n" : null , "t" : true , "f" : false } ',
    '{"e":"\\u00e9\\n\\"\\\\\\/\\b\\f\\r\\t","p":"\\ud83d\\ude00","raw":"😀"}', '{"n":[-0,0.5,1e3,1E-3,-12.5e+2]}',
    '"just a string"', '42', '{"a":{"a":{"a":1}},"b":{"a":2}}', '{"":1,"x":{"":2}}',
  ]) {
    assert.deepEqual(parseStrictJson(text), JSON.parse(text), text);
  }
});

test('TR-03: duplicate member names are refused at any depth, even when the duplicate is escaped differently', () => {
  assert.equal(reasonOf('{"sub":"admin","sub":"alice"}'), 'duplicate_member');
  assert.equal(reasonOf('{"a":{"x":1,"x":1}}'), 'duplicate_member');
  assert.equal(reasonOf('[{"x":1},{"x":1,"y":{"z":[{"q":1,"q":2}]}}]'), 'duplicate_member');
  assert.equal(reasonOf('{"sub":"a","\\u0073ub":"b"}'), 'duplicate_member');
  // The same name in sibling objects is fine.
  assert.equal(reasonOf('[{"x":1},{"x":2}]'), 'accepted');
});

test('TR-04: numbers that are not finite in binary64 are refused', () => {
  assert.equal(reasonOf('{"exp":1e400}'), 'json_number');
  assert.equal(reasonOf('{"exp":-1e309}'), 'json_number');
  assert.equal(reasonOf('{"exp":1e300}'), 'accepted');
});

test('TR-04: nesting deeper than the limit is refused without recursion, whatever the depth', () => {
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  assert.equal(reasonOf(nested(MAX_JSON_DEPTH)), 'accepted');
  assert.equal(reasonOf(nested(MAX_JSON_DEPTH + 1)), 'json_depth');
  assert.equal(reasonOf(`{"a":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_001)}`), 'json_depth');
});

test('TR-02: a byte-order mark and lone surrogates are refused as encoding', () => {
  assert.equal(reasonOf('\ufeff{}'), 'encoding');
  assert.equal(reasonOf('{"s":"\\ud800"}'), 'encoding');
  assert.equal(reasonOf('{"s":"\\udc00\\ud800"}'), 'encoding');
  assert.equal(reasonOf('{"s":"\\ud800\\u0041"}'), 'encoding');
  assert.equal(reasonOf('{"s":"\ud800x"}'), 'encoding');
  assert.equal(reasonOf('{"s":"\udc00"}'), 'encoding');
});

test('what is not JSON is malformed: trailing commas, comments, bare words, control characters, text after the value', () => {
  for (const text of ['', '{', '{"a":1,}', '[1,]', '{"a" 1}', '{a:1}', "{'a':1}", '{"a":01}', '{"a":.5}', '{"a":1.}', '{"a":+1}',
    '{"a":NaN}', '{"a":Infinity}', '{"a":tru}', '{"a":"x\u0001"}', '{"a":"\\x41"}', '{"a":"\\u12"}', '{} {}', '{}x', '{"a":1}/*c*/', '\u00a0{}']) {
    assert.equal(reasonOf(text), 'malformed', JSON.stringify(text));
  }
});

test('agrees with JSON.parse on random inputs: whatever it accepts parses to the same value, and it refuses all JSON.parse refuses', () => {
  const alphabet = ['{', '}', '[', ']', ':', ',', '"a"', '"b"', '1', '-2.5e1', 'true', 'null', ' ', '"\\u0041"'];
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 5000; i += 1) {
    const text = Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]).join('');
    let expected: unknown;
    try {
      expected = JSON.parse(text);
    } catch {
      assert.notEqual(reasonOf(text), 'accepted', text);
      continue;
    }
    const reason = reasonOf(text);
    if (reason === 'accepted') assert.deepEqual(parseStrictJson(text), expected, text);
    else assert.equal(reason, 'duplicate_member', text);
  }
});
