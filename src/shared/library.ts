import { z } from 'zod';
import {
  Base64Schema,
  ConditionSchema,
  ConversionOptionsSchema,
  DEFAULT_CONDITION_NAME,
  FileNameSchema,
  FingerprintSchema,
  ImageSourceSchema,
  IsoDateSchema,
  ItemIdSchema,
  LabelSchema,
  PageSchema,
  PathSchema,
  PngDataUrlSchema,
} from './common.js';
import { ClassCountSchema } from './workspace.js';

/**
 * Where an item came from, structured (backend/item-origin.ts reads it from the record's source text): a bundled
 * dataset's split and index, a folder, uploaded files, a PACS, or DICOM files whose folder is encrypted. `key`
 * is the value libraryList's `origin` filter takes.
 */
export const ItemOriginSchema = z.strictObject({
  kind: z.enum(['dataset', 'folder', 'upload', 'pacs', 'dicom']),
  key: z.string(),
  /** In words: "mednist test split", "/data/scans/Hand", "PACS http://pacs:8042". */
  title: z.string(),
  dataset: z
    .strictObject({ name: z.string(), split: z.string(), part: z.string(), index: z.number().int() })
    .nullable(),
});
export type ItemOrigin = z.infer<typeof ItemOriginSchema>;

/** One imported image. Stored encrypted; `plain` thumbnails exist only for the key that imported it. */
export const LibraryItemSchema = z.strictObject({
  id: ItemIdSchema,
  name: z.string(),
  label: z.string().nullable(),
  /** Side of the stored square image. */
  size: z.number().int(),
  /** Original file or dataset entry, in words (e.g. "scan.dcm, frame 2" or "MedNIST train #123"). */
  source: z.string(),
  /** `source` structured; always sent by the back end (optional so older fixtures still parse). */
  origin: ItemOriginSchema.optional(),
  /** What was done to make it a square grey image (e.g. "16-bit DICOM windowed C=40 W=400 to 8 bit"). */
  conversion: z.array(z.string()),
  importedAt: IsoDateSchema,
  keyFingerprint: FingerprintSchema,
  /** True when the active key is the one this item was encrypted with. */
  canDecrypt: z.boolean(),
  /** The last classification by the active model, if any. */
  prediction: z.strictObject({ label: z.string(), probability: z.number(), modelId: z.string() }).nullable(),
  thumbnails: z.strictObject({
    /** What is stored: the cipher image under the item's storage condition. */
    encrypted: PngDataUrlSchema,
    plain: PngDataUrlSchema.nullable(),
  }),
  /**
   * Why the stored image cannot be shown or opened (a truncated, modified or unreadable encrypted file), in
   * words; null when it is fine. A damaged item is still listed, with a placeholder picture, so it can be removed.
   */
  damage: z.string().nullable(),
});
export type LibraryItem = z.infer<typeof LibraryItemSchema>;

export const LibraryListRequestSchema = PageSchema.extend({
  label: z.string().optional(),
  /** Only items without a label. */
  unlabelled: z.boolean().default(false),
  /** Case-insensitive substring of the name or source. */
  search: z.string().max(200).optional(),
  /** Images of the active key first (pickers: those are the ones the active model can read), else stored order. */
  activeKeyFirst: z.boolean().default(false),
  /** Only items whose last prediction is this class. */
  prediction: z.string().optional(),
  /** Only items with a label and a prediction that differ. */
  mismatch: z.boolean().default(false),
  /** Only items whose last prediction's probability is at least / at most this. */
  confidenceMin: z.number().min(0).max(1).optional(),
  confidenceMax: z.number().min(0).max(1).optional(),
  /** Only items encrypted with the active key, or only those of other keys. */
  key: z.enum(['any', 'active', 'other']).default('any'),
  /** Only items of this origin (an ItemOrigin `key`, as listed in the response's `origins`). */
  origin: z.string().max(4096).optional(),
});
export const LibraryListResponseSchema = z.strictObject({
  total: z.number().int(),
  offset: z.number().int(),
  items: z.array(LibraryItemSchema),
  classes: z.array(ClassCountSchema),
  /** Counts over the whole workspace, for the filter controls. */
  predictions: z.array(ClassCountSchema).optional(),
  origins: z
    .array(z.strictObject({ key: z.string(), title: z.string(), count: z.number().int() }))
    .optional(),
  /** Items of the active key / of other keys in the whole workspace. */
  keys: z.strictObject({ active: z.number().int(), other: z.number().int() }).optional(),
});

