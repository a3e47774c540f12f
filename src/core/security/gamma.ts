import { CipherLensError } from '../errors.js';

// Lanczos approximation, g = 7, n = 9 (Godfrey's coefficients): |relative error| < 1e-15 for x > 0.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) {
    throw new CipherLensError('BAD_INPUT', `logGamma needs a finite x > 0, got ${x}`);
  }
  if (x < 0.5) {
    // Reflection keeps the series in its accurate range: Γ(x)Γ(1−x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPSILON = 1e-16;
const TINY = 1e-300;

function maxIterations(a: number): number {
  // Both expansions converge in O(√a) terms near x ≈ a; the margin is generous.
  return 1000 + Math.ceil(50 * Math.sqrt(a));
}

/** e^(−x) x^a / Γ(a), computed in log space so large a and x do not overflow. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Σ x^n / (a(a+1)…(a+n)): converges fast for x < a + 1. */
function lowerBySeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  let denominator = a;
  const limit = maxIterations(a);
  for (let n = 0; n < limit; n++) {
    denominator += 1;
    term *= x / denominator;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) return sum * gammaPrefactor(a, x);
  }
  throw new CipherLensError('INTERNAL', `incomplete gamma series did not converge (a=${a}, x=${x})`);
}

/** Legendre continued fraction for Q(a, x), modified Lentz evaluation: converges fast for x ≥ a + 1. */
function upperByContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  const limit = maxIterations(a);
  for (let n = 1; n <= limit; n++) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < EPSILON) return fraction * gammaPrefactor(a, x);
  }
  throw new CipherLensError(
    'INTERNAL',
    `incomplete gamma continued fraction did not converge (a=${a}, x=${x})`,
  );
}

function checkArguments(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a) || !(x >= 0) || Number.isNaN(x)) {
    throw new CipherLensError('BAD_INPUT', `incomplete gamma needs a > 0 and x ≥ 0, got a=${a}, x=${x}`);
  }
}

/** Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function regularizedLowerGamma(a: number, x: number): number {
  checkArguments(a, x);
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? lowerBySeries(a, x) : 1 - upperByContinuedFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the far tail (no 1 − P cancellation). */
export function regularizedUpperGamma(a: number, x: number): number {
  checkArguments(a, x);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerBySeries(a, x) : upperByContinuedFraction(a, x);
}
