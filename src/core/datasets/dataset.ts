import { CipherLensError } from '../errors.js';
import type { SourceFile } from './checksum.js';
import { planCarvedValidation, planStratifiedFractions, type SplitPlan } from './splits.js';

/** `count` square greyscale images of `imageSize`² bytes laid end to end, with one class index each. */
export interface ImagePart {
  count: number;
  images: Uint8Array;
  labels: Int32Array;
}

/** How a dataset is divided into train/val/test (recorded in export manifests). */
export type SplitPolicy =
  | { kind: 'carved-validation'; validation: number }
  | { kind: 'stratified-fractions'; val: number; test: number };

export interface DatasetSource {
  kind: 'mnist-idx' | 'mednist-tar' | 'class-folders';
  location: string;
  files: SourceFile[];
}

/**
 * A decoded dataset: source parts (MNIST: "train" and "test"; pooled datasets: "all") before splitting.
 * Labels index `classes`.
 */
export interface LoadedDataset {
  name: string;
  classes: string[];
  imageSize: number;
  parts: Record<string, ImagePart>;
  splitPolicy: SplitPolicy;
  source: DatasetSource;
}

/**
 * What the split plan needs: class names, split policy and each part's labels, no pixels. A
 * LoadedDataset is one; so is the listing the sample path builds from an archive's member names.
 */
export interface LabelledParts<Part extends { count: number; labels: Int32Array } = ImageLabels> {
  name: string;
  classes: string[];
  splitPolicy: SplitPolicy;
  parts: Record<string, Part>;
}

/** One source part's labels without its pixels. */
export interface ImageLabels {
  count: number;
  labels: Int32Array;
}

export function requirePart<Part extends ImageLabels>(dataset: LabelledParts<Part>, name: string): Part {
  const part = dataset.parts[name];
  if (!part) throw new CipherLensError('INTERNAL', `dataset ${dataset.name} has no part "${name}"`);
  return part;
}

/** The train/val/test plan; it reads labels only, so a listing gives the same plan as the decoded dataset. */
export function planSplits(dataset: LabelledParts, seed: number): SplitPlan {
  const policy = dataset.splitPolicy;
  if (policy.kind === 'carved-validation') {
    const train = requirePart(dataset, 'train');
    const test = requirePart(dataset, 'test');
    return planCarvedValidation(train.labels, test.count, dataset.classes.length, policy.validation, seed);
  }
  return planStratifiedFractions(requirePart(dataset, 'all').labels, dataset.classes.length, policy, seed);
}

export function countClasses(labels: ArrayLike<number>, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!] = (counts[labels[i]!] ?? 0) + 1;
  return counts;
}

/** Fails with a message naming `what` and listing every class whose count differs from the expected one. */
export function checkClassCounts(
  what: string,
  classes: readonly string[],
  actual: readonly number[],
  expected: readonly number[],
): void {
  const wrong = classes
    .map((name, i) => ({ name, got: actual[i] ?? 0, want: expected[i] ?? 0 }))
    .filter(({ got, want }) => got !== want);
  if (actual.length !== expected.length || wrong.length > 0) {
    const detail = wrong.map(({ name, got, want }) => `${name}: ${got} (expected ${want})`).join(', ');
    throw new CipherLensError(
      'DATASET',
      `${what} has unexpected class counts — ${detail || 'class list differs'}`,
    );
  }
}

/** Byte-order comparison (what Python's sorted() does), so class order never depends on the locale. */
export const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
