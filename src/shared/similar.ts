/**
 * @module "Did you mean": the known words an unknown word is probably a slip for, shared by the
 * natural-language parser (src/intent) and selector errors (src/fleet/selector-hints.ts). Typos
 * (one or two edits, swapped letters), singular/plural, abbreviations (a prefix or the consonants
 * of a name) and one part of a hyphenated name all count. The result is only ever offered as a
 * question or a hint, never applied.
 */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

function singular(w: string): string {
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('es') && /(?:ch|sh|x|s)es$/.test(w)) return w.slice(0, -2);
  return w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w;
}

/** Allowed typo distance for a word of this length. */
function budget(len: number): number {
  if (len <= 3) return 0;
  if (len <= 5) return 1;
  return 2;
}

/**
 * How close `word` is to `known` (lower is closer), or undefined when it is not a plausible slip.
 * With `typosOnly`, abbreviations and name parts do not count (for verbs: "roll" is not "rollout").
 */
function closeness(word: string, known: string, typosOnly = false): number | undefined {
  const w = word.toLowerCase();
  const k = known.toLowerCase();
  if (w === k) return undefined;
  if (singular(w) === k || singular(k) === w || singular(w) === singular(k)) return 0.5;
  const d = editDistance(w, k);
  if (d <= budget(w.length) && k.length >= 3) return d;
  if (typosOnly) return undefined;
  if (w.length >= 3 && k.startsWith(w)) return 2.5;
  if (k.split(/[-_.]/).length > 1 && k.split(/[-_.]/).includes(w) && w.length >= 2) return 2.5;
  if (w.length >= 3 && w[0] === k[0] && isSubsequence(w, k)) return 3;
  return undefined;
}

/** The closest known words to `word`, best first (at most `max`, ties kept together). */
export function suggest(word: string, known: Iterable<string>, max = 5, typosOnly = false): string[] {
  const scored: Array<[string, number]> = [];
  const seen = new Set<string>();
  for (const k of known) {
    if (seen.has(k)) continue;
    seen.add(k);
    const s = closeness(word, k, typosOnly);
    if (s !== undefined) scored.push([k, s]);
  }
  scored.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1));
  if (scored.length === 0) return [];
  const best = scored[0]![1];
  return scored
    .filter(([, s]) => s <= best + 0.5)
    .slice(0, max)
    .map(([k]) => k);
}
