import { z } from 'zod';

/**
 * The encryption conditions and their UI labels, a copy of core's registry (src/core/crypto/condition.ts): shared
 * imports nothing but zod, so src/backend/registry-check.ts asserts at compile time that names, order, labels and
 * the default are exactly core's.
 */
export const CONDITION_LABELS = {
  plain: 'plain (no encryption)',
  arnold: 'Arnold cat map only',
  xor: 'XOR keystream only',
  'arnold+xor': 'Arnold cat map + XOR (shipped)',
  uniform: 'Uniform keyed permutation only',
  'uniform+xor': 'Uniform keyed permutation + XOR',
} as const;
export const CONDITION_NAMES = ['plain', 'arnold', 'xor', 'arnold+xor', 'uniform', 'uniform+xor'] as const;
export const ConditionSchema = z.enum(CONDITION_NAMES);
export type ConditionName = z.infer<typeof ConditionSchema>;
/** The conditions that permute the pixels: the ones the attacks (which recover a permutation) apply to. */
export const PERMUTING_CONDITION_NAMES = ['arnold', 'arnold+xor', 'uniform', 'uniform+xor'] as const;
/** The paper's scheme: the default condition of every request that takes one. */
export const DEFAULT_CONDITION_NAME = 'arnold+xor' satisfies ConditionName;

/** Header every browser-host API call carries (a CSRF guard: a cross-site form cannot set it). */
export const API_HEADER = 'x-cipherlens';

/** Largest single file the API accepts as bytes (uploads, key files, containers). DICOM series can be big. */
export const MAX_UPLOAD_BYTES = 48 * 1024 * 1024;
const MAX_BASE64_CHARS = Math.ceil(MAX_UPLOAD_BYTES / 3) * 4;

export const ItemIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an item id is 1–64 letters, digits, "-" or "_"');
export const FingerprintSchema = z
  .string()
  .regex(/^[0-9a-f]{16}$/, 'a key fingerprint is 16 lowercase hex digits');
export const JobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a job id is 1–64 letters, digits, "-" or "_"');
export const LabelSchema = z.string().trim().min(1, 'a label cannot be empty').max(128);
/** Absolute or relative file system path on the back end's machine (Electron host only hands these out). */
export const PathSchema = z.string().min(1, 'a path cannot be empty').max(4096);
export const Base64Schema = z
  .string()
  .max(MAX_BASE64_CHARS, `file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'file bytes must be base64');
export const PngDataUrlSchema = z.string().startsWith('data:image/png;base64,');
export const FileNameSchema = z.string().min(1).max(255);
export const IsoDateSchema = z.string();
export const ProbabilitySchema = z.number().min(0).max(1);

/**
 * Where an image comes from: an item already in the workspace, a path on the back end's machine
 * (Electron: from a dialog or drag and drop), or the bytes of a file (browser host: an upload).
 */
export const ImageSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('item'), id: ItemIdSchema }),
  z.strictObject({ kind: z.literal('path'), path: PathSchema }),
  z.strictObject({ kind: z.literal('upload'), name: FileNameSchema, dataBase64: Base64Schema }),
]);
export type ImageSource = z.infer<typeof ImageSourceSchema>;

/** How a non-conforming image becomes the model's square input. */
export const FitSchema = z.enum(['error', 'resize', 'pad']);

/** DICOM display: the file's own VOI window, an automatic percentile window, or an explicit one. */
export const DicomWindowSchema = z.union([
  z.literal('file'),
  z.literal('auto'),
  z.strictObject({ center: z.number(), width: z.number().positive() }),
]);

export const ConversionOptionsSchema = z.strictObject({
  /** Target side in pixels; default: the active model's input size. */
  size: z.number().int().min(2).max(4096).optional(),
  fit: FitSchema.default('resize'),
  dicomFrame: z.number().int().min(0).default(0),
  dicomWindow: DicomWindowSchema.default('file'),
});
export type ConversionOptions = z.infer<typeof ConversionOptionsSchema>;

export const PageSchema = z.strictObject({
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(48),
});

export const EmptyRequestSchema = z.strictObject({});
export const OkResponseSchema = z.strictObject({ ok: z.literal(true) });

/** A job started by a long operation; follow it with `jobsGet` or the job event stream. */
export const JobStartedSchema = z.strictObject({ jobId: JobIdSchema });

/** What every failed call carries, over IPC and HTTP alike. `code` mirrors core's ErrorCode. */
export const ApiErrorSchema = z.strictObject({ code: z.string(), message: z.string() });
export type ApiErrorPayload = z.infer<typeof ApiErrorSchema>;

/** Status, times, progress and error of a long-running piece of work: every job, and a workspace key rotation. */
export const RunStateFieldsSchema = z.strictObject({
  status: z.enum(['running', 'done', 'failed', 'cancelled']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  progress: z.strictObject({
    done: z.number().int().min(0),
    total: z.number().int().min(0),
    message: z.string(),
  }),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
});
