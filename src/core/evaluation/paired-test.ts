/**
 * McNemar's exact test for two classifiers scored on the same images: only the discordant images count (right
 * under one, wrong under the other), and under "equally accurate" each of them is a fair coin. The two-sided
 * p-value is twice the smaller binomial tail, capped at 1. Exact, so it holds for the few discordant images a
 * 0.999-accurate pair leaves, where the χ² approximation does not.
 */
export interface PairedComparison {
  /** Images right under A and wrong under B, and the reverse. */
  onlyA: number;
  onlyB: number;
  p: number;
}

/** log of Σ_{k ≤ m} C(n, k) / 2ⁿ, summed in log space so n in the tens of thousands stays finite. */
function logLowerTail(m: number, n: number): number {
  let term = -n * Math.LN2; // log C(n, 0) / 2ⁿ
  let total = term;
  for (let k = 0; k < m; k++) {
    term += Math.log(n - k) - Math.log(k + 1);
    const high = Math.max(total, term);
    total = high + Math.log(Math.exp(total - high) + Math.exp(term - high));
  }
  return total;
}

export function mcnemarExact(onlyA: number, onlyB: number): PairedComparison {
  const n = onlyA + onlyB;
  if (n === 0) return { onlyA, onlyB, p: 1 };
  // Below ~1e-308 the tail underflows to 0; the smallest double keeps "p > 0" true and prints as "< 1e-300".
  const p = Math.max(Number.MIN_VALUE, Math.min(1, 2 * Math.exp(logLowerTail(Math.min(onlyA, onlyB), n))));
  return { onlyA, onlyB, p };
}

/** McNemar on two per-image outcome vectors (1 = right), which must cover the same images in the same order. */
export function comparePaired(a: Uint8Array, b: Uint8Array): PairedComparison {
  if (a.length !== b.length)
    throw new RangeError(`paired outcomes need equal lengths, got ${a.length} and ${b.length}`);
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && !b[i]) onlyA++;
    else if (b[i] && !a[i]) onlyB++;
  }
  return mcnemarExact(onlyA, onlyB);
}

/**
 * Holm's step-down correction: which of m p-values are significant at family-wise level α. The i-th smallest is
 * compared with α / (m − i), and testing stops at the first that fails.
 */
export function holmSignificant(pValues: readonly number[], alpha = 0.05): boolean[] {
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const significant = new Array<boolean>(pValues.length).fill(false);
  for (const [rank, { p, i }] of order.entries()) {
    if (p > alpha / (pValues.length - rank)) break;
    significant[i] = true;
  }
  return significant;
}
