import { cpus, platform } from 'node:os';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CipherLensError } from '../errors.js';
import { evaluateModelWithPredictions, type EvaluationStage } from '../evaluation/evaluate-model.js';
import type { CipherKey } from '../crypto/keys.js';
import { deriveTransformedModel } from '../inference/model-catalog.js';
import { resolveModel, type ModelFiles } from '../inference/model-files.js';
import {
  configurationHash,
  configurationLabel,
  plainSourceOf,
  type StudyConfiguration,
} from './configurations.js';
import { encodeTestOutcomes } from './outcomes.js';
import { findResult, readStudyResults, writeStudyResult, type StudyResult } from './results.js';

/**
 * What the runner needs from a trainer: one configuration in, one ONNX model + card out, the card at
 * `<outDir>/<modelId>.json` (where `cipherlens study outcomes` finds it again).
 */
export interface StudyTrainer {
  train(request: {
    configuration: StudyConfiguration;
    exportDir: string;
    outDir: string;
    modelId: string;
    onProgress: (message: string) => void;
    signal?: AbortSignal;
  }): Promise<{ cardPath: string; durationSeconds: number; epochsRun: number | null; device: string }>;
}

export interface StudyRunOptions {
  configurations: StudyConfiguration[];
  resultsDir: string;
  /** Where each configuration's ONNX model and checkpoints go (not committed). */
  workDir: string;
  exportsDir: string;
  trainer: StudyTrainer;
  /** The study key: needed by key-transformed configurations, which rewrite a plain model for it. */
  key?: CipherKey;
  threads?: number;
  onEvent?: (event: StudyEvent) => void;
  signal?: AbortSignal;
}

export type StudyEvent =
  | { type: 'skip'; index: number; total: number; label: string; reason: string }
  | { type: 'start'; index: number; total: number; label: string; etaSeconds: number | null }
  | { type: 'train'; label: string; message: string }
  | { type: 'evaluate'; label: string; stage: EvaluationStage; done: number; total: number }
  | { type: 'done'; index: number; total: number; label: string; seconds: number; result: StudyResult }
  | { type: 'failed'; index: number; total: number; label: string; error: string }
  /** A stored result file that cannot be used (damaged, inconsistent): its configuration counts as missing. */
  | { type: 'unreadable'; problem: string };

/** The folder of a trained configuration's model card, ONNX and checkpoints. */
export const studyModelDir = (workDir: string, trained: StudyConfiguration): string =>
  join(workDir, configurationHash(trained));

export const exportDirFor = (exportsDir: string, c: StudyConfiguration): string =>
  join(exportsDir, `${c.dataset}-${c.condition}`);

function hardware(): StudyResult['hardware'] {
  const list = cpus();
  return { cpu: list[0]?.model ?? 'unknown', cores: list.length, platform: platform() };
}

/**
 * Runs every configuration that has no stored result yet. A finished configuration is written atomically the
 * moment it completes, so an interrupted study resumes where it stopped; a failure is reported and the study
 * goes on with the next configuration (the failed one stays missing and is retried next time).
 */
export async function runStudy(
  options: StudyRunOptions,
): Promise<{ completed: number; skipped: number; failed: string[] }> {
  const { configurations, resultsDir, workDir, exportsDir, trainer } = options;
  const emit = options.onEvent ?? (() => undefined);
  const total = configurations.length;
  const { results: existing, problems } = await readStudyResults(resultsDir);
  for (const problem of problems) emit({ type: 'unreadable', problem });
  const durations: number[] = [];
  let completed = 0;
  let skipped = 0;
  const failed: string[] = [];
  const pending = configurations.filter((c) => !findResult(existing, c));

  for (const [index, configuration] of configurations.entries()) {
    const label = configurationLabel(configuration);
    if (findResult(existing, configuration)) {
      skipped += 1;
      emit({ type: 'skip', index, total, label, reason: 'result already stored' });
      continue;
    }
    if (options.signal?.aborted) throw new CipherLensError('CANCELLED', 'study cancelled');
    const remaining = pending.length - completed - failed.length;
    const mean = durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
    emit({ type: 'start', index, total, label, etaSeconds: mean === null ? null : mean * remaining });
    const started = performance.now();
    try {
      const result = await runOne(configuration, {
        exportDir: exportDirFor(exportsDir, configuration),
        exportsDir,
        workDir,
        trainer,
        key: options.key,
        threads: options.threads,
        signal: options.signal,
        onTrain: (message) => emit({ type: 'train', label, message }),
        onEvaluate: (stage, done, stageTotal) =>
          emit({ type: 'evaluate', label, stage, done, total: stageTotal }),
      });
      await writeStudyResult(resultsDir, result);
      const seconds = (performance.now() - started) / 1000;
      durations.push(seconds);
      completed += 1;
      emit({ type: 'done', index, total, label, seconds, result });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      failed.push(label);
      emit({ type: 'failed', index, total, label, error: (error as Error).message });
    }
  }
  return { completed, skipped, failed };
}

