import { CipherLensError } from '../errors.js';
import { GREY_LEVELS, histogram256 } from './histogram.js';
import { assertSquareImage } from './image-input.js';

// c·log2(c) for the counts small images produce, so entropy costs 256 lookups instead of 256 logarithms.
const TABLE_LIMIT = 1 << 16;
let countLogTable = new Float64Array(0);

function countLogCount(count: number): number {
  if (count < countLogTable.length) return countLogTable[count]!;
  if (count >= TABLE_LIMIT) return count * Math.log2(count);
  const grown = new Float64Array(Math.min(TABLE_LIMIT, Math.max(1024, 2 * count)));
  for (let c = 1; c < grown.length; c++) grown[c] = c * Math.log2(c);
  countLogTable = grown;
  return countLogTable[count]!;
}

/** Shannon entropy in bits of a histogram: H = log2(n) − (1/n) Σ c·log2(c). 0 for an empty histogram. */
export function entropyOfHistogram(histogram: ArrayLike<number>): number {
  let total = 0;
  let weighted = 0;
  for (let level = 0; level < histogram.length; level++) {
    const count = histogram[level]!;
    if (count === 0) continue;
    total += count;
    weighted += countLogCount(count);
  }
  if (total === 0) return 0;
  // Guard the tiny negative a constant image can give through rounding.
  return Math.max(0, Math.log2(total) - weighted / total);
}

const scratchHistogram = new Uint32Array(GREY_LEVELS);

/** Global Shannon entropy (bits per pixel, 0…8) of 8-bit pixels. */
export function shannonEntropy(pixels: Uint8Array): number {
  if (pixels.length === 0) throw new CipherLensError('BAD_INPUT', 'entropy of an empty image is undefined');
  return entropyOfHistogram(histogram256(pixels, scratchHistogram));
}

/** Local entropy: the mean (and spread) of the Shannon entropy of non-overlapping blockSize×blockSize blocks. */
export interface BlockEntropy {
  blockSize: number;
  /** Blocks measured: ⌊N/B⌋²; a right/bottom remainder narrower than B is left out. */
  blocks: number;
  mean: number;
  min: number;
  max: number;
}

/**
 * Default block side: 8×8 = 64 pixels per block, small enough that a 28×28 image still gives 9 blocks.
 * With 64 samples a block's entropy cannot exceed log2(64) = 6 bits; compare it with
 * expectedUniformEntropy(64) ≈ 5.77, never with 8.
 */
export const DEFAULT_BLOCK_SIZE = 8;

const blockHistogram = new Uint32Array(GREY_LEVELS);

/** `blockSize` defaults to DEFAULT_BLOCK_SIZE, or the whole image when that is smaller. */
export function blockEntropy(pixels: Uint8Array, size: number, requestedBlockSize?: number): BlockEntropy {
  assertSquareImage(pixels, size);
  const blockSize = requestedBlockSize ?? Math.min(DEFAULT_BLOCK_SIZE, size);
  if (!Number.isInteger(blockSize) || blockSize < 2 || blockSize > size) {
    throw new CipherLensError(
      'BAD_INPUT',
      `block size must be an integer from 2 to the image size ${size}, got ${blockSize}`,
    );
  }
  const perSide = Math.floor(size / blockSize);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let by = 0; by < perSide; by++) {
    for (let bx = 0; bx < perSide; bx++) {
      blockHistogram.fill(0);
      const left = bx * blockSize;
      for (let y = by * blockSize, end = y + blockSize; y < end; y++) {
        const row = y * size + left;
        for (let x = 0; x < blockSize; x++) blockHistogram[pixels[row + x]!]!++;
      }
      const h = entropyOfHistogram(blockHistogram);
      sum += h;
      if (h < min) min = h;
      if (h > max) max = h;
    }
  }
  const blocks = perSide * perSide;
  return { blockSize, blocks, mean: sum / blocks, min, max };
}
