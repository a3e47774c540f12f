/**
 * The retrieval database as callers see it. Every method is async so an engine behind a server
 * (PostgreSQL/pgvector) implements the same interface: an item is a row (id primary key, label, key
 * fingerprint, source, JSON metadata, vector) and search is a cosine ORDER BY … LIMIT k.
 * Three backends implement it (open them with openVectorStore): `exact` (exact-cosine-store.ts), `ann`
 * (HNSW, ann-store.ts) and `pgvector` (pgvector-store.ts). test/core/retrieval/vector-store-contract.test.ts
 * runs one suite against all three.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Metadata = Record<string, JsonValue>;

/** What the vectors are: which model made them, for which key and images. Stored with the index. */
export interface StoreDescription {
  dimension: number;
  metric: 'cosine';
  modelId: string | null;
  keyFingerprint: string | null;
  condition: string | null;
  dataset: string | null;
  split: string | null;
  /** Class names that labels come from, when known. */
  classes: string[] | null;
  createdAt: string;
}

export interface StoredItem {
  id: string;
  /** Class name (relevance in retrieval evaluation is "same label"); null when unlabelled. */
  label: string | null;
  /** Fingerprint of the key the image is encrypted with (never the key); null when not recorded. */
  keyFingerprint: string | null;
  /** Where the item came from (a workstation, a dataset split, an import); null when not recorded. */
  source: string | null;
  /** For example the encrypted image's file or dataset index. */
  metadata: Metadata;
}

export interface NewItem extends Partial<Omit<StoredItem, 'id'>> {
  id: string;
  /** Any non-zero finite vector of `dimension` values; the store keeps it L2-normalised. */
  vector: Float32Array;
}

export type StoredVector = StoredItem & { vector: Float32Array };

export interface SearchHit extends StoredItem {
  /** Cosine similarity, −1…1. */
  score: number;
  /** 1 for the best hit. */
  rank: number;
}

/** Restricts a search or a count to items whose fields are among the listed values (AND across fields). */
export interface ItemFilter {
  labels?: readonly (string | null)[];
  keyFingerprints?: readonly (string | null)[];
  sources?: readonly (string | null)[];
}

export interface SearchOptions {
  /** How many hits (default 10). */
  k?: number;
  /** Ids never returned (the query item itself, for example). */
  excludeIds?: readonly string[];
  filter?: ItemFilter;
}

export type VectorStoreKind = 'exact' | 'ann' | 'pgvector';

/** Which engine answers and how exact it is: shown beside results so a reader knows what they are looking at. */
export interface StoreEngineInfo {
  kind: VectorStoreKind;
  /** How vectors are held for scanning: f32, i8 (int8 scan, float32 re-rank) or the HNSW graph's scalar type. */
  precision: 'f32' | 'f16' | 'i8';
  /** "exact" for a full scan; for HNSW the search breadth, e.g. "hnsw ef 128". */
  recall: string;
}

export interface VectorStore {
  readonly description: StoreDescription;
  readonly engine: StoreEngineInfo;
  /** Items in the store, or only those the filter admits. */
  count(filter?: ItemFilter): Promise<number>;
  /** Every id (or those the filter admits), in insertion order where the backend keeps one. */
  ids(filter?: ItemFilter): Promise<string[]>;
  has(id: string): Promise<boolean>;
  /** Adds items; an id already present is refused (remove it first) and nothing of the batch is added. */
  add(items: readonly NewItem[]): Promise<void>;
  /** Removes the ids present; returns how many were removed. */
  remove(ids: readonly string[]): Promise<number>;
  /** One entry per id, null where absent; one round trip on a server. */
  get(ids: readonly string[]): Promise<(StoredVector | null)[]>;
  /** Best `k` items by cosine similarity to `query`, best first. */
  search(query: Float32Array, options?: SearchOptions): Promise<SearchHit[]>;
  /** `queries` holds `count` vectors end to end; one hit list per query. */
  searchBatch(queries: Float32Array, count: number, options?: SearchOptions): Promise<SearchHit[][]>;
  /** Items most like a stored one, itself excluded. */
  searchById(id: string, options?: SearchOptions): Promise<SearchHit[]>;
  /** Makes every change durable (a server store is durable at each call already). */
  save(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_K = 10;

const admits = (allowed: readonly (string | null)[] | undefined, value: string | null): boolean =>
  allowed === undefined || allowed.includes(value);

export function matchesFilter(item: StoredItem, filter: ItemFilter | undefined): boolean {
  if (!filter) return true;
  return (
    admits(filter.labels, item.label) &&
    admits(filter.keyFingerprints, item.keyFingerprint) &&
    admits(filter.sources, item.source)
  );
}

export const isEmptyFilter = (filter: ItemFilter | undefined): boolean =>
  !filter ||
  (filter.labels === undefined && filter.keyFingerprints === undefined && filter.sources === undefined);
