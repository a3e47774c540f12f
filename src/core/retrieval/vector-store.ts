/**
 * The retrieval database as callers see it. Every method is async so an engine behind a server
 * (PostgreSQL/pgvector, Qdrant) can implement the same interface: an item is a row (id primary key, label,
 * JSON metadata, vector) and search is a cosine ORDER BY … LIMIT k.
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
  /** For example the encrypted image's file or dataset index. */
  metadata: Metadata;
}

export interface NewItem extends Partial<Omit<StoredItem, 'id'>> {
  id: string;
  /** Any non-zero finite vector of `dimension` values; the store keeps it L2-normalised. */
  vector: Float32Array;
}

export interface SearchHit extends StoredItem {
  /** Cosine similarity, −1…1. */
  score: number;
  /** 1 for the best hit. */
  rank: number;
}

export interface SearchOptions {
  /** How many hits (default 10). */
  k?: number;
  /** Ids never returned (the query item itself, for example). */
  excludeIds?: readonly string[];
}

export interface VectorStore {
  readonly description: StoreDescription;
  size(): Promise<number>;
  /** Adds items; an id already present is refused (remove it first). */
  add(items: readonly NewItem[]): Promise<void>;
  /** Removes the ids present; returns how many were removed. */
  remove(ids: readonly string[]): Promise<number>;
  get(id: string): Promise<(StoredItem & { vector: Float32Array }) | null>;
  /** Best `k` items by cosine similarity to `query`; ties keep insertion order. */
  search(query: Float32Array, options?: SearchOptions): Promise<SearchHit[]>;
  /** `queries` holds `count` vectors end to end; one hit list per query. */
  searchBatch(queries: Float32Array, count: number, options?: SearchOptions): Promise<SearchHit[][]>;
  /** Items most like a stored one, itself excluded. */
  searchById(id: string, options?: SearchOptions): Promise<SearchHit[]>;
  /** Makes every change durable. */
  save(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_K = 10;
