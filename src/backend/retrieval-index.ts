import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { CipherLensError } from '../core/errors.js';
import type { InferenceEngine } from '../core/inference/engine.js';
import { openVectorStore, type VectorStoreSpec } from '../core/retrieval/open-vector-store.js';
import { pgvectorTableOf } from '../core/retrieval/pgvector-store.js';
import type { VectorStore } from '../core/retrieval/vector-store.js';
import type { ItemRecord } from '../core/workspace/item-record.js';
import type { BackendContext } from './context.js';
import { inferItems, type ItemRunOptions } from './item-inference.js';
import type { StoredSettings } from './settings-store.js';

/**
 * The retrieval indexes the back end has open, one per model, key and backend setting. Owned by the BackendContext:
 * closed when the backend setting or the workspace changes, when key rotation deletes their files, and at
 * AppService.close().
 */
export class RetrievalStores {
  private readonly stores = new Map<string, { spec: VectorStoreSpec; store: Promise<VectorStore> }>();

  constructor(private readonly context: BackendContext) {}

  /** What this workspace's items are recorded as on a shared server: a digest of machine and folder, no names. */
  get source(): string {
    const workspace = this.context.workspace.path;
    return `ws-${createHash('sha256').update(`${hostname()}\0${workspace}`).digest('hex').slice(0, 16)}`;
  }

  specFor(
    engine: InferenceEngine,
    keyFingerprint: string,
    settings: Readonly<StoredSettings>,
  ): VectorStoreSpec {
    const path = this.context.workspace.layout.index(engine.card.id, keyFingerprint);
    const threads = settings.threads > 0 ? settings.threads : undefined;
    switch (settings.retrievalStore) {
      case 'pgvector':
        return {
          kind: 'pgvector',
          url: settings.pgvectorUrl ?? '',
          table: pgvectorTableOf(engine.card.id, keyFingerprint),
          search: settings.pgvectorSearch,
        };
      case 'exact':
        return { kind: 'exact', path, threads, precision: 'i8' };
      case 'ann':
        return { kind: 'ann', path, threads };
      default:
        return { kind: 'auto', path, threads };
    }
  }

  /** The index for one model and key under the current settings, opened (or created) once and kept. */
  open(engine: InferenceEngine, keyFingerprint: string): Promise<VectorStore> {
    const settings = this.context.settings.get();
    if (settings.retrievalStore === 'pgvector' && !settings.pgvectorUrl) {
      return Promise.reject(
        new CipherLensError(
          'BAD_INPUT',
          'the pgvector backend is chosen but no connection URL is set (Settings → Retrieval index)',
        ),
      );
    }
    const spec = this.specFor(engine, keyFingerprint, settings);
    const name =
      spec.kind === 'pgvector' ? `pg ${spec.url} ${spec.table} ${spec.search}` : `${spec.kind} ${spec.path}`;
    let entry = this.stores.get(name);
    if (!entry) {
      const { card } = engine;
      const store = openVectorStore(spec, {
        dimension: card.embeddingDim,
        modelId: card.id,
        keyFingerprint,
        condition: card.condition,
        dataset: card.dataset,
        classes: [...card.classes],
      });
      store.catch(() => this.stores.delete(name));
      entry = { spec, store };
      this.stores.set(name, entry);
    }
    return entry.store;
  }

  /** Closes and drops the stores kept in the given files (key rotation deleted them), or all stores. */
  async forget(paths?: readonly string[]): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [name, { spec, store }] of this.stores) {
      const path = spec.kind === 'pgvector' ? undefined : spec.path;
      if (paths && (path === undefined || !paths.includes(path))) continue;
      this.stores.delete(name);
      closing.push(store.then((opened) => opened.close()).catch(() => undefined));
    }
    await Promise.all(closing);
  }

  close(): Promise<void> {
    return this.forget();
  }
}

/** Index state against the workspace: what is indexed and what the active key could add. */
export async function indexStatus(context: BackendContext, engine: InferenceEngine) {
  const key = context.activeKey();
  const store = await context.retrieval.open(engine, key.fingerprint);
  const eligible = context.workspace.list().filter((item) => item.keyFingerprint === key.fingerprint);
  // One listing answers both questions (one round trip on a server). On a shared server only this workspace's
  // own rows are compared with it: other workstations' items are not stale here.
  const source = context.retrieval.source;
  const stored = new Set(
    await store.ids(store.engine.kind === 'pgvector' ? { sources: [source] } : undefined),
  );
  return {
    store,
    missing: eligible.filter((item) => !stored.has(item.id)),
    stale: [...stored].filter((id) => !context.workspace.get(id)),
    indexed: eligible.filter((item) => stored.has(item.id)).length,
  };
}

/** Embeds the images the index lacks, drops the ones the workspace no longer has, and saves. */
export async function refreshIndex(
  context: BackendContext,
  engine: InferenceEngine,
  options: ItemRunOptions = {},
): Promise<VectorStore> {
  const { store, missing, stale } = await indexStatus(context, engine);
  if (stale.length > 0) await store.remove(stale);
  if (missing.length > 0) {
    const outputs = await inferItems(context, engine, missing, options);
    const dim = outputs.embeddingDim;
    const source = context.retrieval.source;
    // A shared server gets ids, labels, key fingerprints and embeddings only: item names can be file names.
    const shared = store.engine.kind === 'pgvector';
    await store.add(
      missing.map((record: ItemRecord, row) => ({
        id: record.id,
        label: record.label,
        keyFingerprint: record.keyFingerprint,
        source,
        ...(!shared && { metadata: { name: record.name } }),
        vector: outputs.embeddings.slice(row * dim, (row + 1) * dim),
      })),
    );
  }
  if (stale.length > 0 || missing.length > 0) await store.save();
  return store;
}
