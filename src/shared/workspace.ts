import { z } from 'zod';
import { FingerprintSchema, PathSchema, RunStateFieldsSchema } from './common.js';

export const ClassCountSchema = z.strictObject({ label: z.string(), count: z.number().int().min(0) });

export const WorkspaceInfoSchema = z.strictObject({
  path: z.string(),
  itemCount: z.number().int().min(0),
  classes: z.array(ClassCountSchema),
  /** Items imported under each key; only the active key's items can be shown decrypted or classified. */
  keys: z.array(z.strictObject({ fingerprint: FingerprintSchema, count: z.number().int().min(0) })),
  diskBytes: z.number().int().min(0),
  /** An import that stopped part-way (crash or cancel) and can be resumed with `importResume`. */
  pendingImport: z
    .strictObject({ jobKind: z.string(), done: z.number().int(), total: z.number().int() })
    .nullable(),
  isDefault: z.boolean(),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfoSchema>;

/** Open (or create) a workspace folder; it becomes the one used from now on. */
export const WorkspaceChooseRequestSchema = z.strictObject({
  path: PathSchema,
  create: z.boolean().default(true),
});

/**
 * Key rotation: re-encrypt every image under `fromFingerprint` with `toFingerprint` (both in the key ring).
 * With `activate`, the new key becomes the active one when the run ends, so the library keeps opening.
 */
export const WorkspaceRekeyRequestSchema = z.strictObject({
  fromFingerprint: FingerprintSchema,
  toFingerprint: FingerprintSchema,
  activate: z.boolean().default(true),
});

export const WorkspaceRekeySummarySchema = z.strictObject({
  from: FingerprintSchema,
  to: FingerprintSchema,
  /** Images in the workspace when the run started. */
  total: z.number().int().min(0),
  /** Re-encrypted by this run. */
  rekeyed: z.number().int().min(0),
  /** Already under the new key (an earlier, interrupted run, or imported under it). */
  alreadyNew: z.number().int().min(0),
  /** Images under neither key, left as they are. */
  otherKey: z.array(z.strictObject({ fingerprint: FingerprintSchema, count: z.number().int().min(0) })),
  /** Images the old key could not open (damaged, or not under the key their record names); left as they are. */
  failed: z.array(z.strictObject({ id: z.string(), name: z.string(), code: z.string(), reason: z.string() })),
  /** Embeddings indexes of the old key that were deleted because no image is left under it. */
  indexesRemoved: z.array(z.string()),
  /** Whether the new key was made the active one. */
  activated: z.boolean(),
});
export type WorkspaceRekeySummary = z.infer<typeof WorkspaceRekeySummarySchema>;

/** One key rotation of this launch, running or finished; the same shape as a job's state. */
export const WorkspaceRekeyStateSchema = RunStateFieldsSchema.extend({
  from: FingerprintSchema,
  to: FingerprintSchema,
  result: WorkspaceRekeySummarySchema.nullable(),
});
export type WorkspaceRekeyState = z.infer<typeof WorkspaceRekeyStateSchema>;

export const WorkspaceRekeyStatusSchema = z.strictObject({
  /** The rotation of this workspace running now, or the last one this launch ran; null when none. */
  current: WorkspaceRekeyStateSchema.nullable(),
  /**
   * A rotation that stopped part-way (crash, cancel, or the app closed) and is not running now: starting it
   * again with the same keys continues it. `remaining`: images still under `from`.
   */
  interrupted: z
    .strictObject({
      from: FingerprintSchema,
      to: FingerprintSchema,
      startedAt: z.string(),
      remaining: z.number().int().min(0),
    })
    .nullable(),
});
