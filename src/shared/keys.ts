import { z } from 'zod';
import { FingerprintSchema, IsoDateSchema, PathSchema } from './common.js';

/** What the UI may know about a key: never its bytes. */
export const KeyInfoSchema = z.strictObject({
  fingerprint: FingerprintSchema,
  label: z.string(),
  /** The PUBLIC demo key shipped with the app (the shipped models are bound to it). */
  isDemo: z.boolean(),
  addedAt: IsoDateSchema,
});
export type KeyInfo = z.infer<typeof KeyInfoSchema>;

export const KeysStatusResponseSchema = z.strictObject({
  active: KeyInfoSchema.nullable(),
  keys: z.array(KeyInfoSchema),
  /** How keys are kept at rest on this host, in words (e.g. "encrypted with the OS keychain (safeStorage)"). */
  storage: z.string(),
});

export const KeysGenerateRequestSchema = z.strictObject({
  label: z.string().trim().max(128).default(''),
  activate: z.boolean().default(true),
});

const PassphraseSchema = z.string().max(1024);

/** A key file from a path (Electron) or its text (browser upload). */
export const KeysImportRequestSchema = z.strictObject({
  source: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('path'), path: PathSchema }),
    z.strictObject({
      kind: z.literal('text'),
      text: z
        .string()
        .min(1)
        .max(64 * 1024),
    }),
  ]),
  passphrase: PassphraseSchema.optional(),
  activate: z.boolean().default(true),
});

export const KeysSelectRequestSchema = z.strictObject({ fingerprint: FingerprintSchema });

/**
 * Export always wraps the key with a passphrase (scrypt + AES-256-GCM). With `path` the back end writes the
 * file there (Electron save dialog); without, the protected file text comes back for the browser to download.
 */
export const KeysExportRequestSchema = z.strictObject({
  fingerprint: FingerprintSchema,
  passphrase: PassphraseSchema.min(8, 'an export passphrase needs at least 8 characters'),
  path: PathSchema.optional(),
  /**
   * Replace a file already at `path`. Without it an existing file is never overwritten (ALREADY_EXISTS): the
   * UI asks the person, then calls again with `overwrite: true`.
   */
  overwrite: z.boolean().default(false),
});
export const KeysExportResponseSchema = z.strictObject({
  fingerprint: FingerprintSchema,
  fileName: z.string(),
  path: z.string().nullable(),
  /** The passphrase-protected key file, only when no path was given. */
  protectedText: z.string().nullable(),
});
