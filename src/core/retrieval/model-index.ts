import { CipherLensError } from '../errors.js';
import { openExportForModel, readExportedSplit, type ExportedSplit } from '../inference/exported-split.js';
import { inferAll } from '../inference/batch.js';
import type { InferenceEngine } from '../inference/engine.js';
import type { ModelCard } from '../inference/model-card.js';
import type { ModelFiles } from '../inference/model-files.js';
import type { ProviderPreference } from '../inference/providers.js';
import type { Logger } from '../inference/session.js';
import { createVectorStore, type VectorStoreSpec } from './open-vector-store.js';
import type { SearchHit, StoreDescription, VectorStore } from './vector-store.js';

export interface BuildExportIndexOptions {
  model: ModelFiles;
  exportDir: string;
  split: string;
  /** Where the index goes: a file (exact, ann, auto) or a pgvector table. */
  store: VectorStoreSpec;
  provider?: ProviderPreference;
  threads?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  log?: Logger;
}

/** Item ids of exported images: `<dataset>/<split>/<index in the split>`. */
export const exportItemId = (dataset: string, split: string, index: number): string =>
  `${dataset}/${split}/${index}`;

/**
 * Embeds one split of a dataset export (already encrypted) with the model and saves it in the store the spec
 * names. A file index is replaced; in a pgvector table, rows of this split's ids are replaced, others kept.
 */
export async function buildExportIndex(options: BuildExportIndexOptions): Promise<VectorStore> {
  const { model, exportDir, split } = options;
  const { card } = model;
  const { manifest, engine } = await openExportForModel(model, exportDir, options);
  let data: ExportedSplit;
  let embeddings: Float32Array;
  try {
    data = await readExportedSplit(exportDir, manifest, split);
    ({ embeddings } = await inferAll(engine, data.images, {
      onProgress: options.onProgress,
      signal: options.signal,
    }));
  } finally {
    await engine.close();
  }
  const dim = card.embeddingDim;
  const store = await createVectorStore(options.store, {
    dimension: dim,
    modelId: card.id,
    keyFingerprint: card.keyFingerprint,
    condition: card.condition,
    dataset: manifest.dataset,
    split,
    classes: manifest.classes,
  });
  try {
    const items = Array.from({ length: data.count }, (_, i) => ({
      id: exportItemId(manifest.dataset, split, i),
      vector: embeddings.subarray(i * dim, (i + 1) * dim),
      label: manifest.classes[data.labels[i]!]!,
      keyFingerprint: card.keyFingerprint,
      source: `${manifest.dataset}/${split}`,
      metadata: { split, index: i },
    }));
    if (options.store.kind === 'pgvector') await store.remove(items.map((item) => item.id));
    await store.add(items);
    await store.save();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** An index answers queries only with the embeddings of the model (and key) that built it. */
export function checkIndexMatchesModel(
  description: StoreDescription,
  card: ModelCard,
  source = 'the index',
): void {
  if (description.modelId !== null && description.modelId !== card.id) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `${source} was built with model ${description.modelId}; querying it with ${card.id} would compare unrelated embeddings`,
    );
  }
  if (description.keyFingerprint !== card.keyFingerprint) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `${source} holds images encrypted with key ${description.keyFingerprint ?? 'none'}, model ${card.id} is for key ${card.keyFingerprint ?? 'none'}`,
    );
  }
  if (description.dimension !== card.embeddingDim) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `${source} holds ${description.dimension}-d vectors, model ${card.id} makes ${card.embeddingDim}-d`,
    );
  }
}

/** Query by image: the model-ready (encrypted) image is embedded, then searched. */
export async function searchByImage(
  engine: InferenceEngine,
  store: VectorStore,
  modelInput: Uint8Array,
  k: number,
): Promise<SearchHit[]> {
  checkIndexMatchesModel(store.description, engine.card);
  const embedding = await engine.embed(modelInput);
  return store.search(embedding, { k });
}
