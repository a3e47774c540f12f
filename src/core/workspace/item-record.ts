import { z } from 'zod';
import { CONDITIONS } from '../crypto/condition.js';

/**
 * items/<id>.json: what the workspace knows about one imported image besides its pixels (which live only
 * encrypted, in items/<id>.clens). NOT encrypted: names and labels are visible to anyone with the folder, so
 * an import of a DICOM file stores a neutral name and source here and the real ones in the encrypted sidecar.
 */
export const itemRecordSchema = z.object({
  format: z.literal('cipherlens-item'),
  version: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: z.string(),
  label: z.string().nullable(),
  size: z.number().int().min(2),
  condition: z.enum(CONDITIONS),
  keyFingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  /**
   * The encrypted image's file name inside items/ when it is not `<id>.clens`: key rotation writes the
   * re-encrypted image under the item's other name, `<id>.<key fingerprint>.clens`, and switches the record to
   * it in one atomic write. Absent: `<id>.clens`.
   */
  container: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}\.[0-9a-f]{16}\.clens$/)
    .optional(),
  /**
   * 32 hex digits, new for every container written for the item: part of the record digest its version-2
   * container is bound to (item-binding.ts). Absent for items whose container predates the binding (version 1,
   * upgraded when the container is next rewritten).
   */
  seal: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  /**
   * The item's encrypted sidecar in items/ (`<id>.<key fingerprint>.clsc`, crypto/sidecar.ts): a DICOM file's
   * header fields, file name and modality values (workspace/dicom-sidecar.ts), under the key the record names.
   * Absent: the item has none.
   */
  sidecar: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}\.[0-9a-f]{16}\.clsc$/)
    .optional(),
  /** DICOM: the window (modality units) the stored 8-bit image was made with; numbers only, nothing identifying. */
  window: z
    .object({
      center: z.number().finite(),
      width: z.number().finite(),
      source: z.enum(['file', 'auto', 'chosen', 'none']),
      function: z.enum(['LINEAR', 'LINEAR_EXACT']).optional(),
    })
    .optional(),
  /** Where it came from, in words (for DICOM files a neutral text: the real one is in the sidecar). */
  source: z.string(),
  /** Identifies the import input (content hash + options + key): a resumed import skips what it finds. */
  sourceKey: z.string().min(1),
  /**
   * Identifies the decoded image (keyed hash of its size and pixels): the same picture from another file — a copy
   * under another name, a re-export — is recognised as already imported. Absent in records written before it.
   */
  contentKey: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  conversion: z.array(z.string()),
  importedAt: z.string(),
  prediction: z
    .object({ label: z.string(), probability: z.number(), modelId: z.string() })
    .nullable()
    .default(null),
});

export type ItemRecord = z.infer<typeof itemRecordSchema>;
export type NewItemRecord = Omit<
  ItemRecord,
  'format' | 'version' | 'id' | 'importedAt' | 'prediction' | 'container' | 'seal' | 'sidecar'
>;
