import { CipherLensError } from '../errors.js';
import { logGamma } from './gamma.js';
import { GREY_LEVELS } from './histogram.js';

const cache = new Map<string, number>();

/**
 * Exact expected sample entropy (bits) of n pixels drawn independently and uniformly from 256 grey levels.
 *
 * Each level's count is Binomial(n, 1/256), so by linearity
 *   E[H] = −256 · Σ_{c=1..n} P(C = c) · (c/n) · log2(c/n).
 * The sum runs only where P(C = c) is above 1e−300 of the mode (the rest underflows to 0 anyway).
 * Why it matters: a finite sample under-fills 256 bins, so even perfect noise scores below 8 bits —
 * ≈ 7.7437 at 784 pixels (28×28), ≈ 7.9546 at 4,096 (64×64), ≈ 7.9972 at 65,536 (256×256).
 */
export function expectedUniformEntropy(pixels: number, levels = GREY_LEVELS): number {
  if (!Number.isInteger(pixels) || pixels < 1) {
    throw new CipherLensError('BAD_INPUT', `expected entropy needs a positive pixel count, got ${pixels}`);
  }
  if (!Number.isInteger(levels) || levels < 2) {
    throw new CipherLensError('BAD_INPUT', `expected entropy needs at least 2 levels, got ${levels}`);
  }
  const cacheKey = `${pixels}:${levels}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;

  const p = 1 / levels;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const logNFactorial = logGamma(pixels + 1);
  const mean = pixels * p;
  const sd = Math.sqrt(pixels * p * (1 - p));
  // 40 standard deviations (plus slack for tiny n) hold every term that is not below 1e−300.
  const low = Math.max(1, Math.floor(mean - 40 * sd - 40));
  const high = Math.min(pixels, Math.ceil(mean + 40 * sd + 40));
  let sum = 0;
  for (let c = low; c <= high; c++) {
    const logPmf =
      logNFactorial - logGamma(c + 1) - logGamma(pixels - c + 1) + c * logP + (pixels - c) * logQ;
    const share = c / pixels;
    sum += Math.exp(logPmf) * share * Math.log2(share);
  }
  // max(0, ·) also turns the −0 of n = 1 into 0.
  const expected = Math.max(0, -levels * sum);
  cache.set(cacheKey, expected);
  return expected;
}
