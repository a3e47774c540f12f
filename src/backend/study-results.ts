import type { z } from 'zod';
import { CipherLensError } from '../core/errors.js';
import { accuracyInterval, confusionTotal } from '../core/evaluation/classification-metrics.js';
import {
  STUDY_BUDGETS,
  STUDY_BUDGET_NAMES,
  STUDY_GRID_CONDITIONS,
  budgetName,
  configurationHash,
  describeBudget,
  studyConfigurations,
  type StudyConfiguration,
} from '../core/study/configurations.js';
import { formatP, lookupFor, pairedTests, testedCount, verdictOf } from '../core/study/paired.js';
import { readStudyResults, type StudyResult } from '../core/study/results.js';
import type {
  AblationRowSchema,
  EvaluateAblationResponseSchema,
  EvaluateStudyConfigResponseSchema,
  StudyPairedTestSchema,
} from '../shared/analysis.js';

type AblationRow = z.output<typeof AblationRowSchema>;
type AblationPairedTest = z.output<typeof StudyPairedTestSchema>;

const modelOf = (c: StudyConfiguration): AblationRow['model'] =>
  c.derivation === 'key-transform' ? 'key-transformed' : 'trained';

/** One configuration of the study as a table row; the id is its configuration hash. */
function toRow(result: StudyResult): AblationRow {
  const { configuration, classification, retrieval, training, hardware } = result;
  const testImages = confusionTotal(classification.confusionMatrix);
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
    testImages: testImages > 0 ? testImages : null,
    accuracyInterval: accuracyInterval(classification.confusionMatrix),
    budget: budgetName(configuration.budget) ?? 'other',
    model: modelOf(configuration),
    epochsRun: training.epochsRun,
    trainingSeconds: training.durationSeconds,
    evaluationSeconds: result.evaluationSeconds,
    device: training.device,
    hardware: `${hardware.cpu} × ${hardware.cores}`,
  };
}

/** A configuration of a named budget that has no result yet: listed, with no numbers. */
function missingRow(configuration: StudyConfiguration, budget: string): AblationRow {
  return {
    id: configurationHash(configuration),
    dataset: configuration.dataset,
    condition: configuration.condition,
    architecture: configuration.architecture,
    accuracy: null,
    macroF1: null,
    weightedF1: null,
    mAP: null,
    precisionAt10: null,
    mAPTestToTest: null,
    hasConfusionMatrix: false,
    testImages: null,
    accuracyInterval: null,
    budget,
    model: modelOf(configuration),
    epochsRun: null,
    trainingSeconds: null,
    evaluationSeconds: null,
    device: null,
    hardware: null,
  };
}

/**
 * The ablation table from study/results: for each named budget every configuration of the grid (a finished one
 * with its numbers, the rest as missing rows), then results stored under any other budget as they are.
 */
export async function readStudyTable(
  dir: string | null,
): Promise<z.output<typeof EvaluateAblationResponseSchema>> {
  if (!dir) return { available: false, rows: [], budgets: [], problems: [] };
  const { results, problems } = await readStudyResults(dir);
  if (results.length === 0) return { available: false, rows: [], budgets: [], problems };
  const byHash = new Map(results.map((r) => [r.hash, r]));
  const rows: AblationRow[] = [];
  const budgets: z.output<typeof EvaluateAblationResponseSchema>['budgets'] = [];
  // The study runs under one key; its fingerprint (from any stored result) fixes the grid's hashes.
  const fingerprint = results[0]!.configuration.keyFingerprint;
  for (const name of STUDY_BUDGET_NAMES) {
    const grid = studyConfigurations(fingerprint, STUDY_BUDGETS[name]);
    const found = grid.map((c) => byHash.get(configurationHash(c)));
    rows.push(...grid.map((c, i) => (found[i] ? toRow(found[i]) : missingRow(c, name))));
    budgets.push({
      name,
      description: describeBudget(STUDY_BUDGETS[name]),
      finished: found.filter(Boolean).length,
      expected: grid.length,
    });
  }
  const others = results.filter((r) => !rows.some((row) => row.id === r.hash));
  if (others.length > 0) {
    rows.push(...others.map(toRow));
    budgets.push({
      name: 'other',
      description: 'results stored under a budget that is not a named one',
      finished: others.length,
      expected: others.length,
    });
  }
  return { available: true, rows, budgets, problems };
}

export async function readStudyConfig(
  dir: string | null,
  id: string,
): Promise<z.output<typeof EvaluateStudyConfigResponseSchema>> {
  const results = dir ? (await readStudyResults(dir)).results : [];
  const result = results.find((r) => r.hash === id);
  if (!result) throw new CipherLensError('NOT_FOUND', `no study result for configuration ${id}`);
  const { classification } = result;
  return {
    row: toRow(result),
    labels: classification.classes,
    matrix: classification.confusionMatrix,
    perClass: classification.perClass,
    pairedTests: pairedTestsOf(results, result),
  };
}

/** The paired tests of the result's table (its dataset at its named budget) that involve it. */
function pairedTestsOf(results: StudyResult[], result: StudyResult): AblationPairedTest[] {
  const name = budgetName(result.configuration.budget);
  if (!name) return [];
  // Only results of the same study key: the table's grid is one key's, and so are its comparisons.
  const sameKey = results.filter(
    (r) => r.configuration.keyFingerprint === result.configuration.keyFingerprint,
  );
  const tests = pairedTests(
    result.configuration.dataset,
    lookupFor(sameKey, STUDY_BUDGETS[name]),
    STUDY_GRID_CONDITIONS[name],
  );
  const comparisons = testedCount(tests);
  return tests.flatMap(({ a, b, resultA, resultB, outcome }) =>
    typeof outcome !== 'string' && (resultA?.hash === result.hash || resultB?.hash === result.hash)
      ? [
          {
            a,
            b,
            accuracyA: resultA!.classification.accuracy,
            accuracyB: resultB!.classification.accuracy,
            onlyA: outcome.onlyA,
            onlyB: outcome.onlyB,
            p: outcome.p,
            pText: formatP(outcome.p),
            verdict: verdictOf(outcome),
            comparisons,
          },
        ]
      : [],
  );
}
