// "Did you mean …?" suggestions for misspelt names: the closest candidate by edit distance.

/**
 * Edit distance between two strings: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each count 1 (optimal string alignment, so "tga" is 1 from "tag").
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let beforePrevious = new Int32Array(b.length + 1);
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cb = b.charCodeAt(j - 1);
      let best = Math.min((previous[j - 1] as number) + (ca === cb ? 0 : 1), (previous[j] as number) + 1, (current[j - 1] as number) + 1);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) best = Math.min(best, (beforePrevious[j - 2] as number) + 1);
      current[j] = best;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length] as number;
}

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a plausible typo
 * (at most about a third of the longer name changed; a case-only difference always counts).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = candidate.toLowerCase() === lower ? 0.5 : editDistance(lower, candidate.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(word.length, candidate.length) / 3));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `did you mean "x"?` for the closest candidate, or undefined. */
export function didYouMeanHint(word: string, candidates: Iterable<string>): string | undefined {
  const suggestion = didYouMean(word, candidates);
  return suggestion === undefined ? undefined : `did you mean "${suggestion}"?`;
}

/**
 * The few candidates nearest to `word`, best first: those containing it (or contained in it) by
 * how little they add, then the rest by edit distance; for "no such name" messages listing a handful, not every name.
 */
export function nearestNames(word: string, candidates: Iterable<string>, count = 3): string[] {
  const lower = word.toLowerCase();
  const scored = [...new Set(candidates)].map((candidate) => {
    const c = candidate.toLowerCase();
    const contains = c.includes(lower) || lower.includes(c);
    return { candidate, score: contains ? Math.abs(c.length - lower.length) / 100 : 1 + editDistance(lower, c) };
  });
  const limit = Math.max(2, Math.ceil(word.length / 2));
  return scored
    .filter((s) => s.score < 1 || s.score - 1 <= limit)
    .sort((a, b) => a.score - b.score || (a.candidate < b.candidate ? -1 : 1))
    .slice(0, count)
    .map((s) => s.candidate);
}
