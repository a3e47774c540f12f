import { z } from 'zod';
import { FingerprintSchema, ItemIdSchema, JobIdSchema, ProbabilitySchema } from './common.js';

/** PCA: the instant picture, computed on request; UMAP: a job (mapBuild), kept until the index changes. */
export const MapMethodSchema = z.enum(['pca', 'umap']);
export type MapMethod = z.infer<typeof MapMethodSchema>;

export const MapGetRequestSchema = z.strictObject({ method: MapMethodSchema.default('pca') });

/** One image on the embedding map: its 2-D position and what it is coloured by. */
export const MapPointSchema = z.strictObject({
  id: ItemIdSchema,
  x: z.number(),
  y: z.number(),
  label: z.string().nullable(),
  /** The active model's last classification of the image (Classify, batch or single); null when never run. */
  prediction: z.strictObject({ label: z.string(), probability: ProbabilitySchema }).nullable(),
});
export type MapPoint = z.infer<typeof MapPointSchema>;

export const MapGetResponseSchema = z.strictObject({
  modelId: z.string().nullable(),
  keyFingerprint: FingerprintSchema.nullable(),
  /** Digest of the indexed ids under this model and key: the map is recomputed when it changes. */
  indexVersion: z.string().nullable(),
  method: MapMethodSchema,
  /** null: UMAP was asked for and has not been computed for this model and index version (start mapBuild). */
  points: z.array(MapPointSchema).nullable(),
  /** PCA: share of the embeddings' variance along x and y; null for UMAP. */
  explainedVariance: z.array(z.number()).nullable(),
  /** Images of the active key that the index does not hold yet (not on the map until it is built). */
  notIndexed: z.number().int(),
  /** Images under other keys: the active model cannot read them, so they are never on this map. */
  otherKey: z.number().int(),
  umap: z.strictObject({
    /** UMAP of an earlier index version exists (and is not shown: it is not current). */
    stale: z.boolean(),
    /** The UMAP job running for this model and key, if any. */
    jobId: JobIdSchema.nullable(),
  }),
});
export type MapGetResponse = z.infer<typeof MapGetResponseSchema>;

/** Result of the map-umap job. */
export const MapBuildResultSchema = z.strictObject({
  modelId: z.string(),
  indexVersion: z.string(),
  points: z.number().int(),
});
