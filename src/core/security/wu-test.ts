import { CipherLensError } from '../errors.js';
import type { DifferentialMeasure } from './differential.js';
import { inverseNormalCdf, normalCdf } from './normal.js';

/**
 * Wu, Noonan & Agaian (2011), "NPCR and UACI randomness tests for image encryption": if two cipher images are
 * independent and uniform over 0…F (F = 255), NPCR and UACI are approximately normal with
 *   μ_N = F/(F+1),                σ_N² = F / ((F+1)² · n)
 *   μ_U = (F+2)/(3F+3),           σ_U² = (F+2)(F²+2F+3) / (18 (F+1)² · n · F)
 * where n = M·N pixels. NPCR passes at level α when NPCR ≥ N*_α = μ_N − Φ⁻¹(1−α)·σ_N (one-sided);
 * UACI passes when it lies in μ_U ± Φ⁻¹(1−α/2)·σ_U (two-sided).
 */
const F = 255;

export const WU_ALPHAS = [0.05, 0.01, 0.001] as const;
export const IDEAL_NPCR_PERCENT = (100 * F) / (F + 1);
export const IDEAL_UACI_PERCENT = (100 * (F + 2)) / (3 * F + 3);

export interface WuCriticalValues {
  alpha: number;
  /** NPCR must be at least this (percent). */
  npcrCriticalPercent: number;
  /** UACI must lie in [lower, upper] (percent). */
  uaciLowerPercent: number;
  uaciUpperPercent: number;
}

export interface WuVerdict extends WuCriticalValues {
  npcrPass: boolean;
  uaciPass: boolean;
  /** Both NPCR and UACI pass. */
  pass: boolean;
}

export interface WuTestResult {
  pixels: number;
  /** P(NPCR ≤ observed) under the randomness hypothesis (one-sided). */
  npcrPValue: number;
  /** P(|UACI − μ_U| ≥ |observed − μ_U|) under the hypothesis (two-sided). */
  uaciPValue: number;
  verdicts: WuVerdict[];
}

function npcrSigma(pixels: number): number {
  return Math.sqrt(F / ((F + 1) * (F + 1) * pixels));
}

function uaciSigma(pixels: number): number {
  return Math.sqrt(((F + 2) * (F * F + 2 * F + 3)) / (18 * (F + 1) * (F + 1) * pixels * F));
}

function checkPixels(pixels: number): void {
  if (!Number.isInteger(pixels) || pixels < 1) {
    throw new CipherLensError('BAD_INPUT', `Wu critical values need a positive pixel count, got ${pixels}`);
  }
}

export function wuCriticalValues(pixels: number, alpha: number): WuCriticalValues {
  checkPixels(pixels);
  if (!(alpha > 0 && alpha < 1))
    throw new CipherLensError('BAD_INPUT', `alpha must be in (0, 1), got ${alpha}`);
  const npcrCritical = F / (F + 1) - inverseNormalCdf(1 - alpha) * npcrSigma(pixels);
  const uaciHalfWidth = inverseNormalCdf(1 - alpha / 2) * uaciSigma(pixels);
  const uaciMean = (F + 2) / (3 * F + 3);
  return {
    alpha,
    npcrCriticalPercent: 100 * npcrCritical,
    uaciLowerPercent: 100 * (uaciMean - uaciHalfWidth),
    uaciUpperPercent: 100 * (uaciMean + uaciHalfWidth),
  };
}

export function wuTest(measure: DifferentialMeasure, alphas: readonly number[] = WU_ALPHAS): WuTestResult {
  const { pixels, npcrPercent, uaciPercent } = measure;
  checkPixels(pixels);
  const npcrZ = (npcrPercent / 100 - F / (F + 1)) / npcrSigma(pixels);
  const uaciZ = (uaciPercent / 100 - (F + 2) / (3 * F + 3)) / uaciSigma(pixels);
  const verdicts = alphas.map((alpha) => {
    const critical = wuCriticalValues(pixels, alpha);
    const npcrPass = npcrPercent >= critical.npcrCriticalPercent;
    const uaciPass = uaciPercent >= critical.uaciLowerPercent && uaciPercent <= critical.uaciUpperPercent;
    return { ...critical, npcrPass, uaciPass, pass: npcrPass && uaciPass };
  });
  return {
    pixels,
    npcrPValue: normalCdf(npcrZ),
    uaciPValue: 2 * normalCdf(-Math.abs(uaciZ)),
    verdicts,
  };
}
