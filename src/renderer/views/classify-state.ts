import type { OperationResponse } from '../../shared/index.js';
import type { JobResult } from '../app/jobs.js';

/** What the Classify view decides, apart from drawing it (tested in test/renderer/classify.test.ts). */

export type ClassifyResult = OperationResponse<'classifyImage'>;
export type BatchResult = JobResult<'classify-batch'>;

export const TOP_K_MAX = 100;

/** The top-k field's value: a whole number in 1..TOP_K_MAX (1 for anything unreadable). */
export const clampTopK = (value: number): number => Math.min(TOP_K_MAX, Math.max(1, Math.floor(value) || 1));

/** "Hand — 97.3%", or that there is none. */
export function resultTitle(result: ClassifyResult): string {
  const top = result.predictions[0];
  return top ? `${top.label} — ${(top.probability * 100).toFixed(1)}%` : 'No prediction';
}

/** Right or wrong against the image's label; null when it has none. */
export function verdict(result: ClassifyResult): { correct: boolean; text: string } | null {
  const top = result.predictions[0];
  if (result.trueLabel === null || !top) return null;
  const correct = top.label === result.trueLabel;
  return { correct, text: `${correct ? 'Correct' : 'Wrong'}: labelled ${result.trueLabel}` };
}

/** The out-of-distribution warning, when the calibrated score flags the image. */
export function oodWarning(result: ClassifyResult): { badge: string; title: string; text: string } | null {
  const ood = result.outOfDistribution;
  if (!ood?.flag) return null;
  const score = ood.score.toPrecision(4);
  const threshold = ood.threshold.toPrecision(4);
  return {
    badge: 'Unlike anything this model was trained on',
    title: `${ood.method} score ${score} > threshold ${threshold}`,
    text:
      `This image scores ${score} (${ood.method}), above ${threshold}, ` +
      'which only about 1 % of the validation images exceed: the prediction above is probably meaningless.',
  };
}

/** What the model was given, never "encrypted" for a plain model's input. */
export const modelSawCaption = (input: ClassifyResult['run']['input']): string =>
  input === 'encrypted' ? 'what the model saw (encrypted)' : 'what the model saw (decrypted — plain model)';

/** A batch's misclassified rows (labelled, top-1 not the label) and its out-of-distribution count. */
export function batchSummary(result: BatchResult): {
  wrong: BatchResult['results'];
  unlike: number;
  calibrated: boolean;
} {
  return {
    wrong: result.results.filter(
      (row) => row.trueLabel !== null && row.predictions[0]?.label !== row.trueLabel,
    ),
    unlike: result.results.filter((row) => row.outOfDistribution?.flag === true).length,
    calibrated: result.results.some((row) => row.outOfDistribution),
  };
}
