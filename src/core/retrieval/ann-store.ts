import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import usearch from 'usearch';
import { CipherLensError } from '../errors.js';
import { fromFsError } from '../fs/errors.js';
import { temporaryPathFor } from '../fs/atomic.js';
import {
  prepareBatch,
  checkNewItems,
  ExactCosineStore,
  type NewStoreDescription,
} from './exact-cosine-store.js';
import type { GraphRecord } from './store-file.js';
import {
  isEmptyFilter,
  matchesFilter,
  type ItemFilter,
  type NewItem,
  type SearchHit,
  type SearchOptions,
  type StoreDescription,
  type StoreEngineInfo,
  type StoredVector,
  type VectorStore,
} from './vector-store.js';

/** Scalar type of the vectors inside the HNSW graph (the float32 originals are kept for re-ranking and `get`). */
export type GraphPrecision = 'f32' | 'f16' | 'i8';

export interface AnnOptions {
  /** The vectors file (the exact store's format); the graph lives beside it as `<file>.<generation>.hnsw`. */
  path?: string;
  /** Default f16: half the graph's memory; recall measured in bench/retrieval.bench.ts. */
  precision?: GraphPrecision;
  /** HNSW M (links per node), default 16. */
  connectivity?: number;
  /** efConstruction, default 128. */
  expansionAdd?: number;
  /** efSearch, default 128: the recall/latency dial (bench/retrieval.bench.ts). */
  expansionSearch?: number;
  /** Threads for building and batch search (0: all cores). */
  threads?: number;
}

export const ANN_DEFAULTS = {
  precision: 'f16',
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 128,
} as const;

/** Vectors added to the graph per native call; between calls the event loop runs (the binding is synchronous). */
const ADD_CHUNK = 2048;
/** A filter admitting less than this share of the items is answered by an exact scan of the admitted items. */
const FILTER_SCAN_BELOW = 0.05;
/** The graph is asked for this many times the wanted hits, re-ranked exactly in float32. */
const OVERFETCH = 2;
/** From this many queries a batch goes to usearch in one multi-threaded call. */
const BATCH_FROM = 2;
/**
 * usearch searches max(its expansion_search, k) wide, so the graph is built with the smallest breadth and every
 * search asks for max(efSearch, 2 × wanted) candidates: efSearch is then a per-store setting that needs no rebuild,
 * and the candidates beyond k are not wasted, they are re-ranked in float32.
 */
const GRAPH_EXPANSION_SEARCH = 16;

/** What usearch returns for several queries: `k` slots per query, the first `counts[q]` of them filled. */
interface NativeBatch {
  keys: BigUint64Array;
  distances: Float32Array;
  counts: BigUint64Array;
}

interface NativeIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads: number): void;
  search(
    vectors: Float32Array,
    k: number,
    threads: number,
  ): { keys: BigUint64Array; distances: Float32Array } | NativeBatch;
  remove(keys: bigint): number;
  size(): number;
  dimensions(): number;
  save(path: string): void;
  load(path: string): void;
}

/**
 * The embedded approximate backend: an HNSW graph (usearch) over the rows of an ExactCosineStore, which keeps
 * the items, the float32 vectors (for re-ranking the graph's candidates, `get` and filtered scans) and the file.
 * Graph keys are the exact store's dense row numbers; a removal's row move is mirrored in the graph.
 *
 * Durability: the graph is written to a new `<file>.<generation>.hnsw`, then the vectors file (atomic rename)
 * records that generation with the graph's size and SHA-256, then older graph files are deleted. A crash at any point leaves a vectors file
 * whose graph file exists; a graph that is missing or does not match (size, dimension) is rebuilt from the
 * vectors on open, so the graph is never the only copy of anything.
 */
