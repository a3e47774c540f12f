import { CipherLensError } from '../errors.js';

/**
 * NPCR (number of pixels change rate) and UACI (unified average changing intensity) between two cipher images
 * of the same size, both in percent:
 *   NPCR = 100 · (1/n) Σ [a_i ≠ b_i]      UACI = 100 · (1/n) Σ |a_i − b_i| / 255
 */
export interface DifferentialMeasure {
  npcrPercent: number;
  uaciPercent: number;
  changedPixels: number;
  pixels: number;
}

export function npcrUaci(a: Uint8Array, b: Uint8Array): DifferentialMeasure {
  if (a.length !== b.length) {
    throw new CipherLensError(
      'BAD_SIZE',
      `NPCR/UACI need images of equal size, got ${a.length} and ${b.length} pixels`,
    );
  }
  if (a.length === 0) throw new CipherLensError('BAD_INPUT', 'NPCR/UACI of empty images are undefined');
  let changed = 0;
  let absoluteDifference = 0;
  // Math.abs compiles branch-free; a sign test here is a coin-flip branch on cipher images (≈4× slower).
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs(a[i]! - b[i]!);
    absoluteDifference += difference;
    if (difference !== 0) changed++;
  }
  const pixels = a.length;
  return {
    npcrPercent: (100 * changed) / pixels,
    uaciPercent: (100 * absoluteDifference) / (255 * pixels),
    changedPixels: changed,
    pixels,
  };
}
