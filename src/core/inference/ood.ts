import { z } from 'zod';

/**
 * Out-of-distribution detection: "is this image unlike anything the model was trained on?". Every score is
 * "higher = less like the training data", and an image is flagged when its score is above the threshold, the
 * `percentile`-th percentile of the scores of the model's VALIDATION images (99 → about 1 % of in-distribution
 * images flagged, by construction). docs/ood.md has the measured rates.
 *
 * - `max-softmax`: 1 − the largest softmax probability (Hendrycks & Gimpel 2017).
 * - `energy`: −logsumexp(logits), the free energy at temperature 1 (Liu et al. 2020).
 * - `centroid-cosine`: 1 − the largest cosine similarity of the 512-d embedding to a class centroid, the
 *   centroids being the normalised means of the unit-length TRAIN embeddings of each class.
 *
 * The key transform leaves a plain bit-plane model's function unchanged, so its calibration holds for every key.
 */
export const OOD_METHODS = ['max-softmax', 'energy', 'centroid-cosine'] as const;
export type OodMethod = (typeof OOD_METHODS)[number];

/** Float32 little-endian values, base64: compact enough for a few class centroids inside the card. */
export const CENTROID_ENCODING = 'float32le-base64';

export const oodCalibrationSchema = z.looseObject({
  method: z.enum(OOD_METHODS),
  threshold: z.number().finite(),
  /** The percentile of validation scores the threshold sits at. */
  percentile: z.number().gt(0).lt(100),
  calibratedOn: z.looseObject({
    dataset: z.string().min(1),
    condition: z.string().min(1),
    keyFingerprint: z.string().nullable(),
    splitSeed: z.number().int(),
    split: z.string().min(1),
    images: z.number().int().min(1),
  }),
  /** Needed by `centroid-cosine` only: [classes × embeddingDim], unit rows, in class order. */
  centroids: z
    .strictObject({
      split: z.string().min(1),
      images: z.number().int().min(1),
      encoding: z.literal(CENTROID_ENCODING),
      data: z.string().min(1),
    })
    .optional(),
  createdAt: z.string().min(1),
});
export type OodCalibration = z.infer<typeof oodCalibrationSchema>;

/** What a response carries about one image; JSON-able. */
export interface OodVerdict {
  /** true: the score is above the threshold — unlike anything this model was trained on. */
  flag: boolean;
  score: number;
  threshold: number;
  method: OodMethod;
}

/** The rows of one inference call the scores are computed from. */
export interface OodOutputs {
  count: number;
  classCount: number;
  embeddingDim: number;
  logits: Float32Array;
  embeddings: Float32Array;
}

export function encodeCentroids(centroids: Float32Array): string {
  return Buffer.from(centroids.buffer, centroids.byteOffset, centroids.byteLength).toString('base64');
}

export function decodeCentroids(data: string): Float32Array {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`centroid data is ${bytes.length} bytes, not whole float32s`);
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** 1 − max softmax of one row of logits. */
export function maxSoftmaxScore(logits: Float32Array, classCount: number, row: number): number {
  const offset = row * classCount;
  let max = -Infinity;
  for (let j = 0; j < classCount; j++) max = Math.max(max, logits[offset + j]!);
  let sum = 0;
  for (let j = 0; j < classCount; j++) sum += Math.exp(logits[offset + j]! - max);
  return 1 - 1 / sum;
}

/** −logsumexp of one row of logits (higher = lower evidence for every class). */
export function energyScore(logits: Float32Array, classCount: number, row: number): number {
  const offset = row * classCount;
  let max = -Infinity;
  for (let j = 0; j < classCount; j++) max = Math.max(max, logits[offset + j]!);
  let sum = 0;
  for (let j = 0; j < classCount; j++) sum += Math.exp(logits[offset + j]! - max);
  return -(max + Math.log(sum));
}