export class AnnCosineStore implements VectorStore {
  private readonly threads: number;
  private expansionSearch: number;
  private graphRecord: GraphRecord | null;
  /** Adds yield between graph chunks: writes queue here so two adds never interleave their rows. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly exact: ExactCosineStore,
    private graph: NativeIndex,
    private readonly options: Required<Omit<AnnOptions, 'path' | 'threads'>> & AnnOptions,
  ) {
    this.threads = options.threads ?? 0;
    this.graphRecord = exact.loadedGraph;
    this.expansionSearch = options.expansionSearch;
  }

  get engine(): StoreEngineInfo {
    return {
      kind: 'ann',
      precision: this.options.precision,
      recall: `hnsw M ${this.options.connectivity} ef ${this.expansionSearch}`,
    };
  }

  /** The search breadth (efSearch): higher finds more true neighbours and costs more per query. */
  setExpansionSearch(ef: number): void {
    checkRange('expansionSearch', ef);
    this.expansionSearch = ef;
  }

  get description(): StoreDescription {
    return this.exact.description;
  }

  static create(description: NewStoreDescription, options: AnnOptions = {}): AnnCosineStore {
    const full = withDefaults(options);
    const exact = ExactCosineStore.create(description, { path: options.path, threads: options.threads });
    return new AnnCosineStore(exact, newGraph(exact.description.dimension, full), full);
  }

  /** Opens a vectors file (written by this store or by the exact one) and its graph, building the graph if needed. */
  static async open(path: string, options: AnnOptions = {}): Promise<AnnCosineStore> {
    return AnnCosineStore.fromExact(await ExactCosineStore.open(path, { threads: options.threads }), options);
  }

  /**
   * Puts a graph over an exact store (its file's graph when that one matches, else a new one built from the
   * rows). The exact store belongs to the result from then on.
   */
  static async fromExact(exact: ExactCosineStore, options: AnnOptions = {}): Promise<AnnCosineStore> {
    const full = withDefaults({ ...options, path: exact.path });
    exact.setPrecision('f32');
    const store = new AnnCosineStore(exact, newGraph(exact.description.dimension, full), full);
    if (!(await store.loadGraph())) {
      store.graphRecord = null;
      await store.rebuildGraph();
      // Saved at once: a graph built at every open would cost its build time at every launch.
      if (exact.path && exact.rowCount() > 0) await store.save();
    }
    return store;
  }

  async count(filter?: ItemFilter): Promise<number> {
    return this.exact.count(filter);
  }

  async ids(filter?: ItemFilter): Promise<string[]> {
    return this.exact.ids(filter);
  }

  async has(id: string): Promise<boolean> {
    return this.exact.has(id);
  }

  async get(ids: readonly string[]): Promise<(StoredVector | null)[]> {
    return this.exact.get(ids);
  }

  async add(items: readonly NewItem[]): Promise<void> {
    return this.exclusive(() => this.addNow(items));
  }

  async remove(ids: readonly string[]): Promise<number> {
    return this.exclusive(async () => this.removeNow(ids));
  }

