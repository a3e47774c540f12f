import { describe, expect, it } from 'vitest';
import { comparePaired, holmSignificant, mcnemarExact } from '../../../src/core/evaluation/paired-test.js';

describe("McNemar's exact test", () => {
  it('gives the exact two-sided binomial p-value of the discordant images', () => {
    // Reference values: 2 · Σ_{k ≤ min} C(n, k) / 2ⁿ with Python's exact integers (math.comb).
    const cases: [number, number, number][] = [
      [5, 1, 0.21875],
      [10, 2, 0.03857421875],
      [120, 80, 0.0056851559967503055],
      [30, 0, 1.862645149230957e-9],
      [1500, 1400, 0.06598734966518381],
    ];
    for (const [a, b, p] of cases) {
      expect(mcnemarExact(a, b).p).toBeCloseTo(p, 12);
      expect(mcnemarExact(b, a).p).toBeCloseTo(p, 12);
      expect(mcnemarExact(a, b).p / p).toBeCloseTo(1, 9);
    }
    // Tens of thousands of discordant images stay finite and exact (log-space sum).
    expect(mcnemarExact(20500, 20100).p / 0.047679304907117255).toBeCloseTo(1, 9);
    expect(mcnemarExact(20300, 20300).p).toBe(1);
    // A tail below the smallest double is reported as the smallest positive p, never as 0.
    expect(mcnemarExact(0, 2000).p).toBe(Number.MIN_VALUE);
    expect(mcnemarExact(0, 0).p).toBe(1);
    expect(mcnemarExact(1, 0).p).toBe(1);
    expect(mcnemarExact(3, 3).p).toBe(1);
  });

  it('counts only the images the two outcomes disagree on', () => {
    const a = Uint8Array.from([1, 1, 1, 0, 0, 1, 1]);
    const b = Uint8Array.from([1, 0, 0, 0, 1, 1, 0]);
    expect(comparePaired(a, b)).toMatchObject({ onlyA: 3, onlyB: 1 });
    expect(() => comparePaired(a, b.subarray(1))).toThrow(RangeError);
  });
});

describe("Holm's correction", () => {
  it('steps down from the smallest p-value and stops at the first that fails', () => {
    // Sorted: 0.005 ≤ 0.05/4, 0.01 ≤ 0.05/3, 0.03 > 0.05/2: the last two are not significant.
    expect(holmSignificant([0.01, 0.04, 0.03, 0.005])).toEqual([true, false, false, true]);
    expect(holmSignificant([0.2, 0.3])).toEqual([false, false]);
    expect(holmSignificant([])).toEqual([]);
  });
});
