import { CipherLensError } from '../errors.js';
import { createPrng, type Prng } from '../datasets/prng.js';
import { assertSquareImage } from './image-input.js';

/** Neighbour of pixel (row, col): horizontal (row, col+1), vertical (row+1, col), diagonal (row+1, col+1). */
export const DIRECTIONS = ['horizontal', 'vertical', 'diagonal'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Pearson r per direction; null where it is undefined (a constant image has zero variance). */
export type DirectionalCorrelations = Record<Direction, number | null>;

interface PairGeometry {
  rows: number;
  cols: number;
  /** Index distance from a pixel to its neighbour. */
  offset: number;
}

function pairGeometry(size: number, direction: Direction): PairGeometry {
  const down = direction === 'horizontal' ? 0 : 1;
  const right = direction === 'vertical' ? 0 : 1;
  return { rows: size - down, cols: size - right, offset: down * size + right };
}

/**
 * Pearson r from raw sums: exact integer arithmetic while n²·65025 < 2⁵³ (images up to about 600×600),
 * double precision beyond.
 */
function pearson(n: number, sx: number, sy: number, sxx: number, syy: number, sxy: number): number | null {
  const varianceX = n * sxx - sx * sx;
  const varianceY = n * syy - sy * sy;
  if (varianceX <= 0 || varianceY <= 0) return null;
  const r = (n * sxy - sx * sy) / Math.sqrt(varianceX * varianceY);
  return Math.max(-1, Math.min(1, r));
}

/**
 * Correlation of every pixel with its right, lower and lower-right neighbour (all (N−1)·N, N·(N−1) and (N−1)²
 * pairs), in one pass over the image: only the three cross products need a pass per pixel; each direction's
 * Σx, Σy, Σx², Σy² are the image totals minus its first or last row and column.
 */
export function adjacentCorrelations(pixels: Uint8Array, size: number): DirectionalCorrelations {
  assertSquareImage(pixels, size);
  const last = size - 1;
  let total = 0;
  let squares = 0;
  let right = 0;
  let down = 0;
  let diagonal = 0;
  for (let row = 0; row < last; row++) {
    const start = row * size;
    const end = start + last;
    for (let i = start; i < end; i++) {
      const x = pixels[i]!;
      total += x;
      squares += x * x;
      right += x * pixels[i + 1]!;
      down += x * pixels[i + size]!;
      diagonal += x * pixels[i + size + 1]!;
    }
    const edge = pixels[end]!; // last column: it has a lower neighbour only
    total += edge;
    squares += edge * edge;
    down += edge * pixels[end + size]!;
  }
  const lastRow = last * size;
  for (let i = lastRow; i < lastRow + last; i++) {
    const x = pixels[i]!; // last row: it has a right neighbour only
    total += x;
    squares += x * x;
    right += x * pixels[i + 1]!;
  }
  const corner = pixels[lastRow + last]!;
  total += corner;
  squares += corner * corner;

  const edges = edgeSums(pixels, size);
  const first = pixels[0]!;
  const pairsAlong = size * last;
  return {
    horizontal: pearson(
      pairsAlong,
      total - edges.lastCol,
      total - edges.firstCol,
      squares - edges.lastColSquares,
      squares - edges.firstColSquares,
      right,
    ),
    vertical: pearson(
      pairsAlong,
      total - edges.lastRow,
      total - edges.firstRow,
      squares - edges.lastRowSquares,
      squares - edges.firstRowSquares,
      down,
    ),
    diagonal: pearson(
      last * last,
      total - edges.lastRow - edges.lastCol + corner,
      total - edges.firstRow - edges.firstCol + first,
      squares - edges.lastRowSquares - edges.lastColSquares + corner * corner,
      squares - edges.firstRowSquares - edges.firstColSquares + first * first,
      diagonal,
    ),
  };
}

interface EdgeSums {
  firstRow: number;
  lastRow: number;
  firstCol: number;
  lastCol: number;
  firstRowSquares: number;
  lastRowSquares: number;
  firstColSquares: number;
  lastColSquares: number;
}

function edgeSums(pixels: Uint8Array, size: number): EdgeSums {
  const sums: EdgeSums = {
    firstRow: 0,
    lastRow: 0,
    firstCol: 0,
    lastCol: 0,
    firstRowSquares: 0,
    lastRowSquares: 0,
    firstColSquares: 0,
    lastColSquares: 0,
  };
  const lastRow = (size - 1) * size;
  for (let k = 0; k < size; k++) {
    const top = pixels[k]!;
    const bottom = pixels[lastRow + k]!;
    const left = pixels[k * size]!;
    const rightEdge = pixels[k * size + size - 1]!;
    sums.firstRow += top;
    sums.firstRowSquares += top * top;
    sums.lastRow += bottom;
    sums.lastRowSquares += bottom * bottom;
    sums.firstCol += left;
    sums.firstColSquares += left * left;
    sums.lastCol += rightEdge;
    sums.lastColSquares += rightEdge * rightEdge;
  }
  return sums;
}

/** One direction of adjacentCorrelations. */
export function adjacentCorrelation(pixels: Uint8Array, size: number, direction: Direction): number | null {
  return adjacentCorrelations(pixels, size)[direction];
}

export interface SampledCorrelation {
  coefficient: number | null;
  /** Pairs the coefficient was computed from: the request, or every pair when the image has fewer. */
  pairs: number;
  /** True when the image had no more pairs than requested, so all of them were used. */
  exhaustive: boolean;
  /** Up to `maxSamples` of the sampled (pixel, neighbour) values, in random order, for scatter plots. */
  samples: { x: number[]; y: number[] };
}

export type SampledCorrelations = Record<Direction, SampledCorrelation>;

export interface SamplingOptions {
  /** Random pairs per direction, drawn without replacement. Default 3000. */
  pairs?: number;
  /** PRNG seed; the same seed picks the same positions in any image of the same size. Default 1. */
  seed?: number;
  /** Scatter points kept per direction. Default 1000. */
  maxSamples?: number;
}

export const DEFAULT_SAMPLED_PAIRS = 3000;
export const DEFAULT_SAMPLING_SEED = 1;
export const DEFAULT_SCATTER_SAMPLES = 1000;

/**
 * The literature's estimate: Pearson r over N randomly chosen pixels and their neighbours, per direction.
 * Positions come from xoshiro128** seeded with `seed`, horizontal first, then vertical, then diagonal.
 */
export function sampledAdjacentCorrelations(
  pixels: Uint8Array,
  size: number,
  options: SamplingOptions = {},
): SampledCorrelations {
  assertSquareImage(pixels, size);
  const pairs = options.pairs ?? DEFAULT_SAMPLED_PAIRS;
  const seed = options.seed ?? DEFAULT_SAMPLING_SEED;
  const maxSamples = options.maxSamples ?? DEFAULT_SCATTER_SAMPLES;
  if (!Number.isInteger(pairs) || pairs < 2) {
    throw new CipherLensError('BAD_INPUT', `sampled pairs must be an integer ≥ 2, got ${pairs}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new CipherLensError('BAD_INPUT', `seed must be an integer from 0 to 4294967295, got ${seed}`);
  }
  if (!Number.isInteger(maxSamples) || maxSamples < 0) {
    throw new CipherLensError(
      'BAD_INPUT',
      `scatter samples must be a non-negative integer, got ${maxSamples}`,
    );
  }
  const prng = createPrng(seed);
  const result = {} as SampledCorrelations;
  for (const direction of DIRECTIONS) {
    result[direction] = sampleDirection(pixels, size, direction, pairs, maxSamples, prng);
  }
  return result;
}

function sampleDirection(
  pixels: Uint8Array,
  size: number,
  direction: Direction,
  requested: number,
  maxSamples: number,
  prng: Prng,
): SampledCorrelation {
  const { rows, cols, offset } = pairGeometry(size, direction);
  const available = rows * cols;
  const exhaustive = requested >= available;
  const count = exhaustive ? available : requested;
  const chosen = exhaustive ? null : sampleDistinct(prng, available, count);
  const kept = Math.min(maxSamples, count);
  const samples = { x: new Array<number>(kept), y: new Array<number>(kept) };
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let k = 0; k < count; k++) {
    const pair = chosen ? chosen[k]! : k;
    const i = Math.floor(pair / cols) * size + (pair % cols);
    const x = pixels[i]!;
    const y = pixels[i + offset]!;
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
    if (k < kept) {
      samples.x[k] = x;
      samples.y[k] = y;
    }
  }
  return { coefficient: pearson(count, sx, sy, sxx, syy, sxy), pairs: count, exhaustive, samples };
}

/**
 * `count` distinct integers from [0, available) in uniformly random order: the first `count` steps of a
 * Fisher–Yates shuffle of 0…available−1, with the displaced entries kept in a map instead of a full array
 * (O(count) memory even on a 4096×4096 image).
 */
function sampleDistinct(prng: Prng, available: number, count: number): Int32Array {
  const chosen = new Int32Array(count);
  const displaced = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const j = i + prng.nextBelow(available - i);
    const atJ = displaced.get(j) ?? j;
    const atI = displaced.get(i) ?? i;
    chosen[i] = atJ;
    displaced.set(j, atI);
  }
  return chosen;
}
