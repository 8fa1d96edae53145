// Finds where the parts of a JSON document lie in its bytes, without building objects: the top-level
// members of an object, and the elements of an array. Content capture uses the ranges to store and
// hash the client's own bytes for each message, instead of re-serialising what JSON.parse built.
// Input must already be known to be valid JSON (it was parsed first).

export interface ByteRange {
  start: number;
  end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (byte: number | undefined): boolean =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

function skipSpace(bytes: Uint8Array, at: number): number {
  while (isSpace(bytes[at])) at++;
  return at;
}

/** Index just past the string starting at `at` (which holds its opening quote). */
function skipString(bytes: Uint8Array, at: number): number {
  // indexOf is native and fast; most of a request's bytes are inside strings.
  let from = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote === -1) throw new SyntaxError('unterminated string');
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Index just past the JSON value starting at `at`. */
function skipValue(bytes: Uint8Array, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return skipString(bytes, at);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = at; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === QUOTE) i = skipString(bytes, i) - 1;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new SyntaxError('unterminated container');
  }
  // number, true, false, null
  let i = at;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isSpace(byte)) break;
    i++;
  }
  return i;
}

/** Byte ranges of each member value of the top-level object, by key (keys decoded as JSON strings). */
export function objectMemberRanges(bytes: Uint8Array): Map<string, ByteRange> | null {
  const members = new Map<string, ByteRange>();
  let at = skipSpace(bytes, 0);
  if (bytes[at] !== OPEN_BRACE) return null;
  at = skipSpace(bytes, at + 1);
  if (bytes[at] === CLOSE_BRACE) return members;
  const decoder = new TextDecoder();
  for (;;) {
    if (bytes[at] !== QUOTE) return null;
    const keyEnd = skipString(bytes, at);
    const key = JSON.parse(decoder.decode(bytes.subarray(at, keyEnd))) as string;
    at = skipSpace(bytes, keyEnd);
    if (bytes[at] !== COLON) return null;
    const start = skipSpace(bytes, at + 1);
    const end = skipValue(bytes, start);
    members.set(key, { start, end }); // a repeated key: JSON.parse keeps the last, and so do we
    at = skipSpace(bytes, end);
    if (bytes[at] === CLOSE_BRACE) return members;
    if (bytes[at] !== COMMA) return null;
    at = skipSpace(bytes, at + 1);
  }
}

/** Byte ranges of each element of the array occupying `range`. */
export function arrayElementRanges(bytes: Uint8Array, range: ByteRange): ByteRange[] | null {
  const elements: ByteRange[] = [];
  let at = range.start;
  if (bytes[at] !== OPEN_BRACKET) return null;
  at = skipSpace(bytes, at + 1);
  if (bytes[at] === CLOSE_BRACKET) return elements;
  for (;;) {
    const end = skipValue(bytes, at);
    elements.push({ start: at, end });
    at = skipSpace(bytes, end);
    if (bytes[at] === CLOSE_BRACKET) return elements;
    if (bytes[at] !== COMMA) return null;
    at = skipSpace(bytes, at + 1);
  }
}