/**
 * The model a configuration is evaluated with: the trained model of `cardPath`, or for a key-transformed
 * configuration that (plain) model rewritten for the study key.
 */
export async function studyModel(
  configuration: StudyConfiguration,
  cardPath: string,
  key: CipherKey | undefined,
): Promise<ModelFiles> {
  const model = await resolveModel(cardPath);
  return configuration.derivation === 'key-transform'
    ? deriveTransformedModel(model, checkStudyKey(configuration, key))
    : model;
}

/** A key-transformed configuration needs the study key itself; checked before anything is trained. */
function checkStudyKey(configuration: StudyConfiguration, key: CipherKey | undefined): CipherKey {
  if (!key || key.fingerprint !== configuration.keyFingerprint) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${configurationLabel(configuration)} rewrites the plain model for key ${configuration.keyFingerprint}: run the study with that key`,
    );
  }
  return key;
}

async function runOne(
  configuration: StudyConfiguration,
  context: {
    exportDir: string;
    exportsDir: string;
    workDir: string;
    trainer: StudyTrainer;
    key: CipherKey | undefined;
    threads: number | undefined;
    signal: AbortSignal | undefined;
    onTrain: (message: string) => void;
    onEvaluate: (stage: EvaluationStage, done: number, total: number) => void;
  },
): Promise<StudyResult> {
  // Checked before training, so a missing key costs nothing.
  if (configuration.derivation === 'key-transform') checkStudyKey(configuration, context.key);
  // A key-transformed configuration trains (or, resumed, reuses) its plain source in that source's own folder,
  // so the plain row and the transformed row share one training run.
  const trainedConfiguration =
    configuration.derivation === 'key-transform' ? plainSourceOf(configuration) : configuration;
  const trained = await context.trainer.train({
    configuration: trainedConfiguration,
    exportDir: exportDirFor(context.exportsDir, trainedConfiguration),
    outDir: studyModelDir(context.workDir, trainedConfiguration),
    modelId: configurationLabel(trainedConfiguration),
    onProgress: context.onTrain,
    signal: context.signal,
  });
  const model = await studyModel(configuration, trained.cardPath, context.key);
  const evaluationStarted = performance.now();
  const { evaluation, predictions } = await evaluateModelWithPredictions({
    model,
    exportDir: context.exportDir,
    split: 'test',
    databaseSplit: 'train',
    threads: context.threads,
    onProgress: context.onEvaluate,
    signal: context.signal,
  });
  const evaluationSeconds = (performance.now() - evaluationStarted) / 1000;
  const at = (list: { k: number; value: number }[], k: number): number =>
    list.find((e) => e.k === k)?.value ?? NaN;
  const retrieval = (r: typeof evaluation.retrieval.queryVsDatabase) => ({
    mAP: r.mAP,
    mAPAt10: at(r.mAPAtK, 10),
    precisionAt10: at(r.precisionAtK, 10),
    queries: r.queries,
    databaseSize: r.database,
  });
  const c = evaluation.classification;
  return {
    format: 'cipherlens-study-result',
    version: 1,
    hash: configurationHash(configuration),
    configuration,
    classification: {
      classes: c.classes,
      accuracy: c.accuracy,
      macroF1: c.macro.f1,
      weightedF1: c.weighted.f1,
      confusionMatrix: c.confusionMatrix,
      perClass: c.perClass,
    },
    testOutcomes: encodeTestOutcomes(predictions.labels, predictions.predicted),
    retrieval: {
      testToTrain: retrieval(evaluation.retrieval.queryVsDatabase),
      testToTest: retrieval(evaluation.retrieval.leaveOneOut),
    },
    training: {
      durationSeconds: trained.durationSeconds,
      epochsRun: trained.epochsRun,
      device: trained.device,
      torchVersion: model.card.torchVersion ?? null,
      validation: (model.card.metrics?.validation as Record<string, number> | undefined) ?? null,
    },
    evaluationSeconds,
    hardware: hardware(),
    modelBytes: model.onnxBytes?.byteLength ?? (await stat(model.onnxPath)).size,
    createdAt: new Date().toISOString(),
  };
}
