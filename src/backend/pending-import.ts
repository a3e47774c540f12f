import { z } from 'zod';
import type { Workspace } from '../core/workspace/workspace.js';
import { ImportDatasetRequestSchema, ImportPathsRequestSchema } from '../shared/library.js';

/**
 * The import in progress, written before it starts and removed when it finishes: after a crash or a cancel
 * it is still there, and `importResume` runs the same request again (already stored images are skipped).
 */
const pendingImportSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('import-paths'),
    request: ImportPathsRequestSchema,
    done: z.number().int(),
    total: z.number().int(),
  }),
  z.object({
    kind: z.literal('import-dataset'),
    request: ImportDatasetRequestSchema,
    done: z.number().int(),
    total: z.number().int(),
  }),
]);
export type PendingImport = z.infer<typeof pendingImportSchema>;

const path = (workspace: Workspace): string => workspace.layout.pendingImport;

export async function readPendingImport(workspace: Workspace): Promise<PendingImport | null> {
  try {
    return await workspace.readDocument(path(workspace), pendingImportSchema);
  } catch {
    return null; // A damaged journal only loses the offer to resume; the images themselves are safe.
  }
}

export const writePendingImport = (workspace: Workspace, pending: PendingImport): Promise<void> =>
  workspace.writeDocument(path(workspace), pending);

export const clearPendingImport = (workspace: Workspace): Promise<void> =>
  workspace.removeDocument(path(workspace));
