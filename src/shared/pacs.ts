import { z } from 'zod';
import { ConversionOptionsSchema, LabelSchema } from './common.js';

/**
 * Import from a PACS over DICOMweb (docs/pacs.md). The connection's password or token goes to the back end once,
 * in pacsConfigure, and never comes back: the renderer only learns that credentials are saved.
 */

const UidSchema = z
  .string()
  .max(64)
  .regex(/^[0-9]+(\.[0-9]+)*$/, 'a DICOM UID is digits and dots');
const SecretSchema = z.string().min(1).max(8192);
const DicomDateSchema = z.string().regex(/^\d{8}$/, 'a date is written YYYYMMDD');
const MatchKeySchema = z.string().trim().max(64);

export const PacsAuthKindSchema = z.enum(['none', 'basic', 'bearer']);

/** What the renderer may know about the saved connection. */
export const PacsConnectionSchema = z.strictObject({
  configured: z.boolean(),
  /** The DICOMweb root, e.g. https://pacs.example.org/dicom-web; null when none is saved. */
  baseUrl: z.string().nullable(),
  auth: PacsAuthKindSchema,
  /** Basic auth: the user name (not a secret). */
  user: z.string().nullable(),
  /** A password or token is saved (sealed like the keys); its value never leaves the back end. */
  credentialsSaved: z.boolean(),
  /** How the secret is kept at rest, in words (the key ring's protection on this host). */
  storage: z.string(),
  /** Problems with the setup, in words (e.g. credentials sent over plain http to another machine). */
  warnings: z.array(z.string()),
});
export type PacsConnection = z.infer<typeof PacsConnectionSchema>;

/**
 * Saves (or, with `baseUrl: null`, forgets) the connection. A password or token left out keeps the saved one,
 * so the form can be saved again without retyping it.
 */
export const PacsConfigureRequestSchema = z.strictObject({
  baseUrl: z.string().trim().min(1).max(2048).nullable(),
  auth: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('none') }),
      z.strictObject({
        kind: z.literal('basic'),
        user: z.string().min(1).max(256),
        password: SecretSchema.optional(),
      }),
      z.strictObject({ kind: z.literal('bearer'), token: SecretSchema.optional() }),
    ])
    .default({ kind: 'none' }),
});

export const PacsTestResponseSchema = z.strictObject({
  ok: z.literal(true),
  /** What the check did, in words ("searched studies as cipherlens-test: the server answered"). */
  message: z.string(),
});

export const PacsSearchStudiesRequestSchema = z.strictObject({
  patientName: MatchKeySchema.optional(),
  patientId: MatchKeySchema.optional(),
  dateFrom: DicomDateSchema.optional(),
  dateTo: DicomDateSchema.optional(),
  modality: z.string().trim().max(16).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});

export const PacsStudySchema = z.strictObject({
  studyInstanceUid: UidSchema,
  patientName: z.string().nullable(),
  patientId: z.string().nullable(),
  studyDate: z.string().nullable(),
  description: z.string().nullable(),
  accessionNumber: z.string().nullable(),
  modalities: z.array(z.string()),
  seriesCount: z.number().int().nullable(),
  instanceCount: z.number().int().nullable(),
});
export type PacsStudy = z.infer<typeof PacsStudySchema>;

export const PacsSearchStudiesResponseSchema = z.strictObject({
  studies: z.array(PacsStudySchema),
  /** As many studies came back as were asked for: there may be more. */
  mayHaveMore: z.boolean(),
});

export const PacsListSeriesRequestSchema = z.strictObject({ studyInstanceUid: UidSchema });
export const PacsSeriesSchema = z.strictObject({
  seriesInstanceUid: UidSchema,
  modality: z.string().nullable(),
  seriesNumber: z.number().int().nullable(),
  description: z.string().nullable(),
  bodyPart: z.string().nullable(),
  instanceCount: z.number().int().nullable(),
});
export type PacsSeries = z.infer<typeof PacsSeriesSchema>;
export const PacsListSeriesResponseSchema = z.strictObject({ series: z.array(PacsSeriesSchema) });

/**
 * Imports the chosen series of a study (a job of kind pacs-import whose result is an ImportResult). Run again to
 * resume: instances already stored are recognised by a keyed hash of their SOP Instance UID and not downloaded.
 */
export const PacsImportRequestSchema = z.strictObject({
  studyInstanceUid: UidSchema,
  seriesInstanceUids: z.array(UidSchema).min(1).max(500),
  label: LabelSchema.optional(),
  conversion: ConversionOptionsSchema.default({ fit: 'resize', dicomFrame: 0, dicomWindow: 'file' }),
});
