/**
 * The candidate nearest to a mistyped name (case-insensitive edit distance), for "did you mean" in
 * error messages; undefined when none is close: within `minTolerance` edits, or a third of the word's length
 * when that is more. Pure.
 */
export function closestName(word: string, candidates: readonly string[], minTolerance: number): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  const best = candidates
    .map((c) => [c, dist(word.toLowerCase(), c.toLowerCase())] as const)
    .sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= Math.max(minTolerance, Math.floor(word.length / 3)) ? best[0] : undefined;
}
