import { CipherLensError } from '../errors.js';

export const GREY_LEVELS = 256;

/**
 * Counts of each grey level 0…255. Pass `out` (256 entries) to reuse a buffer in loops: it is cleared first.
 */
export function histogram256(pixels: Uint8Array, out?: Uint32Array): Uint32Array {
  const counts = out ?? new Uint32Array(GREY_LEVELS);
  if (counts.length !== GREY_LEVELS) {
    throw new CipherLensError(
      'BAD_INPUT',
      `a histogram buffer needs ${GREY_LEVELS} entries, got ${counts.length}`,
    );
  }
  counts.fill(0);
  for (let i = 0; i < pixels.length; i++) counts[pixels[i]!]!++;
  return counts;
}
