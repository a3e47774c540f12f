import { z } from 'zod';
import {
  ConditionSchema,
  FingerprintSchema,
  JobIdSchema,
  PathSchema,
  RunStateFieldsSchema,
} from './common.js';
import { DatasetAvailabilitySchema } from './library.js';

export const AppInfoSchema = z.strictObject({
  version: z.string(),
  host: z.enum(['electron', 'browser']),
  capabilities: z.strictObject({
    /** `hostPickPaths` opens a native dialog (Electron only). */
    nativeDialogs: z.boolean(),
    /** Paths on the back end's machine can be imported (Electron: from dialogs and drag and drop). */
    pathImport: z.boolean(),
    /** Largest file `importUpload` accepts, in bytes. */
    maxUploadBytes: z.number().int(),
  }),
  demoKeyFingerprint: FingerprintSchema.nullable(),
  datasets: z.array(DatasetAvailabilitySchema),
});

/** Native open/save dialogs; the browser host answers with an error (use uploads and downloads there). */
export const HostPickPathsRequestSchema = z.strictObject({
  purpose: z.enum([
    'import-files',
    'import-folder',
    'key-file',
    'key-export',
    'container',
    'workspace',
    'model-files',
  ]),
  title: z.string().max(200).optional(),
});
export const HostPickPathsResponseSchema = z.strictObject({
  /** Empty when the person cancelled. */
  paths: z.array(PathSchema),
});

export const ModelInfoSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  dataset: z.string(),
  architecture: z.string(),
  condition: ConditionSchema,
  inputSize: z.number().int(),
  classes: z.array(z.string()),
  /** The key the model was trained under; null for plain models (no key needed). */
  keyFingerprint: FingerprintSchema.nullable(),
  /**
   * What the model reads: cipher images of one key (trained for it, or transformed for it from a plain
   * bit-plane model), or PLAIN images — then the back end decrypts before inference and no screen may say
   * "encrypted" about the model's input.
   */
  reads: z.enum(['trained-for-key', 'transformed-for-key', 'plain']),
  /** The plain model a transformed model was derived from; null otherwise. */
  transformedFrom: z.string().nullable(),
  /** A plain model the app can transform for any key. */
  transformable: z.boolean(),
  /**
   * Where the model comes from: installed with the app, the user's own (imported or trained, in the user's state
   * folder), or derived in memory for the active key (never stored).
   */
  source: z.enum(['shipped', 'user', 'derived']),
  /** Headline metrics from the model card (e.g. weightedF1, mAP); empty when the card has none. */
  metrics: z.record(z.string(), z.number()),
  /** Usable with the active key; otherwise `problems` says why in plain words. */
  compatible: z.boolean(),
  problems: z.array(z.string()),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const ModelsListResponseSchema = z.strictObject({
  models: z.array(ModelInfoSchema),
  activeId: z.string().nullable(),
});
export const ModelsSelectRequestSchema = z.strictObject({ id: z.string().min(1).max(200) });
export const ModelsSelectResponseSchema = z.strictObject({ active: ModelInfoSchema });

export const ExecutionProviderSchema = z.string().min(1).max(40);
export const RetrievalStoreKindSchema = z.enum(['auto', 'exact', 'ann', 'pgvector']);
export const PgvectorSearchSchema = z.enum(['hnsw', 'exact']);
export const SettingsSchema = z.strictObject({
  executionProvider: z.strictObject({
    /** Providers this machine can use, best first (always includes "cpu"). */
    available: z.array(ExecutionProviderSchema),
    /** "auto" or a provider name the person forced. */
    override: ExecutionProviderSchema,
    /** The provider the last inference actually ran on; null before the first run. */
    lastUsed: ExecutionProviderSchema.nullable(),
    /** Why a requested provider fell back to CPU, if it did. */
    fallbackNote: z.string().nullable(),
  }),
  /** Intra-op threads for inference; 0 means automatic. */
  threads: z.number().int().min(0),
  maxThreads: z.number().int().min(1),
  workspacePath: z.string(),
  dataDir: z.string().nullable(),
  retrieval: z.strictObject({
    /** auto: exact scan, then HNSW from `annFrom` vectors (docs/retrieval.md). */
    store: RetrievalStoreKindSchema,
    annFrom: z.number().int(),
    /** postgres://user@host:port/db without a password (~/.pgpass holds it); null until set. */
    pgvectorUrl: z.string().nullable(),
    pgvectorSearch: PgvectorSearchSchema,
  }),
});
export type Settings = z.infer<typeof SettingsSchema>;
export const SettingsUpdateRequestSchema = z.strictObject({
  executionProvider: ExecutionProviderSchema.optional(),
  threads: z.number().int().min(0).max(256).optional(),
  retrieval: z
    .strictObject({
      store: RetrievalStoreKindSchema.optional(),
      pgvectorUrl: z.string().max(2000).nullable().optional(),
      pgvectorSearch: PgvectorSearchSchema.optional(),
    })
    .optional(),
});

export const JobKindSchema = z.enum([
  'import-paths',
  'import-dataset',
  'pacs-import',
  'classify-batch',
  'index-build',
  'map-umap',
  'evaluate',
  'model-train',
  'security-attacks',
]);
export const JobStatusSchema = RunStateFieldsSchema.shape.status;

/** A job's state; the same object is pushed as a job event whenever it changes. */
export const JobStateSchema = RunStateFieldsSchema.extend({
  id: JobIdSchema,
  kind: JobKindSchema,
  /**
   * The finished job's result: ImportResult (import-*, pacs-import), ClassifyBatchResult (classify-batch),
   * RetrieveIndexStatus (index-build), MapBuildResult (map-umap), EvaluationReport (evaluate), ModelsTrainResult (model-train), SecurityAttacksResult (security-attacks). Parse with
   * JOB_RESULT_SCHEMAS.
   */
  result: z.unknown().nullable(),
});
export type JobState = z.infer<typeof JobStateSchema>;
export type JobEvent = JobState;

export const JobsListResponseSchema = z.strictObject({ jobs: z.array(JobStateSchema) });
export const JobRefSchema = z.strictObject({ jobId: JobIdSchema });