  private exclusive<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write);
    this.writes = result.catch(() => undefined);
    return result;
  }

  private async addNow(items: readonly NewItem[]): Promise<void> {
    const present = (id: string): boolean => this.exact.rowIndex(id) !== undefined;
    checkNewItems(items, this.description.dimension, present);
    const first = this.exact.rowCount();
    await this.exact.add(items);
    await this.addRows(first, this.exact.rowCount());
  }

  private removeNow(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      const last = this.exact.rowCount() - 1;
      const change = this.exact.removeRow(id);
      if (!change) continue;
      removed++;
      this.graph.remove(BigInt(change.row));
      if (change.movedFrom !== null) {
        // The last row now lives at `row`: its graph node moves with it.
        this.graph.remove(BigInt(last));
        this.graph.add(BigUint64Array.of(BigInt(change.row)), this.exact.vectorAt(change.row), 1);
      }
    }
    return removed;
  }

  async search(query: Float32Array, options: SearchOptions = {}): Promise<SearchHit[]> {
    return (await this.searchBatch(query, 1, options))[0]!;
  }

  async searchById(id: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const row = this.exact.rowIndex(id);
    if (row === undefined) throw new CipherLensError('NOT_FOUND', `no item "${id}" in the index`);
    return this.search(this.exact.vectorAt(row).slice(), {
      ...options,
      excludeIds: [...(options.excludeIds ?? []), id],
    });
  }

  async searchBatch(
    queries: Float32Array,
    count: number,
    options: SearchOptions = {},
  ): Promise<SearchHit[][]> {
    const dim = this.description.dimension;
    const { k, normalised } = prepareBatch(queries, count, options, dim);
    const total = this.exact.rowCount();
    if (total === 0 || count === 0) return Array.from({ length: count }, () => []);
    const excluded = new Set(options.excludeIds ?? []);
    const want = k + excluded.size;
    let share = 1;
    if (!isEmptyFilter(options.filter)) {
      share = (await this.exact.count(options.filter)) / total;
      if (share < FILTER_SCAN_BELOW) {
        return this.exact.searchFiltered(normalised, count, k, excluded, options.filter!);
      }
    }
    if (count >= BATCH_FROM && isEmptyFilter(options.filter))
      return this.searchMany(normalised, count, k, want, excluded);
    const results: SearchHit[][] = [];
    for (let q = 0; q < count; q++) {
      const query = normalised.subarray(q * dim, (q + 1) * dim);
      results.push(await this.searchOne(query, k, want, share, excluded, options.filter));
    }
    return results;
  }

  /** Unfiltered batches: one native call searches every query on all threads, then each list is re-ranked. */
  private searchMany(
    normalised: Float32Array,
    count: number,
    k: number,
    want: number,
    excluded: ReadonlySet<string>,
  ): SearchHit[][] {
    const dim = this.description.dimension;
    const total = this.exact.rowCount();
    const fetch = Math.min(total, Math.max(this.expansionSearch, OVERFETCH * want));
    const found = this.graph.search(normalised, fetch, this.threads) as NativeBatch;
    const results: SearchHit[][] = [];
    for (let q = 0; q < count; q++) {
      const query = normalised.subarray(q * dim, (q + 1) * dim);
      const candidates = [];
      const returned = Number(found.counts[q]!);
      for (let j = 0; j < returned; j++) {
        const row = Number(found.keys[q * fetch + j]!);
        candidates.push({ row, score: this.exact.dot(row, query) });
      }
      results.push(this.exact.toHits(candidates, k, excluded));
    }
    return results;
  }

  async save(): Promise<void> {
    return this.exclusive(() => this.saveNow());
  }

  private async saveNow(): Promise<void> {
    const path = this.exact.path;
    if (!path)
      throw new CipherLensError(
        'BAD_INPUT',
        'this vector index has no file: create it with a path to save it',
      );
    const generation = randomBytes(8).toString('hex');
    const graphPath = graphFileOf(path, generation);
    const temporary = temporaryPathFor(graphPath);
    try {
      this.graph.save(temporary);
      const handle = await open(temporary, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, graphPath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw await fromFsError(error, { what: graphPath, path: graphPath });
    }
    const record = { generation, ...(await digestOf(graphPath)) };
    try {
      await this.exact.saveWithGraph(record);
    } catch (error) {
      await rm(graphPath, { force: true });
      throw error;
    }
    this.graphRecord = record;
    await removeOtherGraphs(path, generation);
  }

  async close(): Promise<void> {
    await this.exact.close();
  }

  /** Graph search with float32 re-rank; a filter widens the candidate list until enough admitted hits are found. */
  private async searchOne(
    query: Float32Array,
    k: number,
    want: number,
    share: number,
    excluded: ReadonlySet<string>,
    filter: ItemFilter | undefined,
  ): Promise<SearchHit[]> {
    const total = this.exact.rowCount();
    const admittedTotal = Math.round(share * total);
    let fetch = Math.min(total, Math.max(this.expansionSearch, Math.ceil((OVERFETCH * want) / share)));
    for (;;) {
      const found = this.graph.search(query, fetch, 1);
      const candidates = [];
      for (const key of found.keys) {
        const row = Number(key);
        const item = this.exact.itemAt(row);
        if (filter && !matchesFilter(item, filter)) continue;
        candidates.push({ row, score: this.exact.dot(row, query) });
      }
      const hits = this.exact.toHits(candidates, k, excluded);
      if (hits.length >= k || fetch >= total || candidates.length >= admittedTotal) return hits;
      if (fetch >= 4096) {
        // The graph keeps missing admitted items: answer exactly rather than return too few.
        return (await this.exact.searchFiltered(query.slice(), 1, k, excluded, filter ?? {}))[0]!;
      }
      fetch = Math.min(total, fetch * 4);
    }
  }

  /** Loads the graph the vectors file names, only if its size and SHA-256 are the recorded ones. */
  private async loadGraph(): Promise<boolean> {
    const path = this.exact.path;
    const record = this.graphRecord;
    if (!path || record === null) return false;
    const graphPath = graphFileOf(path, record.generation);
    if (!existsSync(graphPath)) return false;
    // usearch's loader trusts the file: a damaged one could crash the process, so it is checked first.
    const found = await digestOf(graphPath).catch(() => null);
    if (!found || found.bytes !== record.bytes || found.sha256 !== record.sha256) return false;
    try {
      this.graph.load(graphPath);
    } catch {
      return false;
    }
    if (this.graph.size() === this.exact.rowCount() && this.graph.dimensions() === this.description.dimension)
      return true;
    this.graph = newGraph(this.description.dimension, this.options);
    return false;
  }

  private async rebuildGraph(): Promise<void> {
    this.graph = newGraph(this.description.dimension, this.options);
    await this.addRows(0, this.exact.rowCount());
  }

  private async addRows(first: number, end: number): Promise<void> {
    const dim = this.description.dimension;
    for (let start = first; start < end; start += ADD_CHUNK) {
      const stop = Math.min(end, start + ADD_CHUNK);
      const keys = new BigUint64Array(stop - start);
      const vectors = new Float32Array((stop - start) * dim);
      for (let row = start; row < stop; row++) {
        keys[row - start] = BigInt(row);
        vectors.set(this.exact.vectorAt(row), (row - start) * dim);
      }
      this.graph.add(keys, vectors, this.threads);
      await yieldToEventLoop();
    }
  }
}

