import { z } from 'zod';
import {
  ConditionSchema,
  ConversionOptionsSchema,
  DEFAULT_CONDITION_NAME,
  FingerprintSchema,
  ImageSourceSchema,
  ItemIdSchema,
  PngDataUrlSchema,
  ProbabilitySchema,
} from './common.js';
import { ItemOriginSchema } from './library.js';

export const PredictionSchema = z.strictObject({ label: z.string(), probability: ProbabilitySchema });

/** Which model and execution provider produced a result, and how long it took. */
export const RunInfoSchema = z.strictObject({
  modelId: z.string(),
  provider: z.string(),
  elapsedMs: z.number().min(0),
  /**
   * What reached the model: cipher images, or — with a plain model the person chose explicitly — the
   * decrypted images. Captions must say which, never "encrypted" for a plain input. `unknown` only for an
   * evaluation stored by an older version, which did not record it.
   */
  input: z.enum(['encrypted', 'decrypted', 'unknown']),
});
export type RunInfo = z.infer<typeof RunInfoSchema>;

/**
 * Whether an image looks unlike anything the model was trained on: its score (higher = less like the training
 * data) above the threshold calibrated on the model's validation images (docs/ood.md). null on a response: the
 * model carries no calibration.
 */
export const OutOfDistributionSchema = z.strictObject({
  flag: z.boolean(),
  score: z.number(),
  threshold: z.number(),
  method: z.enum(['max-softmax', 'energy', 'centroid-cosine']),
});
export type OutOfDistribution = z.infer<typeof OutOfDistributionSchema>;

export const ClassifyImageRequestSchema = z.strictObject({
  source: ImageSourceSchema,
  topK: z.number().int().min(1).max(100).default(5),
  conversion: ConversionOptionsSchema.default({ fit: 'resize', dicomFrame: 0, dicomWindow: 'file' }),
});
export const ClassifyImageResponseSchema = z.strictObject({
  predictions: z.array(PredictionSchema),
  /** The label the item carries, when classifying a labelled workspace item. */
  trueLabel: z.string().nullable(),
  /** What was fed to the model: the image encrypted under the model's condition. */
  modelInput: PngDataUrlSchema,
  conversion: z.array(z.string()),
  run: RunInfoSchema,
  outOfDistribution: OutOfDistributionSchema.nullable().optional(),
});

/** Classify many workspace items (by id, or all with a label filter). Returns a job. */
export const ClassifyBatchRequestSchema = z.strictObject({
  ids: z.array(ItemIdSchema).max(100_000).optional(),
  label: z.string().optional(),
  topK: z.number().int().min(1).max(100).default(3),
});
export const ClassifyBatchResultSchema = z.strictObject({
  results: z.array(
    z.strictObject({
      id: ItemIdSchema,
      /** The item's name, source and origin as the library shows them, so every row can be filtered and
       *  exported without fetching its details (thumbnails are fetched for the first rows only). */
      name: z.string().optional(),
      source: z.string().optional(),
      origin: ItemOriginSchema.optional(),
      trueLabel: z.string().nullable(),
      predictions: z.array(PredictionSchema),
      outOfDistribution: OutOfDistributionSchema.nullable().optional(),
      /** The model's full softmax output, unrounded, in `classes` order (exports). */
      probabilities: z.array(z.number()).optional(),
    }),
  ),
  /** The model's classes, in the order of each row's `probabilities`. */
  classes: z.array(z.string()).optional(),
  /** Share of labelled items whose top-1 prediction equals their label; null when none is labelled. */
  accuracy: z.number().nullable(),
  skipped: z.array(z.strictObject({ id: ItemIdSchema, reason: z.string() })),
  run: RunInfoSchema,
});

/** Which retrieval backend answered, how vectors are scanned, and its recall setting ("exact" or the HNSW breadth). */
export const RetrievalEngineSchema = z.strictObject({
  kind: z.enum(['exact', 'ann', 'pgvector']),
  precision: z.enum(['f32', 'f16', 'i8']),
  recall: z.string(),
});
export const RetrieveIndexStatusSchema = z.strictObject({
  modelId: z.string().nullable(),
  /** null when no model or key is active (no index is open). */
  engine: RetrievalEngineSchema.nullable(),
  indexed: z.number().int(),
  /** Items the active key can decrypt and the index does not hold yet. */
  missing: z.number().int(),
  dimension: z.number().int().nullable(),
});

