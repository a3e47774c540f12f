import { z } from 'zod';
import { FingerprintSchema, PathSchema } from './common.js';

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
