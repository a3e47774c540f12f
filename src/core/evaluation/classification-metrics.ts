import { CipherLensError } from '../errors.js';

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of true instances of the class. */
  support: number;
}

export interface AveragedMetrics {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * scikit-learn's definitions (classification_report, zero_division=0): precision = TP/(TP+FP),
 * recall = TP/(TP+FN), F1 = 2TP/(2TP+FP+FN), each 0 when its denominator is 0. Macro averages weigh the
 * classes that occur in the true or predicted labels equally; weighted averages weigh them by support.
 */
export interface ClassificationMetrics {
  classes: string[];
  count: number;
  accuracy: number;
  /** confusionMatrix[true][predicted]. */
  confusionMatrix: number[][];
  perClass: ClassMetrics[];
  macro: AveragedMetrics;
  weighted: AveragedMetrics;
  /** Share of samples whose true class is among the k highest scores (ties: lower class index first). */
  topK: { k: number; accuracy: number }[];
}

const ratio = (numerator: number, denominator: number): number =>
  denominator > 0 ? numerator / denominator : 0;

function checkLabels(labels: ArrayLike<number>, classCount: number, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new CipherLensError('BAD_INPUT', `${what} ${i} is ${label}, outside 0..${classCount - 1}`);
    }
  }
}

export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classCount: number,
): number[][] {
  if (truth.length !== predicted.length) {
    throw new CipherLensError('BAD_INPUT', `${truth.length} true labels but ${predicted.length} predictions`);
  }
  checkLabels(truth, classCount, 'true label');
  checkLabels(predicted, classCount, 'prediction');
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < truth.length; i++) matrix[truth[i]!]![predicted[i]!]!++;
  return matrix;
}

/** Index of the highest score in each row of a [rows × classCount] matrix; the first one on ties (argmax). */
export function argmaxRows(scores: Float32Array, classCount: number): Int32Array {
  const rows = scores.length / classCount;
  const out = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    let best = 0;
    for (let c = 1; c < classCount; c++)
      if (scores[row * classCount + c]! > scores[row * classCount + best]!) best = c;
    out[row] = best;
  }
  return out;
}

/** 0-based rank of the true class in each row: classes scoring higher, plus equal-scoring ones of lower index. */
function trueClassRanks(scores: Float32Array, truth: ArrayLike<number>, classCount: number): Int32Array {
  const ranks = new Int32Array(truth.length);
  for (let row = 0; row < truth.length; row++) {
    const label = truth[row]!;
    const own = scores[row * classCount + label]!;
    let rank = 0;
    for (let c = 0; c < classCount; c++) {
      const score = scores[row * classCount + c]!;
      if (score > own || (score === own && c < label)) rank++;
    }
    ranks[row] = rank;
  }
  return ranks;
}

export function topKAccuracy(
  scores: Float32Array,
  truth: ArrayLike<number>,
  classCount: number,
  k: number,
): number {
  if (truth.length === 0) return 0;
  const ranks = trueClassRanks(scores, truth, classCount);
  let hits = 0;
  for (const rank of ranks) if (rank < k) hits++;
  return hits / truth.length;
}

/** Metrics from true labels and a [count × classes] score matrix (logits or probabilities; only order matters). */
export function classificationMetrics(
  truth: ArrayLike<number>,
  scores: Float32Array,
  classes: readonly string[],
  topKs: readonly number[] = [1, 5],
): ClassificationMetrics {
  const classCount = classes.length;
  if (scores.length !== truth.length * classCount) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${truth.length} labels need a ${truth.length}×${classCount} score matrix, got ${scores.length} values`,
    );
  }
  const predicted = argmaxRows(scores, classCount);
  const matrix = confusionMatrix(truth, predicted, classCount);
  const perClass = classes.map((label, c) => {
    const tp = matrix[c]![c]!;
    const support = matrix[c]!.reduce((sum, n) => sum + n, 0);
    const predictedCount = matrix.reduce((sum, row) => sum + row[c]!, 0);
    const fp = predictedCount - tp;
    const fn = support - tp;
    return {
      label,
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, tp + fn),
      f1: ratio(2 * tp, 2 * tp + fp + fn),
      support,
      predictedCount,
    };
  });
  const present = perClass.filter((c) => c.support > 0 || c.predictedCount > 0);
  const totalSupport = perClass.reduce((sum, c) => sum + c.support, 0);
  const average = (pick: (c: (typeof perClass)[number]) => number, weighted: boolean): number =>
    weighted
      ? ratio(
          perClass.reduce((sum, c) => sum + pick(c) * c.support, 0),
          totalSupport,
        )
      : ratio(
          present.reduce((sum, c) => sum + pick(c), 0),
          present.length,
        );
  const correct = matrix.reduce((sum, row, c) => sum + row[c]!, 0);
  return {
    classes: [...classes],
    count: truth.length,
    accuracy: ratio(correct, truth.length),
    confusionMatrix: matrix,
    perClass: perClass.map(({ label, precision, recall, f1, support }) => ({
      label,
      precision,
      recall,
      f1,
      support,
    })),
    macro: {
      precision: average((c) => c.precision, false),
      recall: average((c) => c.recall, false),
      f1: average((c) => c.f1, false),
    },
    weighted: {
      precision: average((c) => c.precision, true),
      recall: average((c) => c.recall, true),
      f1: average((c) => c.f1, true),
    },
    topK: topKs
      .filter((k) => Number.isInteger(k) && k >= 1)
      .map((k) => ({ k, accuracy: topKAccuracy(scores, truth, classCount, k) })),
  };
}

/** How many images a confusion matrix counts. */
export const confusionTotal = (matrix: readonly (readonly number[])[]): number =>
  matrix.reduce((sum, row) => sum + row.reduce((s, v) => s + v, 0), 0);

/** How many images a confusion matrix counts as right: its diagonal. */
export const confusionCorrect = (matrix: readonly (readonly number[])[]): number =>
  matrix.reduce((sum, row, i) => sum + (row[i] ?? 0), 0);

/** The 95 % Wilson interval of the accuracy a confusion matrix records; null when it counts no image. */
export function accuracyInterval(
  matrix: readonly (readonly number[])[],
): { low: number; high: number } | null {
  const n = confusionTotal(matrix);
  return n > 0 ? wilsonInterval(confusionCorrect(matrix), n) : null;
}

/**
 * The Wilson score interval of a proportion (successes of n), z = 1.96 for 95 %. Unlike the normal
 * approximation it stays inside [0, 1] and is honest near 0 and 1, where every accuracy of this project sits.
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): { low: number; high: number } {
  if (!Number.isInteger(n) || n <= 0 || !(successes >= 0 && successes <= n)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `a proportion needs 0 ≤ successes ≤ n and n ≥ 1, got ${successes} of ${n}`,
    );
  }
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
