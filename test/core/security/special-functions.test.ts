import { describe, expect, it } from 'vitest';
import { logGamma, regularizedLowerGamma, regularizedUpperGamma } from '../../../src/core/security/gamma.js';
import { inverseNormalCdf, normalCdf } from '../../../src/core/security/normal.js';

// Reference values from SciPy 1.17 (scipy.special.gammaln/gammainc/gammaincc, scipy.stats.norm).
const close = (actual: number, expected: number, relative: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected) + 1e-300);
};

describe('logGamma', () => {
  it('matches known values', () => {
    close(logGamma(0.5), 0.5723649429247001, 1e-13); // ln √π
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(2)).toBeCloseTo(0, 14);
    close(logGamma(10), Math.log(362880), 1e-14);
    close(logGamma(127.5), 489.13037043064287, 1e-14);
    close(logGamma(1e6), 12815504.569147611, 1e-14);
  });
  it('refuses x ≤ 0', () => {
    expect(() => logGamma(0)).toThrow(/x > 0/);
    expect(() => logGamma(-1)).toThrow(/x > 0/);
  });
});

describe('regularised incomplete gamma', () => {
  it('has closed forms for a = 1 and a = ½', () => {
    for (const x of [0.01, 0.5, 1, 3, 20]) {
      close(regularizedLowerGamma(1, x), 1 - Math.exp(-x), 1e-13);
      close(regularizedUpperGamma(1, x), Math.exp(-x), 1e-13);
    }
    close(regularizedLowerGamma(0.5, 0.01), 0.11246291601828491, 1e-13); // erf(0.1)
  });
  it('matches SciPy on the χ² scale used by the flatness test (a = 127.5)', () => {
    close(regularizedLowerGamma(127.5, 146.6239), 0.9499998539944801, 1e-12);
    close(regularizedLowerGamma(127.5, 100), 0.004574555458048104, 1e-11);
    close(regularizedUpperGamma(127.5, 300), 7.531973752277973e-30, 1e-9);
    close(regularizedUpperGamma(3, 2.5), 0.5438131158833297, 1e-13);
    close(regularizedUpperGamma(1000, 1100), 0.0010593232539299773, 1e-9);
  });
  it('is P + Q = 1 and handles the ends', () => {
    for (const [a, x] of [
      [2, 1],
      [127.5, 127],
      [127.5, 129],
      [50, 80],
    ] as const) {
      close(regularizedLowerGamma(a, x) + regularizedUpperGamma(a, x), 1, 1e-14);
    }
    expect(regularizedLowerGamma(3, 0)).toBe(0);
    expect(regularizedUpperGamma(3, 0)).toBe(1);
    expect(regularizedUpperGamma(3, Infinity)).toBe(0);
    expect(() => regularizedLowerGamma(0, 1)).toThrow();
    expect(() => regularizedUpperGamma(1, -1)).toThrow();
  });
});

describe('normal distribution', () => {
  it('inverse CDF matches SciPy in all three AS 241 regions', () => {
    const cases: [number, number][] = [
      [1e-300, -37.0470962993612],
      [1e-15, -7.941345326170998],
      [1e-10, -6.361340902404056],
      [0.001, -3.090232306167813],
      [0.05, -1.6448536269514729],
      [0.1, -1.2815515655446004],
      [0.3, -0.5244005127080409],
      [0.7, 0.5244005127080407],
      [0.925, 1.4395314709384563],
      [0.99, 2.3263478740408408],
      [0.999999, 4.753424308817087],
    ];
    for (const [p, z] of cases) close(inverseNormalCdf(p), z, 1e-14);
    expect(inverseNormalCdf(0.5)).toBe(0);
  });
  it('CDF matches SciPy, keeping precision in the lower tail', () => {
    const cases: [number, number][] = [
      [-8, 6.22096057427174e-16],
      [-3, 0.0013498980316300933],
      [-1.5, 0.06680720126885807],
      [0.5, 0.6914624612740131],
      [2, 0.9772498680518208],
    ];
    for (const [x, p] of cases) close(normalCdf(x), p, 1e-12);
    expect(normalCdf(0)).toBe(0.5);
  });
  it('CDF and inverse round-trip', () => {
    for (const p of [1e-8, 0.01, 0.2, 0.5, 0.8, 0.99]) close(normalCdf(inverseNormalCdf(p)), p, 1e-12);
  });
  it('refuses p outside (0, 1)', () => {
    expect(() => inverseNormalCdf(0)).toThrow(/0 < p < 1/);
    expect(() => inverseNormalCdf(1)).toThrow(/0 < p < 1/);
    expect(() => inverseNormalCdf(Number.NaN)).toThrow(/0 < p < 1/);
  });
});
