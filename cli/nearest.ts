/**
 * "did you mean": the valid word closest to a mistyped one, by Damerau-Levenshtein distance (a
 * swapped pair of letters is one edit, so `retian` finds `retain`), within a third of the word;
 * a word that one of them begins (or that begins with one: `warning` for `warn`) counts as one and
 * a half edits, so a true one-edit match wins (`prox` is `proxy`, not `proxies`).
 */

/** The candidate closest to `word`, if one is near enough to be what was meant. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const typed = word.toLowerCase();
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const d = Math.min(distance(typed, c), prefixOfEachOther(typed, c) ? 1.5 : Infinity);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean X?)`, or nothing when no candidate is near. */
export function didYouMean(word: string, candidates: readonly string[], format: (c: string) => string = (c) => c): string {
  const near = nearest(word, candidates);
  return near === undefined ? '' : ` (did you mean ${format(near)}?)`;
}

function prefixOfEachOther(a: string, b: string): boolean {
  return Math.min(a.length, b.length) >= 3 && (a.startsWith(b) || b.startsWith(a));
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