export const RetrieveQueryRequestSchema = z.strictObject({
  source: ImageSourceSchema,
  k: z.number().int().min(1).max(500).default(10),
  conversion: ConversionOptionsSchema.default({ fit: 'resize', dicomFrame: 0, dicomWindow: 'file' }),
  /** Bring the index up to date with the workspace first (embeds only the missing items). */
  refreshIndex: z.boolean().default(true),
});
export const RetrieveQueryResponseSchema = z.strictObject({
  query: z.strictObject({
    label: z.string().nullable(),
    id: ItemIdSchema.nullable(),
    plain: PngDataUrlSchema,
    encrypted: PngDataUrlSchema,
  }),
  results: z.array(
    z.strictObject({
      rank: z.number().int().min(1),
      id: ItemIdSchema,
      score: z.number(),
      label: z.string().nullable(),
      /** Same class as the query; null when either label is unknown. */
      relevant: z.boolean().nullable(),
      thumbnails: z.strictObject({ encrypted: PngDataUrlSchema, plain: PngDataUrlSchema.nullable() }),
    }),
  ),
  /** Relevant share of the k results; null when the query has no label. */
  precisionAtK: z.number().nullable(),
  indexSize: z.number().int(),
  engine: RetrievalEngineSchema,
  run: RunInfoSchema,
});

const MatrixSchema = z.array(z.array(z.number().int().min(0)));

export const PerClassRowSchema = z.strictObject({
  label: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int(),
});

/** What an evaluation ran on (backend/evaluation-provenance.ts). */
export const EvaluationProvenanceSchema = z.strictObject({
  /** "MedNIST test split, 120 images", or "MedNIST test split, 100 images + your images, origin unknown, 20 images". */
  summary: z.string(),
  origins: z.array(
    z.strictObject({ title: z.string(), kind: z.enum(['dataset', 'own']), count: z.number().int() }),
  ),
  /** Evaluated images from the model's own training split: its scores on them are no test. */
  trainingSplit: z.number().int(),
  /** Evaluated images whose origin is unknown (imported files): they may come from the training data. */
  unknownOrigin: z.number().int(),
  /** Images of the active key that were not evaluated, counted by reason. */
  excluded: z.array(z.strictObject({ reason: z.string(), count: z.number().int() })),
});
export type EvaluationProvenance = z.infer<typeof EvaluationProvenanceSchema>;

export const EvaluationReportSchema = z.strictObject({
  id: z.string(),
  createdAt: z.string(),
  modelId: z.string(),
  keyFingerprint: FingerprintSchema,
  itemCount: z.number().int(),
  classification: z.strictObject({
    labels: z.array(z.string()),
    /** matrix[actual][predicted], rows and columns in `labels` order. */
    matrix: MatrixSchema,
    accuracy: z.number(),
    macroF1: z.number(),
    weightedF1: z.number(),
    perClass: z.array(PerClassRowSchema),
  }),
  /** Leave-one-out retrieval over the evaluated items; null with fewer than two labelled items. */
  retrieval: z
    .strictObject({
      /** Each evaluated item queries all the others (relevance = same label). */
      protocol: z.literal('leave-one-out'),
      queries: z.number().int(),
      /** Queries whose class has no other item: left out of every mean. */
      queriesWithoutRelevant: z.number().int(),
      mAP: z.number(),
      precisionAtK: z.array(z.strictObject({ k: z.number().int(), value: z.number() })),
      mAPAtK: z.array(z.strictObject({ k: z.number().int(), value: z.number() })),
      /** 11-point interpolated precision–recall curve, averaged over queries. */
      prCurve: z.array(z.strictObject({ recall: z.number(), precision: z.number() })),
      perClass: z.array(z.strictObject({ label: z.string(), queries: z.number().int(), mAP: z.number() })),
    })
    .nullable(),
  run: RunInfoSchema,
  /** Absent in reports stored before it was recorded. */
  provenance: EvaluationProvenanceSchema.optional(),
  /** Evaluated items whose model input changed after the report (re-windowed DICOM): its numbers predate it. */
  changedItems: z.array(ItemIdSchema).optional(),
});
export type EvaluationReport = z.infer<typeof EvaluationReportSchema>;