/** 1 − the largest cosine similarity of one embedding to the unit-length centroids ([classes × dim]). */
export function centroidCosineScore(
  embeddings: Float32Array,
  dim: number,
  row: number,
  centroids: Float32Array,
): number {
  const offset = row * dim;
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += embeddings[offset + d]! ** 2;
  norm = Math.sqrt(norm);
  if (norm === 0) return 1;
  let best = -Infinity;
  for (let c = 0; c < centroids.length / dim; c++) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += embeddings[offset + d]! * centroids[c * dim + d]!;
    best = Math.max(best, dot / norm);
  }
  return 1 - best;
}

/**
 * Unit-length class centroids: each embedding normalised, averaged per class, the mean normalised again.
 * A class with no embedding gets a zero row (it then never is the nearest centroid).
 */
export function classCentroids(
  embeddings: Float32Array,
  labels: ArrayLike<number>,
  classCount: number,
  dim: number,
): Float32Array {
  const sums = new Float64Array(classCount * dim);
  for (let row = 0; row < labels.length; row++) {
    const label = labels[row]!;
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new RangeError(`label ${label} of row ${row} is outside 0..${classCount - 1}`);
    }
    const offset = row * dim;
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += embeddings[offset + d]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    for (let d = 0; d < dim; d++) sums[label * dim + d]! += embeddings[offset + d]! / norm;
  }
  const out = new Float32Array(classCount * dim);
  for (let c = 0; c < classCount; c++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += sums[c * dim + d]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    for (let d = 0; d < dim; d++) out[c * dim + d] = sums[c * dim + d]! / norm;
  }
  return out;
}

/** Every row's score under `method`; `centroids` is needed by `centroid-cosine`. */
export function oodScores(method: OodMethod, outputs: OodOutputs, centroids?: Float32Array): Float64Array {
  const scores = new Float64Array(outputs.count);
  for (let row = 0; row < outputs.count; row++) scores[row] = oodScore(method, outputs, row, centroids);
  return scores;
}

export function oodScore(
  method: OodMethod,
  outputs: OodOutputs,
  row: number,
  centroids?: Float32Array,
): number {
  switch (method) {
    case 'max-softmax':
      return maxSoftmaxScore(outputs.logits, outputs.classCount, row);
    case 'energy':
      return energyScore(outputs.logits, outputs.classCount, row);
    case 'centroid-cosine':
      if (!centroids) throw new Error('centroid-cosine needs the class centroids');
      return centroidCosineScore(outputs.embeddings, outputs.embeddingDim, row, centroids);
  }
}

/**
 * The nearest-rank `percentile`-th percentile: the smallest score s such that at least `percentile` % of the
 * scores are ≤ s. Flagging `score > threshold` then flags at most (100 − percentile) % of these scores.
 */
export function percentileThreshold(scores: ArrayLike<number>, percentile: number): number {
  if (scores.length === 0) throw new RangeError('no scores to calibrate on');
  if (!(percentile > 0 && percentile < 100))
    throw new RangeError(`percentile ${percentile} is not in (0, 100)`);
  const sorted = Float64Array.from(scores).sort();
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

/** Share of `scores` strictly above `threshold` (the flag rule). */
export function flaggedRate(scores: ArrayLike<number>, threshold: number): number {
  if (scores.length === 0) return 0;
  let flagged = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > threshold) flagged++;
  return flagged / scores.length;
}

const decoded = new WeakMap<OodCalibration, Float32Array>();

/** The calibration's centroids, decoded once per card object; undefined for the logit methods. */
export function calibrationCentroids(calibration: OodCalibration): Float32Array | undefined {
  if (!calibration.centroids) return undefined;
  let centroids = decoded.get(calibration);
  if (!centroids) {
    centroids = decodeCentroids(calibration.centroids.data);
    decoded.set(calibration, centroids);
  }
  return centroids;
}

/** The verdict for row `row` of `outputs`; null when the model carries no calibration. */
export function oodVerdict(
  calibration: OodCalibration | undefined,
  outputs: OodOutputs,
  row: number,
): OodVerdict | null {
  if (!calibration) return null;
  const score = oodScore(calibration.method, outputs, row, calibrationCentroids(calibration));
  return {
    flag: score > calibration.threshold,
    score,
    threshold: calibration.threshold,
    method: calibration.method,
  };
}