export const LibraryItemsRequestSchema = z.strictObject({ ids: z.array(ItemIdSchema).min(1).max(500) });
export const LibraryItemsResponseSchema = z.strictObject({
  items: z.array(LibraryItemSchema),
  missing: z.array(ItemIdSchema),
});

export const LibraryUpdateRequestSchema = z.strictObject({ id: ItemIdSchema, label: LabelSchema.nullable() });
export const LibraryRemoveRequestSchema = z.strictObject({ ids: z.array(ItemIdSchema).min(1).max(10_000) });
export const LibraryRemoveResponseSchema = z.strictObject({ removed: z.number().int() });

const ImportCommonSchema = z.strictObject({
  conversion: ConversionOptionsSchema.default({ fit: 'resize', dicomFrame: 0, dicomWindow: 'file' }),
  /** A label for every imported image; otherwise `labelFromFolder` or none. */
  label: LabelSchema.optional(),
  /** Use each file's parent folder name as its label (class-folder datasets). */
  labelFromFolder: z.boolean().default(true),
});

/** Import files and folders by path (recursing into folders). Long: returns a job. */
export const ImportPathsRequestSchema = ImportCommonSchema.extend({
  paths: z.array(PathSchema).min(1).max(10_000),
});

/** Import file bytes (browser host uploads, Electron drag of in-memory files). Short: answers directly. */
export const ImportUploadRequestSchema = ImportCommonSchema.extend({
  files: z
    .array(z.strictObject({ name: FileNameSchema, dataBase64: Base64Schema, label: LabelSchema.optional() }))
    .min(1)
    .max(256),
});

export const ImportSkipSchema = z.strictObject({ name: z.string(), code: z.string(), reason: z.string() });
export const ImportResultSchema = z.strictObject({
  imported: z.array(ItemIdSchema),
  skipped: z.array(ImportSkipSchema),
  /** Files an earlier, interrupted run of the same import already stored, and pictures already stored from another file. */
  alreadyPresent: z.number().int(),
  /** Of those, the files whose decoded picture is already in the workspace under another item. */
  duplicates: z
    .array(z.strictObject({ name: z.string(), existingId: ItemIdSchema, existingName: z.string() }))
    .optional(),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

/** A labelled sample of a bundled dataset: `perClass` images of each class from the chosen split. */
export const ImportDatasetRequestSchema = z.strictObject({
  dataset: z.enum(['mnist', 'mednist']),
  split: z.enum(['train', 'test']).default('test'),
  perClass: z.number().int().min(1).max(1000).default(10),
  seed: z.number().int().min(0).default(1),
  /** Folder holding mnist/ and MedNIST.tar.gz; default: the host's data directory. */
  dataDir: PathSchema.optional(),
});

export const DatasetAvailabilitySchema = z.strictObject({
  dataset: z.enum(['mnist', 'mednist']),
  available: z.boolean(),
  location: z.string().nullable(),
  classes: z.array(z.string()),
  imageSize: z.number().int(),
});

/** Encrypt → decrypt round trip of one image, to show what the model sees. */
export const PreviewCipherRequestSchema = z.strictObject({
  source: ImageSourceSchema,
  condition: ConditionSchema.default(DEFAULT_CONDITION_NAME),
  conversion: ConversionOptionsSchema.default({ fit: 'resize', dicomFrame: 0, dicomWindow: 'file' }),
});
export const PreviewCipherResponseSchema = z.strictObject({
  size: z.number().int(),
  condition: ConditionSchema,
  keyFingerprint: FingerprintSchema,
  conversion: z.array(z.string()),
  plain: PngDataUrlSchema,
  encrypted: PngDataUrlSchema,
  /** decrypt(encrypt(plain)); equals `plain` byte for byte (`roundTripExact`). */
  decrypted: PngDataUrlSchema,
  roundTripExact: z.boolean(),
});

/** Decrypt an encrypted container file (.climg) with the active key. Wrong key or tampering → clear error. */
export const PreviewDecryptRequestSchema = z.strictObject({
  source: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('path'), path: PathSchema }),
    z.strictObject({ kind: z.literal('upload'), name: FileNameSchema, dataBase64: Base64Schema }),
  ]),
});
export const PreviewDecryptResponseSchema = z.strictObject({
  size: z.number().int(),
  condition: ConditionSchema,
  keyFingerprint: FingerprintSchema,
  encrypted: PngDataUrlSchema,
  plain: PngDataUrlSchema,
});