/** Evaluate the active model on the labelled workspace items (optionally only these ids). Returns a job. */
export const EvaluateRunRequestSchema = z.strictObject({
  ids: z.array(ItemIdSchema).max(100_000).optional(),
});
export const EvaluateGetResponseSchema = z.strictObject({ report: EvaluationReportSchema.nullable() });

/** The images in one confusion-matrix cell of the latest report. */
export const EvaluateCellRequestSchema = z.strictObject({ actual: z.string(), predicted: z.string() });
export const EvaluateCellResponseSchema = z.strictObject({ ids: z.array(ItemIdSchema) });

/** One configuration of the ablation study (study/results/*.json). Missing metrics are null, never guessed. */
export const AblationRowSchema = z.strictObject({
  id: z.string(),
  dataset: z.string(),
  condition: z.string(),
  architecture: z.string(),
  accuracy: z.number().nullable(),
  macroF1: z.number().nullable(),
  weightedF1: z.number().nullable(),
  /** Test queries against the train database (the paper's protocol). */
  mAP: z.number().nullable(),
  precisionAt10: z.number().nullable(),
  /** Test against test, leave-one-out. */
  mAPTestToTest: z.number().nullable(),
  hasConfusionMatrix: z.boolean(),
  /** How many test images the metrics come from, and the 95 % Wilson interval of the accuracy over them. */
  testImages: z.number().int().nullable(),
  accuracyInterval: z.strictObject({ low: z.number(), high: z.number() }).nullable(),
  /** The training budget's name (`full`, `quick`) or `other` for one that is not a named budget. */
  budget: z.string(),
  /** `trained` on the condition's images, or the plain model `key-transformed` for the study key. */
  model: z.enum(['trained', 'key-transformed']),
  /** What the run cost and where it ran; null for a configuration that has not finished. */
  epochsRun: z.number().int().nullable(),
  trainingSeconds: z.number().nullable(),
  evaluationSeconds: z.number().nullable(),
  device: z.string().nullable(),
  hardware: z.string().nullable(),
});
export const AblationBudgetSchema = z.strictObject({
  name: z.string(),
  /** "≤ 8 epochs (patience 2), whole training split, …" */
  description: z.string(),
  finished: z.number().int(),
  expected: z.number().int(),
});
export const EvaluateAblationResponseSchema = z.strictObject({
  available: z.boolean(),
  /** Every configuration of each named budget, finished or not (metrics null), then results of other budgets. */
  rows: z.array(AblationRowSchema),
  budgets: z.array(AblationBudgetSchema),
  /** Files that could not be read, with the reason. */
  problems: z.array(z.string()),
});
export const EvaluateStudyConfigRequestSchema = z.strictObject({ id: z.string().min(1).max(200) });
/**
 * One paired comparison of a study configuration with another of its table (McNemar's exact test on the same
 * test images); `significant` after Holm's correction over the `comparisons` of that table, `identical outcomes`
 * when not one image tells them apart (core/study/paired.ts).
 */
export const StudyPairedTestSchema = z.strictObject({
  a: z.string(),
  b: z.string(),
  accuracyA: z.number(),
  accuracyB: z.number(),
  onlyA: z.number().int(),
  onlyB: z.number().int(),
  p: z.number(),
  /** p as the report prints it ("1.2e-60", "< 1e-300", "0.6875"). */
  pText: z.string(),
  verdict: z.enum(['significant', 'not resolved', 'identical outcomes']),
  comparisons: z.number().int(),
});
export const EvaluateStudyConfigResponseSchema = z.strictObject({
  row: AblationRowSchema,
  labels: z.array(z.string()),
  matrix: MatrixSchema,
  perClass: z.array(PerClassRowSchema),
  /** The table's paired tests this configuration takes part in; empty without per-image outcomes. */
  pairedTests: z.array(StudyPairedTestSchema),
});

