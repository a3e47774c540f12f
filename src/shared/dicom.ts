import { z } from 'zod';
import { ItemIdSchema, PngDataUrlSchema } from './common.js';
import { LibraryItemSchema } from './library.js';

/**
 * The DICOM details of a library item. They are protected health information: the back end keeps them only in
 * the item's encrypted sidecar and answers them only under the key the item is encrypted with; the renderer gets
 * text and rendered PNGs, never a key or the modality values.
 */

/** The largest window centre/width magnitude the back end accepts (core/workspace/dicom-sidecar.ts). */
const WINDOW_LIMIT = 1e9;

/** A VOI window in modality units (DICOM PS3.3 C.11.2.1.2). */
export const DicomWindowValuesSchema = z.strictObject({
  center: z.number().finite().min(-WINDOW_LIMIT).max(WINDOW_LIMIT),
  width: z.number().finite().positive().max(WINDOW_LIMIT),
});
export type DicomWindowValues = z.infer<typeof DicomWindowValuesSchema>;

/** A window and how it was chosen: the file's preset, the automatic percentile window, a chosen one, none. */
export const DicomWindowUsedSchema = DicomWindowValuesSchema.extend({
  source: z.enum(['file', 'auto', 'chosen', 'none']),
  function: z.enum(['LINEAR', 'LINEAR_EXACT']).nullable(),
});

export const DicomDetailsSchema = z.strictObject({
  /** The imported file's name and where it came from: both can name the patient, so they are here only. */
  fileName: z.string(),
  fileSource: z.string(),
  patientName: z.string(),
  patientId: z.string(),
  /** YYYYMMDD as stored (DICOM DA); empty when absent. */
  studyDate: z.string(),
  studyDescription: z.string(),
  seriesDescription: z.string(),
  seriesInstanceUid: z.string(),
  studyInstanceUid: z.string(),
  sopInstanceUid: z.string(),
  modality: z.string(),
  bodyPart: z.string(),
  rows: z.number().int(),
  columns: z.number().int(),
  bitsStored: z.number().int(),
  frames: z.number().int(),
  photometric: z.string(),
  /** The file's Window Center/Width pairs, with their explanation when it has one. */
  windowPresets: z.array(DicomWindowValuesSchema.extend({ explanation: z.string().nullable() })),
  /** The window of the import, and the one the stored model input is made with now. */
  importWindow: DicomWindowUsedSchema,
  currentWindow: DicomWindowUsedSchema,
  /** Smallest and largest modality value of the frame, for a sensible drag range. */
  valueRange: z.strictObject({ min: z.number(), max: z.number() }),
});
export type DicomDetails = z.infer<typeof DicomDetailsSchema>;

export const LibraryDicomRequestSchema = z.strictObject({ id: ItemIdSchema });
export const LibraryDicomResponseSchema = z.strictObject({
  id: ItemIdSchema,
  /** The item was imported from DICOM and has encrypted details. */
  hasDetails: z.boolean(),
  /** The active key opens them; when false they exist but stay encrypted (details is null). */
  canDecrypt: z.boolean(),
  details: DicomDetailsSchema.nullable(),
  /** Why details that exist cannot be read (a damaged or missing sidecar), in words; else null. */
  damage: z.string().nullable(),
});
export type LibraryDicomResponse = z.infer<typeof LibraryDicomResponseSchema>;

/** The frame rendered with a window, for the live preview while the key holder drags (nothing is stored). */
export const LibraryDicomPreviewRequestSchema = z.strictObject({
  id: ItemIdSchema,
  window: DicomWindowValuesSchema,
  /** Longest side of the preview; the frame is scaled down (never up) to it. */
  maxSide: z.number().int().min(16).max(2048).default(512),
});
export const LibraryDicomPreviewResponseSchema = z.strictObject({
  id: ItemIdSchema,
  window: DicomWindowUsedSchema,
  width: z.number().int(),
  height: z.number().int(),
  png: PngDataUrlSchema,
});

/**
 * Re-derives the item's 8-bit model input with this window (same size and fit as its import), re-encrypts its
 * container, clears its prediction, and marks what was computed from the old input: the item leaves the
 * embeddings indexes of its key (the next refresh embeds it again) and the stored evaluation lists it as changed.
 */
export const LibraryDicomApplyRequestSchema = z.strictObject({
  id: ItemIdSchema,
  window: DicomWindowValuesSchema,
});
export const LibraryDicomApplyResponseSchema = z.strictObject({
  item: LibraryItemSchema,
  /** Index files (or tables) the item was removed from. */
  indexesUpdated: z.array(z.string()),
  /** The stored evaluation included the item and now says its input changed. */
  evaluationStale: z.boolean(),
});
