import { describe, expect, it } from 'vitest';
import {
  IDEAL_NPCR_PERCENT,
  IDEAL_UACI_PERCENT,
  wuCriticalValues,
  wuTest,
} from '../../../src/core/security/wu-test.js';

describe('Wu, Noonan & Agaian (2011) critical values', () => {
  it('gives the ideal NPCR 99.6094% and UACI 33.4635%', () => {
    expect(IDEAL_NPCR_PERCENT).toBeCloseTo(99.6094, 4);
    expect(IDEAL_UACI_PERCENT).toBeCloseTo(33.4635, 4);
  });
  it.each([
    [256, 99.5693, 33.2824, 33.6447],
    [64, 99.4491, 32.7389, 34.1882],
    [28, 99.2429, 31.8072, 35.1199],
  ])('matches REFERENCES.md at %i×%i, α = 0.05', (side, npcr, uaciLow, uaciHigh) => {
    const critical = wuCriticalValues(side * side, 0.05);
    expect(critical.npcrCriticalPercent).toBeCloseTo(npcr, 4);
    expect(critical.uaciLowerPercent).toBeCloseTo(uaciLow, 4);
    expect(critical.uaciUpperPercent).toBeCloseTo(uaciHigh, 4);
  });
  it.each([
    // SciPy (scipy.stats.norm.ppf) evaluation of the same formulas.
    [256, 0.01, 99.55269043505847, 33.22545012897823, 33.701633204355105],
    [256, 0.001, 99.5340773732787, 33.159388527238356, 33.76769480609498],
    [64, 0.01, 99.38263674023385, 32.51117551591291, 34.415907817420425],
    [28, 0.001, 98.920939555691, 30.682712963322146, 36.24437037001119],
  ])('matches SciPy at %i×%i, α = %f', (side, alpha, npcr, uaciLow, uaciHigh) => {
    const critical = wuCriticalValues(side * side, alpha);
    expect(critical.npcrCriticalPercent).toBeCloseTo(npcr, 10);
    expect(critical.uaciLowerPercent).toBeCloseTo(uaciLow, 10);
    expect(critical.uaciUpperPercent).toBeCloseTo(uaciHigh, 10);
  });
  it('passes the ideal values, fails a one-pixel difference, and checks UACI on both sides', () => {
    const pixels = 64 * 64;
    const ideal = wuTest({
      npcrPercent: IDEAL_NPCR_PERCENT,
      uaciPercent: IDEAL_UACI_PERCENT,
      changedPixels: 0,
      pixels,
    });
    expect(ideal.verdicts.map((v) => v.pass)).toEqual([true, true, true]);
    expect(ideal.npcrPValue).toBeCloseTo(0.5, 12);
    expect(ideal.uaciPValue).toBeCloseTo(1, 12);

    const onePixel = wuTest({ npcrPercent: 100 / pixels, uaciPercent: 0.01, changedPixels: 1, pixels });
    expect(onePixel.verdicts.every((v) => !v.npcrPass && !v.uaciPass && !v.pass)).toBe(true);

    const uaciTooHigh = wuTest({ npcrPercent: 99.7, uaciPercent: 34.3, changedPixels: 0, pixels });
    expect(uaciTooHigh.verdicts.map((v) => [v.npcrPass, v.uaciPass])).toEqual([
      [true, false],
      [true, true],
      [true, true],
    ]);
  });
  it('refuses a bad alpha or pixel count', () => {
    expect(() => wuCriticalValues(4096, 0)).toThrow(/alpha/);
    expect(() => wuCriticalValues(0, 0.05)).toThrow(/pixel count/);
  });
});
