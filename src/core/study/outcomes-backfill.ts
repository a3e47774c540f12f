import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CipherKey } from '../crypto/keys.js';
import { confusionMatrix } from '../evaluation/classification-metrics.js';
import { predictExportedSplit } from '../evaluation/evaluate-model.js';
import { configurationLabel, plainSourceOf, type StudyConfiguration } from './configurations.js';
import { encodeTestOutcomes } from './outcomes.js';
import { findResult, readStudyResults, writeStudyResult } from './results.js';
import { exportDirFor, studyModel, studyModelDir } from './runner.js';

export type OutcomesEvent =
  | { type: 'added'; label: string }
  | { type: 'skipped'; label: string; reason: string }
  | { type: 'failed'; label: string; error: string }
  | { type: 'unreadable'; problem: string };

/**
 * Adds per-image test outcomes to stored results that were written before the runner kept them, by classifying
 * the test split again with the configuration's model, still in `workDir` (classification only, no retraining).
 * A result is rewritten only when the new predictions reproduce its stored confusion matrix and model size
 * exactly, so the outcomes belong to the very model its numbers came from; otherwise it is left as it was.
 */
export async function addTestOutcomes(options: {
  configurations: StudyConfiguration[];
  resultsDir: string;
  workDir: string;
  exportsDir: string;
  key?: CipherKey;
  threads?: number;
  signal?: AbortSignal;
  onEvent?: (event: OutcomesEvent) => void;
}): Promise<{ added: number; skipped: number; failed: number }> {
  const emit = options.onEvent ?? (() => undefined);
  const { results, problems } = await readStudyResults(options.resultsDir);
  for (const problem of problems) emit({ type: 'unreadable', problem });
  const counts = { added: 0, skipped: 0, failed: 0 };
  for (const configuration of options.configurations) {
    options.signal?.throwIfAborted();
    const label = configurationLabel(configuration);
    const result = findResult(results, configuration);
    const skip = (reason: string): void => {
      counts.skipped += 1;
      emit({ type: 'skipped', label, reason });
    };
    if (!result) {
      skip('no stored result');
      continue;
    }
    if (result.testOutcomes) {
      skip('outcomes already stored');
      continue;
    }
    const trained =
      configuration.derivation === 'key-transform' ? plainSourceOf(configuration) : configuration;
    const cardPath = join(studyModelDir(options.workDir, trained), `${configurationLabel(trained)}.json`);
    if (!existsSync(cardPath)) {
      skip(`its model is no longer in ${options.workDir}`);
      continue;
    }
    try {
      const model = await studyModel(configuration, cardPath, options.key);
      const modelBytes = model.onnxBytes?.byteLength ?? (await stat(model.onnxPath)).size;
      const { labels, predicted } = await predictExportedSplit({
        model,
        exportDir: exportDirFor(options.exportsDir, configuration),
        split: 'test',
        threads: options.threads,
        signal: options.signal,
      });
      const matrix = confusionMatrix(labels, predicted, model.card.classes.length);
      if (
        modelBytes !== result.modelBytes ||
        JSON.stringify(matrix) !== JSON.stringify(result.classification.confusionMatrix)
      ) {
        throw new Error(
          'the model in the work folder does not reproduce the stored confusion matrix and model size: it or the export changed since; the result is left as it was',
        );
      }
      await writeStudyResult(options.resultsDir, {
        ...result,
        testOutcomes: encodeTestOutcomes(labels, predicted),
      });
      counts.added += 1;
      emit({ type: 'added', label });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      counts.failed += 1;
      emit({ type: 'failed', label, error: (error as Error).message });
    }
  }
  return counts;
}
