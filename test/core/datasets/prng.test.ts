import { describe, expect, it } from 'vitest';
import { createPrng, shuffleInPlace, xoshiro128StarStar } from '../../../src/core/datasets/prng.js';

describe('xoshiro128**', () => {
  it('matches the reference C implementation from state {1, 2, 3, 4}', () => {
    // Values printed by Blackman & Vigna's xoshiro128starstar.c compiled with gcc.
    const next = xoshiro128StarStar([1, 2, 3, 4]);
    expect([next(), next(), next(), next(), next(), next()]).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ]);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const draw = (seed: number): number[] => {
      const prng = createPrng(seed);
      return Array.from({ length: 8 }, () => prng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('nextBelow stays in range and covers every value roughly evenly', () => {
    const prng = createPrng(7);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const value = prng.nextBelow(6);
      counts[value] = (counts[value] ?? 0) + 1;
    }
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    expect(() => prng.nextBelow(0)).toThrow(RangeError);
  });

  it('shuffles into a permutation', () => {
    const values = Uint32Array.from({ length: 100 }, (_, i) => i);
    shuffleInPlace(values, createPrng(1));
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...values]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
