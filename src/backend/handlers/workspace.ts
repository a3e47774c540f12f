import type { WorkspaceInfo } from '../../shared/workspace.js';
import type { BackendContext } from '../context.js';
import { libraryFacets, libraryFilter } from '../library-filter.js';
import { toLibraryItem } from '../library-items.js';
import { readPendingImport } from '../pending-import.js';
import type { HandlerGroup } from './types.js';

function classCounts(labels: readonly (string | null)[]): { label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const label of labels) if (label !== null) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts.entries()]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

export async function workspaceInfo(context: BackendContext): Promise<WorkspaceInfo> {
  const workspace = context.workspace;
  const items = workspace.list();
  const keys = new Map<string, number>();
  for (const item of items) keys.set(item.keyFingerprint, (keys.get(item.keyFingerprint) ?? 0) + 1);
  const pending = await readPendingImport(workspace);
  return {
    path: workspace.path,
    itemCount: items.length,
    classes: classCounts(items.map((item) => item.label)),
    keys: [...keys.entries()].map(([fingerprint, count]) => ({ fingerprint, count })),
    diskBytes: await workspace.diskBytes(),
    pendingImport: pending && { jobKind: pending.kind, done: pending.done, total: pending.total },
    isDefault: workspace.path === context.options.defaultWorkspacePath,
  };
}

export function workspaceHandlers(
  context: BackendContext,
): HandlerGroup<
  'workspaceInfo' | 'workspaceChoose' | 'libraryList' | 'libraryItems' | 'libraryUpdate' | 'libraryRemove'
> {
  return {
    workspaceInfo: () => workspaceInfo(context),
    async workspaceChoose(request) {
      await context.switchWorkspace(request.path, request.create);
      return workspaceInfo(context);
    },
    async libraryList(request) {
      const all = context.workspace.list();
      const activeKey = context.settings.get().activeKey;
      const matching = all.filter(libraryFilter(request, activeKey));
      const ordered = request.activeKeyFirst
        ? [
            ...matching.filter((item) => item.keyFingerprint === activeKey),
            ...matching.filter((item) => item.keyFingerprint !== activeKey),
          ]
        : matching;
      const page = ordered.slice(request.offset, request.offset + request.limit);
      return {
        total: matching.length,
        offset: request.offset,
        items: await Promise.all(page.map((item) => toLibraryItem(context, item))),
        classes: classCounts(all.map((item) => item.label)),
        ...libraryFacets(all, activeKey),
      };
    },
    async libraryItems(request) {
      const found = request.ids.map((id) => context.workspace.get(id));
      return {
        items: await Promise.all(
          found.filter((item) => item !== undefined).map((item) => toLibraryItem(context, item)),
        ),
        missing: request.ids.filter((_, index) => found[index] === undefined),
      };
    },
    async libraryUpdate(request) {
      return toLibraryItem(context, await context.workspace.update(request.id, { label: request.label }));
    },
    async libraryRemove(request) {
      return { removed: await context.workspace.remove(request.ids) };
    },
  };
}
