import { describe, expect, it } from 'vitest';
import { histogramFlatnessTest } from '../../../src/core/security/chi-square.js';

describe('histogram flatness χ² test', () => {
  it('gives statistic 0 and p = 1 for a perfectly flat histogram', () => {
    const result = histogramFlatnessTest(new Uint32Array(256).fill(16));
    expect(result).toEqual({ statistic: 0, degreesOfFreedom: 255, pValue: 1, alpha: 0.05, flat: true });
  });
  it('rejects a spiky histogram with p ≈ 0', () => {
    const histogram = new Uint32Array(256);
    histogram[200] = 4096;
    const result = histogramFlatnessTest(histogram);
    // All n pixels in one bin: χ² = (n − n/256)²/(n/256) + 255·n/256 = 255·n.
    expect(result.statistic).toBeCloseTo(255 * 4096, 6);
    expect(result.pValue).toBeLessThan(1e-300);
    expect(result.flat).toBe(false);
  });
  it('puts the α = 0.05 boundary at the χ²(255) critical value 293.2478', () => {
    // 200 expected per bin; moving d pixels from one bin to another gives χ² = 2d²/200 = d²/100.
    const shifted = (d: number): Uint32Array => {
      const histogram = new Uint32Array(256).fill(200);
      histogram[0] = 200 + d;
      histogram[1] = 200 - d;
      return histogram;
    };
    const below = histogramFlatnessTest(shifted(171)); // χ² = 292.41
    const above = histogramFlatnessTest(shifted(172)); // χ² = 295.84
    expect(below.statistic).toBeCloseTo(292.41, 9);
    expect(above.statistic).toBeCloseTo(295.84, 9);
    expect(below.pValue).toBeGreaterThan(0.05);
    expect(below.flat).toBe(true);
    expect(above.pValue).toBeLessThan(0.05);
    expect(above.flat).toBe(false);
  });
  it('refuses an empty histogram and a bad alpha', () => {
    expect(() => histogramFlatnessTest(new Uint32Array(256))).toThrow(/non-empty/);
    expect(() => histogramFlatnessTest(new Uint32Array(256).fill(1), 0)).toThrow(/alpha/);
  });
});
