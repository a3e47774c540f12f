import { histogramFlatnessTest, type FlatnessTest } from './chi-square.js';
import {
  adjacentCorrelations,
  sampledAdjacentCorrelations,
  type DirectionalCorrelations,
  type SampledCorrelations,
  type SamplingOptions,
} from './correlation.js';
import { blockEntropy, entropyOfHistogram, type BlockEntropy } from './entropy.js';
import { histogram256 } from './histogram.js';
import { assertSquareImage } from './image-input.js';

/** The one-image statistics shown side by side for the plain and the cipher image. */
export interface ImageStatistics {
  mean: number;
  /** Shannon entropy, bits per pixel. */
  entropy: number;
  blockEntropy: BlockEntropy;
  /** Count of each grey level 0…255. */
  histogram: number[];
  flatness: FlatnessTest;
  /** Over every adjacent pair. */
  correlation: DirectionalCorrelations;
  /** Over randomly sampled pairs, as most papers report it. */
  sampledCorrelation: SampledCorrelations;
}

export interface ImageStatisticsOptions extends SamplingOptions {
  blockSize?: number;
}

export function imageStatistics(
  pixels: Uint8Array,
  size: number,
  options: ImageStatisticsOptions = {},
): ImageStatistics {
  assertSquareImage(pixels, size);
  const histogram = histogram256(pixels);
  let sum = 0;
  for (let level = 0; level < histogram.length; level++) sum += level * histogram[level]!;
  return {
    mean: sum / pixels.length,
    entropy: entropyOfHistogram(histogram),
    blockEntropy: blockEntropy(pixels, size, options.blockSize),
    histogram: Array.from(histogram),
    flatness: histogramFlatnessTest(histogram),
    correlation: adjacentCorrelations(pixels, size),
    sampledCorrelation: sampledAdjacentCorrelations(pixels, size, options),
  };
}
