// Glob matching for model and tool policies: `*` matches any run of characters, `?` exactly one, and
// everything else only itself, without regard to case. Patterns come from the admin but the values come
// from clients (a model id is whatever the request says), so matching is done without a regular
// expression: a pattern is split at its stars once, and the pieces are found left to right, which takes
// at most value length × pattern length steps however the pattern is shaped.

/** A pattern split at its `*`s: `head*middle1*middle2*tail`; `tail` is null when there is no star. */
interface CompiledGlob {
  head: string;
  middles: string[];
  tail: string | null;
}

const COMPILED_LIMIT = 4096;
const compiled = new Map<string, CompiledGlob>();

/** Case-insensitive glob: `*` any run, `?` one char; everything else literal. Compiled once and cached. */
export function globMatch(pattern: string, value: string): boolean {
  const glob = compile(pattern);
  const text = value.toLowerCase();
  if (glob.tail === null) return text.length === glob.head.length && piecesMatchAt(glob.head, text, 0);

  const minimum = glob.head.length + glob.tail.length;
  if (text.length < minimum) return false;
  if (!piecesMatchAt(glob.head, text, 0)) return false;
  const tailStart = text.length - glob.tail.length;
  if (!piecesMatchAt(glob.tail, text, tailStart)) return false;
  // Taking each middle piece at its earliest place leaves the most room for the ones after it.
  let position = glob.head.length;
  for (const middle of glob.middles) {
    const found = findPiece(middle, text, position, tailStart);
    if (found < 0) return false;
    position = found + middle.length;
  }
  return true;
}

export function matchesAny(patterns: readonly string[] | undefined, value: string): boolean {
  return patterns?.some((pattern) => globMatch(pattern, value)) ?? false;
}

/** The first pattern that matches, for messages that name the rule. */
export function firstMatch(patterns: readonly string[] | undefined, value: string): string | null {
  return patterns?.find((pattern) => globMatch(pattern, value)) ?? null;
}

function compile(pattern: string): CompiledGlob {
  const known = compiled.get(pattern);
  if (known) return known;
  const pieces = pattern.toLowerCase().split('*');
  const glob: CompiledGlob =
    pieces.length === 1
      ? { head: pieces[0] ?? '', middles: [], tail: null }
      : {
          head: pieces[0] ?? '',
          middles: pieces.slice(1, -1).filter((piece) => piece !== ''),
          tail: pieces[pieces.length - 1] ?? '',
        };
  // Patterns come from configuration, so the cache stays small; the limit only guards against misuse.
  if (compiled.size >= COMPILED_LIMIT) compiled.clear();
  compiled.set(pattern, glob);
  return glob;
}

/** Whether `piece` (which may hold `?`) matches `text` at `start`; the caller checked the length fits. */
function piecesMatchAt(piece: string, text: string, start: number): boolean {
  for (let index = 0; index < piece.length; index += 1) {
    const expected = piece[index];
    if (expected !== '?' && expected !== text[start + index]) return false;
  }
  return true;
}

/** Earliest index ≥ from where `piece` fits entirely before `limit`, or -1. */
function findPiece(piece: string, text: string, from: number, limit: number): number {
  for (let start = from; start + piece.length <= limit; start += 1) {
    if (piecesMatchAt(piece, text, start)) return start;
  }
  return -1;
}