function withDefaults(options: AnnOptions): Required<Omit<AnnOptions, 'path' | 'threads'>> & AnnOptions {
  const full = {
    ...options,
    precision: options.precision ?? ANN_DEFAULTS.precision,
    connectivity: options.connectivity ?? ANN_DEFAULTS.connectivity,
    expansionAdd: options.expansionAdd ?? ANN_DEFAULTS.expansionAdd,
    expansionSearch: options.expansionSearch ?? ANN_DEFAULTS.expansionSearch,
  };
  if (!['f32', 'f16', 'i8'].includes(full.precision))
    throw new CipherLensError(
      'BAD_INPUT',
      `HNSW precision must be f32, f16 or i8, got ${String(full.precision)}`,
    );
  checkRange('connectivity', full.connectivity);
  checkRange('expansionAdd', full.expansionAdd);
  checkRange('expansionSearch', full.expansionSearch);
  return full;
}

function checkRange(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 2 || value > 4096)
    throw new CipherLensError('BAD_INPUT', `HNSW ${name} must be an integer from 2 to 4096, got ${value}`);
}

function newGraph(dimension: number, options: Required<Omit<AnnOptions, 'path' | 'threads'>>): NativeIndex {
  return new usearch.Index({
    dimensions: dimension,
    metric: usearch.MetricKind.Cos,
    quantization: options.precision as (typeof usearch.ScalarKind)[keyof typeof usearch.ScalarKind],
    connectivity: options.connectivity,
    expansion_add: options.expansionAdd,
    expansion_search: GRAPH_EXPANSION_SEARCH,
    multi: false,
  }) as unknown as NativeIndex;
}

async function digestOf(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

export const graphFileOf = (path: string, generation: string): string => `${path}.${generation}.hnsw`;

/** Deletes graph files of earlier saves (and of saves that crashed before their vectors file was renamed). */
async function removeOtherGraphs(path: string, keep: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  const keepName = basename(graphFileOf(path, keep));
  for (const name of await readdir(dirname(path))) {
    if (name.startsWith(prefix) && name.endsWith('.hnsw') && name !== keepName)
      await rm(join(dirname(path), name), { force: true });
  }
}
