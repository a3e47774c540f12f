import { CipherLensError } from '../errors.js';
import { createPrng, shuffleInPlace, type Prng } from './prng.js';

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** The seed every shipped export and model uses (recorded as `splitSeed` in manifests and model cards). */
export const DEFAULT_SPLIT_SEED = 42;

/**
 * Splits `total` items over groups proportionally to `weights` with the largest-remainder method, so the
 * parts always add up to `total` exactly. Ties in the remainder go to the lower group index.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const weightSum = weights.reduce((sum, w) => sum + w, 0);
  if (weightSum <= 0) return weights.map(() => 0);
  const quotas = weights.map((w) => (total * w) / weightSum);
  const parts = quotas.map((q) => Math.floor(q));
  let remaining = total - parts.reduce((sum, p) => sum + p, 0);
  const order = quotas
    .map((q, i) => ({ i, rest: q - Math.floor(q) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (remaining <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    remaining--;
  }
  return parts;
}

/** Indices of each class, in ascending order. */
function indicesByClass(labels: ArrayLike<number>, classCount: number): Uint32Array[] {
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!(label >= 0 && label < classCount)) {
      throw new CipherLensError('DATASET', `label ${label} at index ${i} is outside 0..${classCount - 1}`);
    }
    counts[label] = (counts[label] ?? 0) + 1;
  }
  const groups = counts.map((count) => new Uint32Array(count));
  const fill = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    groups[label]![fill[label]!++] = i;
  }
  return groups;
}

/**
 * Stratified partition: part k (k < drawn.length) receives `drawn[k]` items, the final part receives
 * everything left. Per-class shares of each drawn part follow the class frequencies (largest remainder),
 * taken as consecutive slices of a per-class shuffle, so parts never overlap and their union is everything.
 * Each returned index list is shuffled again, so any prefix of it is a fair sample.
 */
export function stratifiedPartition(
  labels: ArrayLike<number>,
  classCount: number,
  drawn: readonly number[],
  prng: Prng,
): Uint32Array[] {
  const total = labels.length;
  const requested = drawn.reduce((sum, s) => sum + s, 0);
  if (requested > total || drawn.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new CipherLensError('DATASET', `cannot draw parts of ${drawn.join('/')} from ${total} items`);
  }
  const groups = indicesByClass(labels, classCount);
  const classSizes = groups.map((g) => g.length);
  const shares = drawn.map((size) => apportion(size, classSizes));
  const parts: number[][] = [...drawn.map(() => []), []];
  groups.forEach((group, classIndex) => {
    shuffleInPlace(group, prng);
    let offset = 0;
    shares.forEach((share, partIndex) => {
      // Only a class of one or two items with large fractions can run out here; it then gives what it has.
      const take = Math.min(share[classIndex] ?? 0, group.length - offset);
      for (let i = 0; i < take; i++) parts[partIndex]!.push(group[offset + i]!);
      offset += take;
    });
    for (let i = offset; i < group.length; i++) parts[drawn.length]!.push(group[i]!);
  });
  return parts.map((part) => shuffleInPlace(Uint32Array.from(part), prng));
}

/** Where one split's images come from: indices into one of the dataset's source parts. */
export interface SplitSelection {
  part: string;
  indices: Uint32Array;
}
export type SplitPlan = Record<Split, SplitSelection>;

/** MNIST-style: keep the published test set, carve a stratified validation set out of the training set. */
export function planCarvedValidation(
  trainLabels: ArrayLike<number>,
  testCount: number,
  classCount: number,
  validationCount: number,
  seed: number,
): SplitPlan {
  const prng = createPrng(seed);
  const [val, train] = stratifiedPartition(trainLabels, classCount, [validationCount], prng);
  const test = new Uint32Array(testCount);
  for (let i = 0; i < testCount; i++) test[i] = i;
  return {
    train: { part: 'train', indices: train! },
    val: { part: 'train', indices: val! },
    test: { part: 'test', indices: test },
  };
}

/** MedNIST-style: one pool split stratified into train/val/test by fractions (val and test rounded to whole images, train takes the rest). */
export function planStratifiedFractions(
  labels: ArrayLike<number>,
  classCount: number,
  fractions: { val: number; test: number },
  seed: number,
  part = 'all',
): SplitPlan {
  const prng = createPrng(seed);
  const total = labels.length;
  const val = Math.round(total * fractions.val);
  const test = Math.round(total * fractions.test);
  const [valIdx, testIdx, trainIdx] = stratifiedPartition(labels, classCount, [val, test], prng);
  return {
    train: { part, indices: trainIdx! },
    val: { part, indices: valIdx! },
    test: { part, indices: testIdx! },
  };
}
