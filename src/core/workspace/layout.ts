import { join } from 'node:path';
import { CONTAINER_EXTENSION } from '../crypto/container.js';

/** Where everything lives inside a workspace folder. */
export const workspaceLayout = (root: string) => ({
  root,
  marker: join(root, 'workspace.json'),
  items: join(root, 'items'),
  /** An item's container under its usual name; a record may name another (see ItemRecord.container). */
  container: (id: string) => join(root, 'items', `${id}${CONTAINER_EXTENSION}`),
  itemFile: (name: string) => join(root, 'items', name),
  record: (id: string) => join(root, 'items', `${id}.json`),
  pendingImport: join(root, 'pending-import.json'),
  pendingRekey: join(root, 'pending-rekey.json'),
  documents: join(root, 'documents'),
  document: (name: string) => join(root, 'documents', `${name}.json`),
  indexes: join(root, 'indexes'),
  index: (modelId: string, keyFingerprint: string) =>
    join(root, 'indexes', `${modelId}--${keyFingerprint}.clvs`),
});

export type WorkspaceLayout = ReturnType<typeof workspaceLayout>;
