import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPrng } from '../../../src/core/datasets/prng.js';
import {
  adjacentCorrelation,
  adjacentCorrelations,
  sampledAdjacentCorrelations,
} from '../../../src/core/security/correlation.js';

function checkerboard(size: number): Uint8Array {
  const pixels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) pixels[y * size + x] = (x + y) % 2 ? 255 : 0;
  return pixels;
}

function noise(size: number, seed: number): Uint8Array {
  const prng = createPrng(seed);
  return Uint8Array.from({ length: size * size }, () => prng.nextUint32() & 255);
}

/** Textbook two-pass Pearson r over explicitly listed pairs: the reference for the one-pass kernel. */
function naiveCorrelation(pixels: Uint8Array, size: number, down: number, right: number): number | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y + down < size; y++) {
    for (let x = 0; x + right < size; x++) {
      xs.push(pixels[y * size + x]!);
      ys.push(pixels[(y + down) * size + x + right]!);
    }
  }
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  });
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

describe('adjacent-pixel correlation over all pairs', () => {
  it('equals the textbook two-pass computation on random images of any size', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 24 })
          .chain((size) =>
            fc.tuple(fc.constant(size), fc.uint8Array({ minLength: size * size, maxLength: size * size })),
          ),
        ([size, pixels]) => {
          const fused = adjacentCorrelations(pixels, size);
          const expected = {
            horizontal: naiveCorrelation(pixels, size, 0, 1),
            vertical: naiveCorrelation(pixels, size, 1, 0),
            diagonal: naiveCorrelation(pixels, size, 1, 1),
          };
          for (const direction of ['horizontal', 'vertical', 'diagonal'] as const) {
            if (expected[direction] === null) expect(fused[direction]).toBeNull();
            else expect(fused[direction]!).toBeCloseTo(expected[direction]!, 9);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("gives a checkerboard's H = V = −1 and D = +1", () => {
    for (const size of [4, 8, 28, 64]) {
      const r = adjacentCorrelations(checkerboard(size), size);
      expect(r.horizontal).toBeCloseTo(-1, 12);
      expect(r.vertical).toBeCloseTo(-1, 12);
      expect(r.diagonal).toBeCloseTo(1, 12);
    }
  });
  it('is undefined on the 2×2 diagonal, which has a single pair', () => {
    expect(adjacentCorrelation(checkerboard(2), 2, 'diagonal')).toBeNull();
  });
  it('is +1 along a ramp and undefined (null) for a constant image', () => {
    const size = 16;
    const ramp = Uint8Array.from({ length: size * size }, (_, i) => (i % size) * 10 + Math.floor(i / size));
    expect(adjacentCorrelation(ramp, size, 'horizontal')).toBeCloseTo(1, 12);
    expect(adjacentCorrelations(new Uint8Array(size * size).fill(9), size)).toEqual({
      horizontal: null,
      vertical: null,
      diagonal: null,
    });
  });
  it('matches a hand computation on a 3×3 image', () => {
    // Horizontal pairs: (1,2) (2,3) (4,5) (5,6) (7,8) (8,9): x = 1 2 4 5 7 8, y = x + 1 → r = 1.
    // Vertical pairs: (1,4) (2,5) (3,6) (4,7) (5,8) (6,9): y = x + 3 → r = 1.
    const image = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(adjacentCorrelation(image, 3, 'horizontal')).toBeCloseTo(1, 12);
    // Flip the middle row: horizontal x = 1 2 6 5 7 8, y = 2 3 5 4 8 9.
    const flipped = Uint8Array.from([1, 2, 3, 6, 5, 4, 7, 8, 9]);
    const x = [1, 2, 6, 5, 7, 8];
    const y = [2, 3, 5, 4, 8, 9];
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    const mx = mean(x);
    const my = mean(y);
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < x.length; i++) {
      sxy += (x[i]! - mx) * (y[i]! - my);
      sxx += (x[i]! - mx) ** 2;
      syy += (y[i]! - my) ** 2;
    }
    expect(adjacentCorrelation(flipped, 3, 'horizontal')).toBeCloseTo(sxy / Math.sqrt(sxx * syy), 12);
  });
  it('is near 0 for noise', () => {
    const r = adjacentCorrelations(noise(256, 3), 256);
    for (const value of Object.values(r)) expect(Math.abs(value!)).toBeLessThan(3 / 255);
  });
  it('refuses an image whose length does not match its size', () => {
    expect(() => adjacentCorrelation(new Uint8Array(10), 3, 'horizontal')).toThrow(/needs 9/);
  });
});

describe('adjacent-pixel correlation over random pairs', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const image = noise(64, 11);
    const a = sampledAdjacentCorrelations(image, 64, { pairs: 1000, seed: 5 });
    const b = sampledAdjacentCorrelations(image, 64, { pairs: 1000, seed: 5 });
    const c = sampledAdjacentCorrelations(image, 64, { pairs: 1000, seed: 6 });
    expect(a).toEqual(b);
    expect(a.horizontal.coefficient).not.toBe(c.horizontal.coefficient);
    expect(a.horizontal.pairs).toBe(1000);
    expect(a.horizontal.exhaustive).toBe(false);
  });
  it('keeps at most maxSamples scatter points, each a real (pixel, neighbour) pair', () => {
    const size = 32;
    const image = Uint8Array.from({ length: size * size }, (_, i) => (i % size) * 8);
    const result = sampledAdjacentCorrelations(image, size, { pairs: 500, maxSamples: 40 });
    expect(result.horizontal.samples.x).toHaveLength(40);
    // In this image every horizontal neighbour is 8 brighter, every vertical one equal.
    result.horizontal.samples.x.forEach((x, i) => expect(result.horizontal.samples.y[i]).toBe(x + 8));
    result.vertical.samples.x.forEach((x, i) => expect(result.vertical.samples.y[i]).toBe(x));
    expect(result.horizontal.coefficient).toBeCloseTo(1, 12);
    expect(sampledAdjacentCorrelations(image, size, { maxSamples: 0 }).diagonal.samples.x).toHaveLength(0);
  });
  it('uses every pair when the image has fewer than requested, matching the all-pairs value', () => {
    const image = noise(28, 2);
    const sampled = sampledAdjacentCorrelations(image, 28, { pairs: 3000 });
    expect(sampled.horizontal).toMatchObject({ pairs: 28 * 27, exhaustive: true });
    expect(sampled.diagonal.pairs).toBe(27 * 27);
    expect(sampled.horizontal.coefficient).toBeCloseTo(adjacentCorrelation(image, 28, 'horizontal')!, 12);
  });
  it('draws distinct pairs: sampling all but one pair nearly reproduces the all-pairs value', () => {
    const size = 20;
    const image = noise(size, 4);
    const available = size * (size - 1);
    const sampled = sampledAdjacentCorrelations(image, size, { pairs: available - 1 });
    expect(sampled.horizontal.exhaustive).toBe(false);
    expect(sampled.horizontal.coefficient!).toBeCloseTo(adjacentCorrelation(image, size, 'horizontal')!, 1);
  });
  it('refuses bad options', () => {
    const image = noise(8, 1);
    expect(() => sampledAdjacentCorrelations(image, 8, { pairs: 1 })).toThrow(/pairs/);
    expect(() => sampledAdjacentCorrelations(image, 8, { seed: -1 })).toThrow(/seed/);
    expect(() => sampledAdjacentCorrelations(image, 8, { maxSamples: 1.5 })).toThrow(/scatter/);
  });
});
