import { describe, expect, it } from 'vitest';
import { TopKSelector } from '../../../src/core/retrieval/top-k.js';
import { randomVectors } from './random-vectors.js';

function reference(scores: Float32Array, k: number, skip: number): number[] {
  return [...scores.keys()]
    .filter((i) => i !== skip)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

describe('TopKSelector', () => {
  it('selects the same items, in the same order, as a stable descending sort', () => {
    const scores = randomVectors(2000, 1, 3);
    // Ties, including ties across the selection boundary.
    for (let i = 0; i < 2000; i += 13) scores[i] = scores[(i * 7) % 2000]!;
    const selector = new TopKSelector(100);
    const indices = new Int32Array(100);
    const values = new Float32Array(100);
    for (const [k, skip] of [
      [1, -1],
      [10, 5],
      [100, -1],
    ] as const) {
      const count = selector.select(scores, k, indices, values, skip);
      expect(count).toBe(k);
      const expected = reference(scores, k, skip);
      expect([...indices.subarray(0, k)]).toEqual(expected);
      expect([...values.subarray(0, k)]).toEqual(expected.map((i) => scores[i]!));
    }
  });

  it('keeps the earlier index among equal scores and handles rows shorter than k', () => {
    const selector = new TopKSelector(5);
    const indices = new Int32Array(5);
    const values = new Float32Array(5);
    expect(selector.select(Float32Array.of(1, 3, 3, 2, 3), 2, indices, values)).toBe(2);
    expect([...indices.subarray(0, 2)]).toEqual([1, 2]);
    expect(selector.select(Float32Array.of(0.5, 0.7), 5, indices, values, 1)).toBe(1);
    expect(indices[0]).toBe(0);
    expect(() => selector.select(Float32Array.of(1), 6, indices, values)).toThrow(RangeError);
  });
});
