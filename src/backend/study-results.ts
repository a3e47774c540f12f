import type { z } from 'zod';
import { CipherLensError } from '../core/errors.js';
import { readStudyResults, type StudyResult } from '../core/study/results.js';
import type {
  AblationRowSchema,
  EvaluateAblationResponseSchema,
  EvaluateStudyConfigResponseSchema,
} from '../shared/analysis.js';

type AblationRow = z.output<typeof AblationRowSchema>;

/** One configuration of the study as a table row; the id is its configuration hash. */
function toRow(result: StudyResult): AblationRow {
  const { configuration, classification, retrieval } = result;
  return {
    id: result.hash,
    dataset: configuration.dataset,
    condition: configuration.condition,
    architecture: configuration.architecture,
    accuracy: classification.accuracy,
    macroF1: classification.macroF1,
    weightedF1: classification.weightedF1,
    mAP: retrieval.testToTrain.mAP,
    precisionAt10: retrieval.testToTrain.precisionAt10,
    mAPTestToTest: retrieval.testToTest.mAP,
    hasConfusionMatrix: classification.confusionMatrix.length === classification.classes.length,
  };
}

/** The ablation table from study/results (configurations that did not finish are simply absent). */
export async function readStudyTable(
  dir: string | null,
): Promise<z.output<typeof EvaluateAblationResponseSchema>> {
  if (!dir) return { available: false, rows: [], problems: [] };
  const { results, problems } = await readStudyResults(dir);
  const rows = results.map(toRow);
  return { available: rows.length > 0, rows, problems };
}

export async function readStudyConfig(
  dir: string | null,
  id: string,
): Promise<z.output<typeof EvaluateStudyConfigResponseSchema>> {
  const result = dir ? (await readStudyResults(dir)).results.find((r) => r.hash === id) : undefined;
  if (!result) throw new CipherLensError('NOT_FOUND', `no study result for configuration ${id}`);
  const { classification } = result;
  return {
    row: toRow(result),
    labels: classification.classes,
    matrix: classification.confusionMatrix,
    perClass: classification.perClass,
  };
}
