import { z } from 'zod';
import type { CipherKey } from '../core/crypto/keys.js';
import { openSidecar, sealSidecar } from '../core/crypto/sidecar.js';
import { CipherLensError } from '../core/errors.js';
import type { Workspace } from '../core/workspace/workspace.js';
import { ImportDatasetRequestSchema, ImportPathsRequestSchema } from '../shared/library.js';

/**
 * The import in progress, written before it starts and removed when it finishes: after a crash or a cancel
 * it is still there, and `importResume` runs the same request again (already stored images are skipped).
 *
 * A path import's request names files and folders, and a path can name a patient (`…/Doe^Jane/CT/…`): it is
 * stored sealed as an encrypted sidecar of kind "journal" (crypto/sidecar.ts, AES-256-GCM under the importing
 * key; the request's JSON is its data part), so only the kind and the progress are in clear. Journals written
 * before that (a clear `request`) are still read.
 */
const progress = { done: z.number().int(), total: z.number().int() };
const pendingImportSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('import-paths'), request: ImportPathsRequestSchema, ...progress }),
  z.object({ kind: z.literal('import-dataset'), request: ImportDatasetRequestSchema, ...progress }),
]);
export type PendingImport = z.infer<typeof pendingImportSchema>;

const sealedPathsSchema = z.object({
  kind: z.literal('import-paths'),
  keyFingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  /** Base64 of the sealed request (a .clsc of kind "journal" for the pseudo item JOURNAL_ID). */
  sealedRequest: z.string().max(200 * 1024 * 1024),
  ...progress,
});
const storedSchema = z.union([sealedPathsSchema, pendingImportSchema]);
/** pending-import.json as written. */
export type StoredPendingImport = z.infer<typeof storedSchema>;

/** What may be shown without the key: which import and how far it got. */
export interface PendingImportSummary {
  kind: PendingImport['kind'];
  done: number;
  total: number;
}

/** The sealed request's "item id" in its header: a journal belongs to no item. */
const JOURNAL_ID = 'pending-import';

const path = (workspace: Workspace): string => workspace.layout.pendingImport;

async function readStored(workspace: Workspace): Promise<StoredPendingImport | null> {
  try {
    return await workspace.readDocument(path(workspace), storedSchema);
  } catch {
    return null; // A damaged journal only loses the offer to resume; the images themselves are safe.
  }
}

export async function readPendingImport(workspace: Workspace): Promise<PendingImportSummary | null> {
  const stored = await readStored(workspace);
  return stored && { kind: stored.kind, done: stored.done, total: stored.total };
}

/** The interrupted import's request, opened with `key` (the key it was started under). */
export async function openPendingImport(workspace: Workspace, key: CipherKey): Promise<PendingImport | null> {
  const stored = await readStored(workspace);
  if (!stored || !('sealedRequest' in stored)) return stored;
  if (stored.keyFingerprint !== key.fingerprint) {
    throw new CipherLensError(
      'WRONG_KEY',
      `the interrupted import was started under key ${stored.keyFingerprint}; select that key in Settings → Keys to resume it`,
    );
  }
  const content = await openSidecar(
    key,
    Buffer.from(stored.sealedRequest, 'base64'),
    { itemId: JOURNAL_ID, kind: 'journal' },
    'the interrupted import',
  );
  let request: unknown;
  try {
    request = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content.data));
  } catch {
    throw new CipherLensError('BAD_FORMAT', 'the interrupted import holds an unreadable request');
  }
  return {
    kind: 'import-paths',
    request: ImportPathsRequestSchema.parse(request),
    done: stored.done,
    total: stored.total,
  };
}

/** The journal as it is written: a path import's request sealed under `key`, once (progress updates reuse it). */
export async function sealPendingImport(
  pending: PendingImport,
  key: CipherKey,
): Promise<StoredPendingImport> {
  if (pending.kind !== 'import-paths') return pending;
  const sealed = await sealSidecar(key, JOURNAL_ID, 'journal', {
    json: { format: 'cipherlens-pending-import' },
    data: Buffer.from(JSON.stringify(pending.request), 'utf8'),
  });
  return {
    kind: pending.kind,
    keyFingerprint: key.fingerprint,
    sealedRequest: Buffer.from(sealed).toString('base64'),
    done: pending.done,
    total: pending.total,
  };
}

export const writePendingImport = (workspace: Workspace, pending: StoredPendingImport): Promise<void> =>
  workspace.writeDocument(path(workspace), pending);

export const clearPendingImport = (workspace: Workspace): Promise<void> =>
  workspace.removeDocument(path(workspace));
