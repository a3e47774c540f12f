import { describe, expect, it } from 'vitest';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { histogram256 } from '../../../src/core/security/histogram.js';

function naive(pixels: Uint8Array): number[] {
  const counts = new Array<number>(256).fill(0);
  for (const p of pixels) counts[p]! += 1;
  return counts;
}

describe('histogram256', () => {
  // Below, at and above the size where it switches to four interleaved counters, with a ragged tail.
  it.each([0, 1, 784, 2047, 2048, 4096, 4099, 65537])('counts every level exactly for %i pixels', (n) => {
    const prng = createPrng(n + 1);
    const pixels = Uint8Array.from({ length: n }, () => prng.nextUint32() & 255);
    expect([...histogram256(pixels)]).toEqual(naive(pixels));
  });

  it('counts runs of one level (all four lanes hit the same counter) and reuses the buffer it is given', () => {
    const counts = new Uint32Array(256);
    const flat = new Uint8Array(5000).fill(7);
    expect(histogram256(flat, counts)).toBe(counts);
    expect(counts[7]).toBe(5000);
    histogram256(new Uint8Array(3000).fill(200), counts);
    expect([counts[7], counts[200]]).toEqual([0, 3000]);
  });

  it('refuses a buffer of the wrong length', () => {
    expect(() => histogram256(new Uint8Array(4), new Uint32Array(255))).toThrow(/256 entries/);
  });
});
