import { existsSync } from 'node:fs';
import type { InferenceEngine } from '../core/inference/engine.js';
import { ExactCosineStore } from '../core/retrieval/exact-cosine-store.js';
import type { AppContext } from './context.js';
import { inferItems, type ItemRunOptions } from './model-inputs.js';

const stores = new Map<string, Promise<ExactCosineStore>>();

/** The workspace's embeddings index for one model and key, opened once and kept. */
export function openIndex(
  context: AppContext,
  engine: InferenceEngine,
  keyFingerprint: string,
): Promise<ExactCosineStore> {
  const path = context.workspace.layout.index(engine.card.id, keyFingerprint);
  let store = stores.get(path);
  if (!store) {
    const { card } = engine;
    store = existsSync(path)
      ? ExactCosineStore.open(path)
      : Promise.resolve(
          ExactCosineStore.create(
            {
              dimension: card.embeddingDim,
              modelId: card.id,
              keyFingerprint,
              condition: card.condition,
              dataset: card.dataset,
              classes: [...card.classes],
            },
            { path },
          ),
        );
    store.catch(() => stores.delete(path));
    stores.set(path, store);
  }
  return store;
}

/** Drops opened indexes whose files were deleted (key rotation), so none is saved back or searched. */
export function forgetIndexes(paths: readonly string[]): void {
  for (const path of paths) stores.delete(path);
}

/** Index state against the workspace: what is indexed and what the active key could add. */
export async function indexStatus(context: AppContext, engine: InferenceEngine) {
  const key = context.activeKey();
  const store = await openIndex(context, engine, key.fingerprint);
  const eligible = context.workspace.list().filter((item) => item.keyFingerprint === key.fingerprint);
  const indexed = new Set<string>();
  for (const item of eligible) if (await store.get(item.id)) indexed.add(item.id);
  return {
    store,
    missing: eligible.filter((item) => !indexed.has(item.id)),
    stale: await staleIds(context, store),
    indexed: indexed.size,
  };
}

async function staleIds(context: AppContext, store: ExactCosineStore): Promise<string[]> {
  // Removed images must leave the index too; the store has no listing, so probe by the workspace's ids.
  const size = await store.size();
  if (size === 0) return [];
  const probe = await store.search(new Float32Array(store.description.dimension).fill(1), { k: size });
  return probe.map((hit) => hit.id).filter((id) => !context.workspace.get(id));
}

/** Embeds the images the index lacks, drops the ones the workspace no longer has, and saves. */
export async function refreshIndex(
  context: AppContext,
  engine: InferenceEngine,
  options: ItemRunOptions = {},
): Promise<ExactCosineStore> {
  const { store, missing, stale } = await indexStatus(context, engine);
  if (stale.length > 0) await store.remove(stale);
  if (missing.length > 0) {
    const outputs = await inferItems(context, engine, missing, options);
    const dim = outputs.embeddingDim;
    await store.add(
      missing.map((record, row) => ({
        id: record.id,
        label: record.label,
        metadata: { name: record.name },
        vector: outputs.embeddings.slice(row * dim, (row + 1) * dim),
      })),
    );
  }
  if (stale.length > 0 || missing.length > 0) await store.save();
  return store;
}
