import { inferAll } from '../inference/batch.js';
import type { InferenceEngine } from '../inference/engine.js';
import type { ModelFiles } from '../inference/model-files.js';
import type { ProviderPreference } from '../inference/providers.js';
import type { Logger } from '../inference/session.js';
import { argmaxRows, classificationMetrics, type ClassificationMetrics } from './classification-metrics.js';
import {
  openExportForModel,
  readExportedSplit,
  type ExportManifest,
  type ExportedSplit,
} from '../inference/exported-split.js';
import { evaluateRetrieval, type RetrievalMetrics } from './retrieval-metrics.js';

export type EvaluationStage =
  'classify queries' | 'embed database' | 'retrieval vs database' | 'retrieval leave-one-out';

export interface EvaluateModelOptions {
  model: ModelFiles;
  /** An export folder of `cipherlens export-dataset` for the model's dataset and condition. */
  exportDir: string;
  /** Classified, and the retrieval queries (default test). */
  split?: string;
  /** The retrieval database for the query-vs-database protocol (default train). */
  databaseSplit?: string;
  provider?: ProviderPreference;
  threads?: number;
  batchSize?: number;
  ks?: readonly number[];
  topKs?: readonly number[];
  onProgress?: (stage: EvaluationStage, done: number, total: number) => void;
  signal?: AbortSignal;
  log?: Logger;
}

/** A JSON-able evaluation of one model on one export. */
export interface ModelEvaluation {
  format: 'cipherlens-evaluation';
  version: 1;
  createdAt: string;
  model: {
    id: string;
    architecture: string;
    dataset: string;
    condition: string;
    keyFingerprint: string | null;
    /** The plain model this one was transformed from for the key; null when trained for it (or plain). */
    transformedFrom: string | null;
    inputSize: number;
    onnxSha256: string;
    /** What the training run reported for its test split, for comparison. */
    reportedTest: { accuracy: number; weightedF1: number; macroF1: number } | null;
  };
  data: {
    dataset: string;
    condition: string;
    keyFingerprint: string | null;
    splitSeed: number;
    split: string;
    databaseSplit: string;
    queries: number;
    database: number;
  };
  classification: ClassificationMetrics;
  retrieval: { queryVsDatabase: RetrievalMetrics; leaveOneOut: RetrievalMetrics };
  run: {
    provider: string;
    threads: number;
    imagesPerSecond: number;
    seconds: { inference: number; retrievalVsDatabase: number; retrievalLeaveOneOut: number; total: number };
    /** CPU time of both retrieval evaluations, all threads: on an idle machine, wall ≈ this / cores. */
    retrievalCpuSeconds: number;
  };
}

const seconds = (start: number): number => (performance.now() - start) / 1000;

type InferenceOutputs = Awaited<ReturnType<typeof inferAll>>;

/** Every image's true and predicted class on the classified split, in split order (not part of the report). */
export interface SplitPredictions {
  split: string;
  labels: Int32Array;
  predicted: Int32Array;
}

/**
 * One split through the model: its tensors, the model's outputs and its predicted classes. The one path both
 * the evaluation and a re-classification take, so a re-classification reproduces an evaluation exactly.
 */
async function inferSplit(
  engine: InferenceEngine,
  options: { model: ModelFiles; exportDir: string; signal?: AbortSignal },
  manifest: ExportManifest,
  split: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ data: ExportedSplit; outputs: InferenceOutputs; predicted: Int32Array }> {
  const data = await readExportedSplit(options.exportDir, manifest, split);
  const outputs = await inferAll(engine, data.images, { signal: options.signal, onProgress });
  return { data, outputs, predicted: argmaxRows(outputs.logits, options.model.card.classes.length) };
}

/** Classification only: the model's prediction for every image of one exported split. */
export async function predictExportedSplit(
  options: Pick<
    EvaluateModelOptions,
    'model' | 'exportDir' | 'split' | 'provider' | 'threads' | 'batchSize' | 'signal' | 'log'
  >,
): Promise<SplitPredictions> {
  const split = options.split ?? 'test';
  const { manifest, engine } = await openExportForModel(options.model, options.exportDir, options);
  try {
    const { data, predicted } = await inferSplit(engine, options, manifest, split);
    return { split, labels: data.labels, predicted };
  } finally {
    await engine.close();
  }
}