/** Pearson r per direction; null where it is undefined (a constant image has no variance). */
const CorrelationSchema = z.object({
  horizontal: z.number().nullable(),
  vertical: z.number().nullable(),
  diagonal: z.number().nullable(),
});
/** Sampled adjacent-pixel pairs for the scatter plots: x[i] next to y[i]. */
const PairsSchema = z.object({ x: z.array(z.number().int()), y: z.array(z.number().int()) });
const SampledCorrelationSchema = z.object({
  coefficient: z.number().nullable(),
  pairs: z.number().int(),
  exhaustive: z.boolean(),
});

export const ImageStatisticsSchema = z.object({
  mean: z.number(),
  entropy: z.number(),
  /** Mean/min/max Shannon entropy over blockSize² blocks. */
  blockEntropy: z.object({
    blockSize: z.number().int(),
    blocks: z.number().int(),
    mean: z.number(),
    min: z.number(),
    max: z.number(),
  }),
  histogram: z.array(z.number().int()).length(256),
  /** χ² test of a flat histogram. */
  flatness: z.object({
    statistic: z.number(),
    degreesOfFreedom: z.number().int(),
    pValue: z.number(),
    alpha: z.number(),
    flat: z.boolean(),
  }),
  /** Over every adjacent pair. */
  correlation: CorrelationSchema,
  /** Over `pairs` random pairs per direction, as most papers report it. */
  sampledCorrelation: z.object({
    horizontal: SampledCorrelationSchema,
    vertical: SampledCorrelationSchema,
    diagonal: SampledCorrelationSchema,
  }),
  /** The sampled pairs (up to a limit) for the scatter plots. */
  pairs: z.object({ horizontal: PairsSchema, vertical: PairsSchema, diagonal: PairsSchema }),
});

const WuCriticalSchema = z.object({
  alpha: z.number(),
  npcrCritical: z.number(),
  uaciLow: z.number(),
  uaciHigh: z.number(),
});

export const SensitivitySchema = z.object({
  npcr: z.number(),
  uaci: z.number(),
  changedPixels: z.number().int(),
  npcrPValue: z.number(),
  uaciPValue: z.number(),
  /** Wu, Noonan & Agaian critical values for this image size, with pass/fail. */
  critical: z.array(WuCriticalSchema.extend({ npcrPass: z.boolean(), uaciPass: z.boolean() })),
  /** Wu's test at α = 0.05, NPCR and UACI both. */
  pass: z.boolean(),
  /** Plain-language verdict, honest about fixed-keystream weaknesses. */
  verdict: z.string(),
  /** Plaintext sensitivity: the pixel changed (+1). Key sensitivity: the bit flipped. */
  changedPixel: z
    .object({
      index: z.number().int(),
      row: z.number().int(),
      col: z.number().int(),
      from: z.number(),
      to: z.number(),
    })
    .nullable(),
  flippedBit: z.number().int().nullable(),
});

export const SecurityAnalyzeRequestSchema = z.strictObject({
  source: ImageSourceSchema,
  condition: ConditionSchema.default(DEFAULT_CONDITION_NAME),
  conversion: ConversionOptionsSchema.default({ fit: 'resize', dicomFrame: 0, dicomWindow: 'file' }),
  samplePairs: z.number().int().min(100).max(20_000).default(2000),
  seed: z.number().int().min(0).default(1),
});
export const SecurityReportSchema = z.strictObject({
  size: z.number().int(),
  condition: ConditionSchema,
  keyFingerprint: FingerprintSchema,
  images: z.strictObject({ plain: PngDataUrlSchema, encrypted: PngDataUrlSchema }),
  plain: ImageStatisticsSchema,
  encrypted: ImageStatisticsSchema,
  /** Expected sample entropy of uniform noise at this size (the real bar for small images, not 8). */
  uniformEntropyExpectation: z.number(),
  uniformBlockEntropyExpectation: z.number(),
  idealNpcr: z.number(),
  idealUaci: z.number(),
  wuCritical: z.array(WuCriticalSchema),
  /** How much encryption changed this image (a description, not a test). */
  plainVsCipher: z.object({ npcr: z.number(), uaci: z.number() }),
  keySensitivity: SensitivitySchema,
  plaintextSensitivity: SensitivitySchema,
  notes: z.array(z.string()),
});
export type SecurityReport = z.infer<typeof SecurityReportSchema>;
