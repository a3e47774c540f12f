import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CONDITIONS } from '../crypto/condition.js';
import { confusionCorrect, confusionTotal } from '../evaluation/classification-metrics.js';
import { writeFileAtomic } from '../fs/atomic.js';
import {
  STUDY_ARCHITECTURES,
  STUDY_DATASETS,
  configurationHash,
  configurationLabel,
  type StudyConfiguration,
} from './configurations.js';
import { correctCount, testOutcomesSchema } from './outcomes.js';

const retrievalSchema = z.object({
  mAP: z.number(),
  mAPAt10: z.number(),
  precisionAt10: z.number(),
  queries: z.number().int(),
  databaseSize: z.number().int(),
});

const perClassSchema = z.object({
  label: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int(),
});

export const studyResultSchema = z.object({
  format: z.literal('cipherlens-study-result'),
  version: z.literal(1),
  hash: z.string(),
  configuration: z.object({
    dataset: z.enum(STUDY_DATASETS),
    condition: z.enum(CONDITIONS),
    architecture: z.enum(STUDY_ARCHITECTURES),
    budget: z.object({
      epochs: z.number(),
      patience: z.number(),
      maxTrain: z.number().nullable(),
      batchSize: z.number(),
      learningRate: z.number(),
      seed: z.number(),
    }),
    keyFingerprint: z.string(),
    encryptionSpecVersion: z.number(),
    splitSeed: z.number(),
    derivation: z.literal('key-transform').optional(),
  }),
  classification: z.object({
    classes: z.array(z.string()),
    accuracy: z.number(),
    macroF1: z.number(),
    weightedF1: z.number(),
    confusionMatrix: z.array(z.array(z.number().int().min(0))),
    perClass: z.array(perClassSchema),
  }),
  /** Per-image outcomes on the test split, for paired tests; absent in results stored before they were kept. */
  testOutcomes: testOutcomesSchema.optional(),
  retrieval: z.object({ testToTrain: retrievalSchema, testToTest: retrievalSchema }),
  training: z.object({
    durationSeconds: z.number(),
    epochsRun: z.number().int().nullable(),
    device: z.string(),
    torchVersion: z.string().nullable(),
    validation: z.record(z.string(), z.number()).nullable(),
  }),
  evaluationSeconds: z.number(),
  hardware: z.object({ cpu: z.string(), cores: z.number().int(), platform: z.string() }),
  modelBytes: z.number().int(),
  createdAt: z.string(),
});
export type StudyResult = z.infer<typeof studyResultSchema>;

export function resultFileName(configuration: StudyConfiguration): string {
  return `${configurationLabel(configuration)}-${configurationHash(configuration)}.json`;
}

export async function writeStudyResult(dir: string, result: StudyResult): Promise<string> {
  const path = join(dir, resultFileName(result.configuration));
  await writeFileAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/**
 * Numbers that disagree with each other make a result unusable, not half-used: the accuracy must be the
 * confusion matrix's diagonal over its total, and per-image outcomes must count the same images and hits.
 */
function consistencyProblem(result: StudyResult): string | null {
  const { confusionMatrix, accuracy, classes } = result.classification;
  if (
    confusionMatrix.length !== classes.length ||
    confusionMatrix.some((row) => row.length !== classes.length)
  ) {
    return `the confusion matrix is not ${classes.length} × ${classes.length} (one row and column per class)`;
  }
  const images = confusionTotal(confusionMatrix);
  const right = confusionCorrect(confusionMatrix);
  if (images === 0) return 'the confusion matrix counts no test image';
  if (Math.abs(accuracy - right / images) > 1e-9) {
    return `accuracy ${accuracy} ≠ ${right} right of ${images} in the confusion matrix`;
  }
  const outcomes = result.testOutcomes;
  if (!outcomes) return null;
  try {
    if (outcomes.count !== images) return `testOutcomes count ${outcomes.count} ≠ ${images} test images`;
    const hits = correctCount(outcomes);
    if (hits !== right) return `testOutcomes have ${hits} right, the confusion matrix ${right}`;
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}

/** Every valid result file in `dir`; a damaged file is reported, never silently used. */
export async function readStudyResults(dir: string): Promise<{ results: StudyResult[]; problems: string[] }> {
  let names: string[];
  try {
    // security-<dataset>.json files beside the configuration results belong to the security study.
    names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('security-')).sort();
  } catch {
    return { results: [], problems: [] };
  }
  const results: StudyResult[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      const parsed = studyResultSchema.safeParse(JSON.parse(await readFile(join(dir, name), 'utf8')));
      if (!parsed.success) problems.push(`${name}: ${z.prettifyError(parsed.error)}`);
      else {
        const inconsistent = consistencyProblem(parsed.data);
        if (inconsistent) problems.push(`${name}: ${inconsistent}`);
        else results.push(parsed.data);
      }
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { results, problems };
}

export function findResult(
  results: StudyResult[],
  configuration: StudyConfiguration,
): StudyResult | undefined {
  const hash = configurationHash(configuration);
  return results.find((r) => r.hash === hash);
}
