import { CipherLensError } from '../errors.js';
import { regularizedUpperGamma } from './gamma.js';

/** Pearson χ² goodness-of-fit of a histogram against the flat (uniform) distribution. */
export interface FlatnessTest {
  statistic: number;
  degreesOfFreedom: number;
  /** P(χ²_dof ≥ statistic) = Q(dof/2, statistic/2): small means "not flat". */
  pValue: number;
  alpha: number;
  /** Flat at `alpha`: pValue ≥ alpha. */
  flat: boolean;
}

/**
 * χ² = Σ (observed − expected)² / expected with expected = n/256, dof = bins − 1 = 255.
 * The approximation needs expected counts of about 5 or more, i.e. n ≳ 1,280 pixels; smaller images still get
 * a number, but treat their p-value as rough.
 */
export function histogramFlatnessTest(histogram: ArrayLike<number>, alpha = 0.05): FlatnessTest {
  const bins = histogram.length;
  if (bins < 2) throw new CipherLensError('BAD_INPUT', `a flatness test needs at least 2 bins, got ${bins}`);
  if (!(alpha > 0 && alpha < 1))
    throw new CipherLensError('BAD_INPUT', `alpha must be in (0, 1), got ${alpha}`);
  let total = 0;
  for (let i = 0; i < bins; i++) total += histogram[i]!;
  if (total === 0) throw new CipherLensError('BAD_INPUT', 'a flatness test needs a non-empty histogram');
  const expected = total / bins;
  let statistic = 0;
  for (let i = 0; i < bins; i++) {
    const difference = histogram[i]! - expected;
    statistic += difference * difference;
  }
  statistic /= expected;
  const degreesOfFreedom = bins - 1;
  const pValue = regularizedUpperGamma(degreesOfFreedom / 2, statistic / 2);
  return { statistic, degreesOfFreedom, pValue, alpha, flat: pValue >= alpha };
}
