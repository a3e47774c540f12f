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
  const n = pixels.length;
  if (n < LANED_FROM) {
    for (let i = 0; i < n; i++) counts[pixels[i]!]!++;
    return counts;
  }
  // Four interleaved counters per level (level·4 + lane): a run of equal bytes no longer waits on one counter's
  // previous increment (store-to-load forwarding), and the four sit in one cache line for the merge.
  const laned = lanedScratch;
  laned.fill(0);
  const whole = n & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    laned[pixels[i]! << 2]!++;
    laned[(pixels[i + 1]! << 2) | 1]!++;
    laned[(pixels[i + 2]! << 2) | 2]!++;
    laned[(pixels[i + 3]! << 2) | 3]!++;
  }
  for (; i < n; i++) laned[pixels[i]! << 2]!++;
  for (let level = 0; level < GREY_LEVELS; level++) {
    const at = level << 2;
    counts[level] = laned[at]! + laned[at + 1]! + laned[at + 2]! + laned[at + 3]!;
  }
  return counts;
}

/** Below this many pixels the single-counter loop wins: merging the four lanes costs 1,024 reads per image. */
const LANED_FROM = 2048;
const lanedScratch = new Uint32Array(4 * GREY_LEVELS);