export async function evaluateModel(options: EvaluateModelOptions): Promise<ModelEvaluation> {
  return (await evaluateModelWithPredictions(options)).evaluation;
}

/**
 * Classification of `split` and retrieval with `split` as queries, against `databaseSplit` and leave-one-out
 * within `split` (relevance = same class). Reads the encrypted tensors; the key itself is not needed. The
 * per-image predictions come back beside the report, for paired tests between models.
 */
export async function evaluateModelWithPredictions(
  options: EvaluateModelOptions,
): Promise<{ evaluation: ModelEvaluation; predictions: SplitPredictions }> {
  const { model, exportDir } = options;
  const { card } = model;
  const split = options.split ?? 'test';
  const databaseSplit = options.databaseSplit ?? 'train';
  const { manifest, engine } = await openExportForModel(model, exportDir, options);
  const progress = options.onProgress ?? (() => undefined);
  const started = performance.now();

  let queries: ExportedSplit;
  let queryOutputs: InferenceOutputs;
  let predicted: Int32Array;
  let databaseOutputs: InferenceOutputs;
  let database: ExportedSplit;
  const inferenceStart = performance.now();
  try {
    ({
      data: queries,
      outputs: queryOutputs,
      predicted,
    } = await inferSplit(engine, options, manifest, split, (d, t) => progress('classify queries', d, t)));
    ({ data: database, outputs: databaseOutputs } = await inferSplit(
      engine,
      options,
      manifest,
      databaseSplit,
      (d, t) => progress('embed database', d, t),
    ));
  } finally {
    await engine.close();
  }
  const inferenceSeconds = seconds(inferenceStart);

  const classification = classificationMetrics(
    queries.labels,
    queryOutputs.logits,
    card.classes,
    options.topKs ?? [1, 2, 3],
  );
  const dim = card.embeddingDim;
  const retrievalOptions = { ks: options.ks ?? [1, 10, 100], threads: options.threads };
  const retrievalCpu = process.cpuUsage();
  let start = performance.now();
  const queryVsDatabase = await evaluateRetrieval(
    { vectors: queryOutputs.embeddings, labels: queries.labels },
    { vectors: databaseOutputs.embeddings, labels: database.labels },
    dim,
    card.classes,
    { ...retrievalOptions, onProgress: (d, t) => progress('retrieval vs database', d, t) },
  );
  const retrievalVsDatabase = seconds(start);
  start = performance.now();
  const leaveOneOut = await evaluateRetrieval(
    { vectors: queryOutputs.embeddings, labels: queries.labels },
    null,
    dim,
    card.classes,
    {
      ...retrievalOptions,
      onProgress: (d, t) => progress('retrieval leave-one-out', d, t),
    },
  );
  const retrievalLeaveOneOut = seconds(start);
  const cpu = process.cpuUsage(retrievalCpu);

  const evaluation: ModelEvaluation = {
    format: 'cipherlens-evaluation',
    version: 1,
    createdAt: new Date().toISOString(),
    model: {
      id: card.id,
      architecture: card.architecture,
      dataset: card.dataset,
      condition: card.condition,
      keyFingerprint: card.keyFingerprint,
      transformedFrom: card.transformedFrom?.model ?? null,
      inputSize: card.inputSize,
      onnxSha256: card.onnx.sha256,
      reportedTest: card.metrics.test
        ? {
            accuracy: card.metrics.test.accuracy,
            weightedF1: card.metrics.test.weightedF1,
            macroF1: card.metrics.test.macroF1,
          }
        : null,
    },
    data: {
      dataset: manifest.dataset,
      condition: manifest.condition,
      keyFingerprint: manifest.keyFingerprint,
      splitSeed: manifest.splitSeed,
      split,
      databaseSplit,
      queries: queries.count,
      database: database.count,
    },
    classification,
    retrieval: { queryVsDatabase, leaveOneOut },
    run: {
      provider: engine.provider,
      threads: engine.threads,
      imagesPerSecond: (queries.count + database.count) / inferenceSeconds,
      seconds: {
        inference: inferenceSeconds,
        retrievalVsDatabase,
        retrievalLeaveOneOut,
        total: seconds(started),
      },
      retrievalCpuSeconds: (cpu.user + cpu.system) / 1e6,
    },
  };
  return { evaluation, predictions: { split, labels: queries.labels, predicted } };
}
