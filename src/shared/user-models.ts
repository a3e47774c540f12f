import { z } from 'zod';
import { Base64Schema, FileNameSchema, FingerprintSchema, PathSchema } from './common.js';
import { ModelInfoSchema } from './system.js';

/** A model card is a small JSON file; anything bigger is refused before it is parsed. */
export const MAX_MODEL_CARD_CHARS = 1024 * 1024;

/**
 * A model to add to the user's models: an ONNX file and its JSON card, by path on the back end's machine
 * (Electron: from a native dialog; `cardPath` defaults to `<name>.json` beside the ONNX file) or uploaded
 * (browser host: the ONNX bytes in base64, up to MAX_UPLOAD_BYTES, and the card's text).
 */
export const ModelsImportRequestSchema = z.strictObject({
  source: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('path'), onnxPath: PathSchema, cardPath: PathSchema.optional() }),
    z.strictObject({
      kind: z.literal('upload'),
      onnxName: FileNameSchema,
      onnxBase64: Base64Schema.min(1, 'the ONNX file is empty'),
      cardText: z.string().min(1, 'the model card is empty').max(MAX_MODEL_CARD_CHARS),
    }),
  ]),
  /** Overwrite a user model with the same id; without it such an import is refused. Shipped models never are. */
  replace: z.boolean().default(false),
});
export const ModelsImportResponseSchema = z.strictObject({
  model: ModelInfoSchema,
  /** True when a user model with the same id was replaced. */
  replaced: z.boolean(),
});

export const TrainDatasetSchema = z.enum(['mednist', 'mnist']);
/** The architectures the app trains for a key: the paper's DCNN, and the bit-plane MLP (best on both datasets). */
export const TrainArchitectureSchema = z.enum(['dcnn', 'bitplane-mlp']);

/** One dataset/architecture the app can train, with its default budget and what that costs on a CPU. */
export const TrainOptionSchema = z.strictObject({
  dataset: TrainDatasetSchema,
  architecture: TrainArchitectureSchema,
  defaultEpochs: z.number().int().min(1),
  /** Measured seconds per epoch on a 2-core CPU (the shipped models' training machine). */
  cpuSecondsPerEpoch: z.number().min(0),
  /** Whether the dataset was found in the host's data folder. */
  datasetAvailable: z.boolean(),
});

export const ModelsTrainStatusRequestSchema = z.strictObject({
  /** Probe Python again (after installing PyTorch) instead of answering from the last probe. */
  recheck: z.boolean().default(false),
});
export const ModelsTrainStatusSchema = z.strictObject({
  /** Where imported and trained models are kept (the user's state folder, never the install). */
  userModelsDir: z.string(),
  /** Training can start: Python with torch, onnx and numpy, and the trainer, were found. */
  available: z.boolean(),
  /** The interpreter that was checked. */
  python: z.string(),
  /** Versions found; null when the check failed. */
  stack: z
    .strictObject({
      pythonVersion: z.string(),
      torch: z.string(),
      onnx: z.string(),
      numpy: z.string(),
      cuda: z.boolean(),
    })
    .nullable(),
  /** Why training cannot run, what to install, how long training takes and what works meanwhile; null when available. */
  problem: z.string().nullable(),
  /** How to install the Python side (Debian packages, else pip). */
  installHint: z.string(),
  /** How long training takes on a CPU, and that the transformed models need none. */
  timeNote: z.string(),
  options: z.array(TrainOptionSchema),
  /** A model-train job that is running now, if any (one at a time). */
  runningJobId: z.string().nullable(),
});
export type ModelsTrainStatus = z.infer<typeof ModelsTrainStatusSchema>;

/**
 * Train a model for the ACTIVE key: the dataset is exported encrypted with it (inside the back end, in the state
 * folder's cache, deleted afterwards), the Python trainer runs, and the model is installed among the user's models.
 */
export const ModelsTrainRequestSchema = z.strictObject({
  dataset: TrainDatasetSchema,
  architecture: TrainArchitectureSchema.default('dcnn'),
  /** Epoch budget; default: the one the shipped model of this dataset and architecture was trained with. */
  epochs: z.number().int().min(1).max(200).optional(),
  /** Stratified subsamples of the splits, for a quick trial run (the model is then weaker). */
  maxTrain: z.number().int().min(10).optional(),
  maxVal: z.number().int().min(10).optional(),
  maxTest: z.number().int().min(10).optional(),
  /** Overwrite the user model this training would produce when one exists (same dataset, architecture, key). */
  replace: z.boolean().default(false),
  /** Make the new model the active one (default). */
  activate: z.boolean().default(true),
});

const SplitMetricsSchema = z.strictObject({
  accuracy: z.number(),
  weightedF1: z.number(),
  macroF1: z.number(),
});

/** The result of a `model-train` job. */
export const ModelsTrainResultSchema = z.strictObject({
  model: ModelInfoSchema,
  keyFingerprint: FingerprintSchema,
  replaced: z.boolean(),
  epochsRun: z.number().int(),
  bestEpoch: z.number().int(),
  durationSeconds: z.number(),
  device: z.string(),
  metrics: z.strictObject({ validation: SplitMetricsSchema, test: SplitMetricsSchema }),
});
export type ModelsTrainResult = z.infer<typeof ModelsTrainResultSchema>;
