import { describe, expect, it } from 'vitest';
import { PartialRanking } from '../../../src/core/evaluation/ranking.js';
import { randomVectors } from '../retrieval/random-vectors.js';

/** Reference order: descending score, equal scores by ascending index; `skip` left out. */
function referenceOrder(scores: Float32Array, skip: number): number[] {
  return [...scores.keys()].filter((i) => i !== skip).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

function decode(
  ranking: PartialRanking,
  count: number,
): { score: number; relevant: boolean; index: number }[] {
  return Array.from({ length: count }, (_, p) => ({
    score: ranking.scoreAt(p),
    relevant: ranking.isRelevant(p),
    index: ranking.indexAt(p),
  }));
}

describe('PartialRanking', () => {
  it('orders the head exactly like a stable descending sort, with ties, zeros and negative scores', () => {
    const n = 3000;
    const scores = randomVectors(n, 1, 5);
    for (let i = 0; i < n; i += 7) scores[i] = scores[(i * 13) % n]!;
    scores[10] = 0;
    scores[11] = -0;
    scores[12] = 0;
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 31) % 5);
    const ranking = new PartialRanking(n);
    for (const [label, skip, minimum] of [
      [0, -1, 100],
      [3, 42, 10],
      [4, 0, 3000],
    ] as const) {
      const ranked = ranking.rank(scores, labels, label, skip, minimum);
      const reference = referenceOrder(scores, skip);
      const lastRelevant = Math.max(...reference.map((i, p) => (labels[i] === label ? p : -1)));
      expect(ranked).toBeGreaterThan(lastRelevant);
      expect(ranked).toBeGreaterThanOrEqual(Math.min(minimum, n - (skip >= 0 ? 1 : 0)));
      const decoded = decode(ranking, ranked);
      decoded.forEach((entry, p) => {
        expect(entry.index).toBe(reference[p]);
        expect(entry.score).toBe(scores[reference[p]!]! + 0);
        expect(entry.relevant).toBe(labels[reference[p]!] === label);
      });
      for (let p = 1; p < ranked; p++) {
        expect(ranking.sameScore(p, p - 1)).toBe(decoded[p]!.score === decoded[p - 1]!.score);
      }
    }
  });

  it('keeps database order among equal scores, whatever their sign', () => {
    const ranking = new PartialRanking(6);
    const scores = Float32Array.of(0.5, -0.25, 0.5, -0.25, 0.5, -0.25);
    const labels = Int32Array.of(1, 0, 0, 1, 1, 0);
    expect(ranking.rank(scores, labels, 1, -1, 6)).toBe(6);
    // 0.5 at indices 0, 2, 4 (labels 1, 0, 1), then −0.25 at 1, 3, 5 (labels 0, 1, 0).
    expect([0, 1, 2, 3, 4, 5].map((p) => ranking.isRelevant(p))).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(ranking.sameScore(0, 2)).toBe(true);
    expect(ranking.sameScore(2, 3)).toBe(false);
  });

  it('ranks a row of equal scores and stops below the last relevant item', () => {
    const n = 500;
    const scores = new Float32Array(n).fill(0.75);
    scores[499] = -1;
    const labels = new Int32Array(n);
    labels[3] = 1;
    const ranking = new PartialRanking(n);
    const ranked = ranking.rank(scores, labels, 1, -1, 1);
    expect(ranked).toBe(499);
    expect(ranking.isRelevant(3)).toBe(true);
    expect(ranking.sameScore(0, 498)).toBe(true);
    expect(() => new PartialRanking(0)).toThrow(RangeError);
  });
});
