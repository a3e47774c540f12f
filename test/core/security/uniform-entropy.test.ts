import { describe, expect, it } from 'vitest';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { shannonEntropy } from '../../../src/core/security/entropy.js';
import { expectedUniformEntropy } from '../../../src/core/security/uniform-entropy.js';

describe('expected sample entropy of uniform noise', () => {
  it('matches the binomial sum computed independently (Python, math.lgamma) to 1e−9', () => {
    expect(expectedUniformEntropy(64)).toBeCloseTo(5.765716928946658, 9);
    expect(expectedUniformEntropy(784)).toBeCloseTo(7.743676462387326, 9);
    expect(expectedUniformEntropy(4096)).toBeCloseTo(7.954588733848124, 9);
    expect(expectedUniformEntropy(65536)).toBeCloseTo(7.9971914013006415, 9);
  });
  it('agrees with the rounded literature values (≈7.75 at 28×28, ≈7.954 at 64×64)', () => {
    // REFERENCES.md quotes ≈7.747 at 784 pixels; the exact expectation is 7.7437 (also what a 100,000-image
    // Monte Carlo run gives), so the quoted figure is good to about 0.003 bits.
    expect(Math.abs(expectedUniformEntropy(784) - 7.747)).toBeLessThan(0.005);
    expect(Math.abs(expectedUniformEntropy(4096) - 7.954)).toBeLessThan(0.001);
  });
  it('agrees with the mean entropy of simulated noise images', () => {
    const prng = createPrng(7);
    const image = new Uint8Array(784);
    const trials = 2000;
    let sum = 0;
    for (let t = 0; t < trials; t++) {
      for (let i = 0; i < image.length; i++) image[i] = prng.nextUint32() & 255;
      sum += shannonEntropy(image);
    }
    // Standard deviation of one image's entropy at 784 px is ≈ 0.023, so the mean's standard error is ≈ 0.0005.
    expect(Math.abs(sum / trials - expectedUniformEntropy(784))).toBeLessThan(0.002);
  });
  it('approaches 8 bits and is bounded by log2(n) for small n', () => {
    expect(expectedUniformEntropy(1)).toBe(0);
    expect(expectedUniformEntropy(2)).toBeCloseTo((255 / 256) * 1, 12);
    expect(expectedUniformEntropy(256 * 256 * 16)).toBeGreaterThan(7.999);
    expect(expectedUniformEntropy(256 * 256 * 16)).toBeLessThan(8);
  });
  it('refuses non-positive pixel counts', () => {
    expect(() => expectedUniformEntropy(0)).toThrow(/positive/);
    expect(() => expectedUniformEntropy(2.5)).toThrow(/positive/);
  });
});
