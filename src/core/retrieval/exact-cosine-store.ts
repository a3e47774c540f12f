import usearch from 'usearch';
import { CipherLensError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { readRegularFile } from '../fs/read.js';
import { SimilarityKernels, type Matrix, type SimilarityKernel } from './similarity-kernel.js';
import { decodeStoreFile, encodeStoreFile, type GraphRecord } from './store-file.js';
import { checkDimension, normalizeInto, normalizeRows } from './vectors.js';
import {
  DEFAULT_K,
  isEmptyFilter,
  matchesFilter,
  type ItemFilter,
  type NewItem,
  type SearchHit,
  type SearchOptions,
  type StoreDescription,
  type StoreEngineInfo,
  type StoredItem,
  type StoredVector,
  type VectorStore,
} from './vector-store.js';

/**
 * The largest vector index read: 3 GiB holds about 1.4 M × 512 float32 rows with their item list (Node reads a
 * file into one Buffer, at most 4 GiB).
 */
export const MAX_INDEX_FILE_BYTES = 3 * 1024 * 1024 * 1024;

/** Rows per storage block: 32,768 × 512 float32 = 64 MiB, so growing never copies the whole index. */
export const BLOCK_ROWS = 32_768;
/** Queries scored together: bounds the [queries × block] score matrix ONNX Runtime returns. */
const QUERY_BLOCK = 256;
const INITIAL_BLOCK_ROWS = 1024;
const SINGLE_THREAD_BELOW = 8;
/**
 * Candidates the int8 scan hands to the float32 re-rank: at least this many, and RERANK_FACTOR × k. Measured in
 * bench/retrieval.bench.ts: recall@10 against the float32 scan is 1.000 on the real embeddings and ≥ 0.999 on
 * uniform random 512-d vectors (the hardest case: neighbours' scores differ by less than int8 rounding).
 */
const RERANK_MIN = 100;
const RERANK_FACTOR = 10;

/**
 * How rows are scanned for single queries. `f32`: one ONNX Runtime GEMV over float32 (memory-bound: 4 bytes a
 * value). `i8`: each row also kept as int8 scaled to its largest component (cosine is scale-invariant, so no
 * per-row factor is needed), scanned by usearch's SIMD int8 cosine kernel (1 byte a value), and the best
 * candidates re-ranked in float32, so scores are exact and the order matches the float32 scan. float16 was
 * considered: usearch's JavaScript exact search takes no f16 input and ONNX Runtime's CPU f16 GEMM is not
 * vectorised, so halving the bytes would not halve the time; int8 quarters them.
 */
export type ExactPrecision = 'f32' | 'i8';

export interface ExactCosineStoreOptions {
  /** Where `save()` writes (atomically); a store without a path lives in memory only. */
  path?: string;
  /**
   * intraOpNumThreads for batches of queries (default: all cores). A batch of fewer than
   * SINGLE_THREAD_BELOW queries always runs on one thread: scoring one query is a memory-bound GEMV, and
   * a second thread slowed it down on the 2-core development machine (47,000 × 512: 5.5 ms on one, 8.6 on two).
   */
  threads?: number;
  /** Rows per block (tests use small blocks to exercise merging). */
  blockRows?: number;
  precision?: ExactPrecision;
}

export type NewStoreDescription = Partial<StoreDescription> & { dimension: number };

export function completeDescription(partial: NewStoreDescription): StoreDescription {
  if (!Number.isInteger(partial.dimension) || partial.dimension < 1) {
    throw new CipherLensError(
      'BAD_INPUT',
      `vector dimension must be a positive integer, got ${partial.dimension}`,
    );
  }
  return {
    dimension: partial.dimension,
    metric: 'cosine',
    modelId: partial.modelId ?? null,
    keyFingerprint: partial.keyFingerprint ?? null,
    condition: partial.condition ?? null,
    dataset: partial.dataset ?? null,
    split: partial.split ?? null,
    classes: partial.classes ?? null,
    createdAt: partial.createdAt ?? new Date().toISOString(),
  };
}

/** Validates a batch before anything is stored, so a bad item leaves the store unchanged. */
export function checkNewItems(
  items: readonly NewItem[],
  dimension: number,
  present: (id: string) => boolean,
): void {
  const seen = new Set<string>();
  const scratch = new Float32Array(dimension);
  for (const item of items) {
    if (typeof item.id !== 'string' || item.id.length === 0 || item.id.length > 1000)
      throw new CipherLensError('BAD_INPUT', 'item ids must be strings of 1 to 1000 characters');
    if (present(item.id) || seen.has(item.id)) {
      throw new CipherLensError('BAD_INPUT', `id "${item.id}" is already in the index`);
    }
    seen.add(item.id);
    if (!(item.vector instanceof Float32Array))
      throw new CipherLensError('BAD_INPUT', `vector of "${item.id}" must be a Float32Array`);
    checkDimension(item.vector, dimension, `vector of "${item.id}"`);
    normalizeInto(item.vector, scratch, `vector of "${item.id}"`);
  }
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1)
    throw new CipherLensError('BAD_INPUT', `k must be a positive integer, got ${k}`);
}

export function checkQueries(queries: Float32Array, count: number, dim: number): void {
  if (!Number.isInteger(count) || count < 0 || queries.length !== count * dim) {
    throw new CipherLensError(
      'BAD_INPUT',
      `expected ${count} queries of ${dim} values, got ${queries.length} values`,
    );
  }
}

/**
 * A batch search's arguments checked the same way by every store: the k to use and the queries L2-normalised
 * (row-major, `count × dim`), since every store ranks by cosine similarity.
 */
export function prepareBatch(
  queries: Float32Array,
  count: number,
  options: SearchOptions,
  dim: number,
): { k: number; normalised: Float32Array } {
  const k = options.k ?? DEFAULT_K;
  checkK(k);
  checkQueries(queries, count, dim);
  return { k, normalised: normalizeRows(queries, count, dim, undefined, 'query') };
}

export const storedItemOf = (item: NewItem): StoredItem => ({
  id: item.id,
  label: item.label ?? null,
  keyFingerprint: item.keyFingerprint ?? null,
  source: item.source ?? null,
  metadata: item.metadata ?? {},
});

/** Writes `vector` as int8 scaled so its largest component is ±127. */
function quantizeInto(vector: Float32Array, out: Int8Array): void {
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i]!));
  const scale = 127 / max;
  for (let i = 0; i < vector.length; i++) out[i] = Math.round(vector[i]! * scale);
}

function checkPrecision(precision: ExactPrecision): ExactPrecision {
  if (precision !== 'f32' && precision !== 'i8')
    throw new CipherLensError(
      'BAD_INPUT',
      `exact store precision must be f32 or i8, got ${String(precision)}`,
    );
  return precision;
}

interface Candidate {
  score: number;
  row: number;
}

/**
 * The embedded default: exact cosine top-k over L2-normalised float32 rows kept in fixed-size blocks.
 * Each (query block × row block) product runs as one ONNX Runtime GEMM + TopK; per-block winners are merged.
 * With `precision: 'i8'` single queries scan an int8 copy and re-rank in float32 (see ExactPrecision).
 */
export class ExactCosineStore implements VectorStore {
  readonly description: StoreDescription;
  /** The graph file the index file names (ann-store.ts checks its graph against it). */
  readonly loadedGraph: GraphRecord | null;
  private readonly dim: number;
  private readonly blockRows: number;
  private readonly blocks: Float32Array[] = [];
  private readonly quantized: Int8Array[] = [];
  private readonly items: StoredItem[] = [];
  private readonly rowOf = new Map<string, number>();
  /** The store's own GEMM sessions, released by close(). */
  private readonly kernels = new SimilarityKernels();
  private precision: ExactPrecision;

  private constructor(
    description: StoreDescription,
    private readonly options: ExactCosineStoreOptions,
    graph: GraphRecord | null = null,
  ) {
    this.description = description;
    this.dim = description.dimension;
    this.blockRows = options.blockRows ?? BLOCK_ROWS;
    if (!Number.isInteger(this.blockRows) || this.blockRows < 1) {
      throw new CipherLensError('BAD_INPUT', `block size must be a positive integer, got ${this.blockRows}`);
    }
    this.precision = checkPrecision(options.precision ?? 'f32');
    this.loadedGraph = graph;
  }

  static create(description: NewStoreDescription, options: ExactCosineStoreOptions = {}): ExactCosineStore {
    return new ExactCosineStore(completeDescription(description), options);
  }

  /** Loads a saved index; `options.path` defaults to `path`, so `save()` writes back there. */
  static async open(path: string, options: ExactCosineStoreOptions = {}): Promise<ExactCosineStore> {
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(path, MAX_INDEX_FILE_BYTES, { what: `vector index ${path}` });
    } catch (error) {
      if (error instanceof CipherLensError && error.code !== 'NOT_FOUND') throw error;
      throw new CipherLensError('NOT_FOUND', `cannot read vector index ${path}: ${(error as Error).message}`);
    }
    const decoded = decodeStoreFile(bytes, `vector index ${path}`);
    const store = new ExactCosineStore(
      decoded.description,
      { ...options, path: options.path ?? path },
      decoded.graph,
    );
    store.appendNormalised(decoded.items, decoded.vectors);
    return store;
  }

  get engine(): StoreEngineInfo {
    return { kind: 'exact', precision: this.precision, recall: 'exact' };
  }

  /** Switches the single-query scan (openVectorStore's automatic choice, made once the size is known). */
  setPrecision(precision: ExactPrecision): void {
    if (checkPrecision(precision) === this.precision) return;
    this.precision = precision;
    this.quantized.length = 0;
    if (precision !== 'i8') return;
    for (const block of this.blocks) this.quantized.push(new Int8Array(block.length));
    for (let row = 0; row < this.items.length; row++) this.quantizeRow(row);
  }

  get path(): string | undefined {
    return this.options.path;
  }

  async count(filter?: ItemFilter): Promise<number> {
    if (isEmptyFilter(filter)) return this.items.length;
    return this.items.reduce((sum, item) => sum + (matchesFilter(item, filter) ? 1 : 0), 0);
  }

  async ids(filter?: ItemFilter): Promise<string[]> {
    const items = isEmptyFilter(filter)
      ? this.items
      : this.items.filter((item) => matchesFilter(item, filter));
    return items.map((item) => item.id);
  }

  async has(id: string): Promise<boolean> {
    return this.rowOf.has(id);
  }

  async add(newItems: readonly NewItem[]): Promise<void> {
    checkNewItems(newItems, this.dim, (id) => this.rowOf.has(id));
    for (const item of newItems) {
      const row = this.reserveRow();
      normalizeInto(item.vector, this.rowView(row));
      this.quantizeRow(row);
      this.items.push(storedItemOf(item));
      this.rowOf.set(item.id, row);
    }
  }

  async remove(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) if (this.removeRow(id) !== null) removed++;
    return removed;
  }

  /**
   * Removes one id; the last row moves into its hole so rows stay dense. Returns the row it had and the row that
   * moved there (null when nothing moved), or null when the id was absent. ann-store.ts mirrors the move.
   */
  removeRow(id: string): { row: number; movedFrom: number | null } | null {
    const row = this.rowOf.get(id);
    if (row === undefined) return null;
    const last = this.items.length - 1;
    if (row !== last) {
      this.rowView(row).set(this.rowView(last));
      this.quantizeRow(row);
      const moved = this.items[last]!;
      this.items[row] = moved;
      this.rowOf.set(moved.id, row);
    }
    this.items.pop();
    this.rowOf.delete(id);
    const keep = Math.ceil(this.items.length / this.blockRows);
    this.blocks.length = Math.min(this.blocks.length, keep);
    this.quantized.length = Math.min(this.quantized.length, keep);
    return { row, movedFrom: row === last ? null : last };
  }

  async get(ids: readonly string[]): Promise<(StoredVector | null)[]> {
    return ids.map((id) => {
      const row = this.rowOf.get(id);
      return row === undefined ? null : { ...this.items[row]!, vector: this.rowView(row).slice() };
    });
  }

  async search(query: Float32Array, options: SearchOptions = {}): Promise<SearchHit[]> {
    return (await this.searchBatch(query, 1, options))[0]!;
  }

  async searchById(id: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const row = this.rowOf.get(id);
    if (row === undefined) throw new CipherLensError('NOT_FOUND', `no item "${id}" in the index`);
    return this.search(this.rowView(row).slice(), {
      ...options,
      excludeIds: [...(options.excludeIds ?? []), id],
    });
  }

  async searchBatch(
    queries: Float32Array,
    count: number,
    options: SearchOptions = {},
  ): Promise<SearchHit[][]> {
    const { k, normalised } = prepareBatch(queries, count, options, this.dim);
    const excluded = new Set(options.excludeIds ?? []);
    if (this.items.length === 0 || count === 0) return Array.from({ length: count }, () => []);
    if (!isEmptyFilter(options.filter))
      return this.searchFiltered(normalised, count, k, excluded, options.filter!);
    if (this.precision === 'i8' && count < SINGLE_THREAD_BELOW) {
      const results: SearchHit[][] = [];
      for (let q = 0; q < count; q++) {
        const query = normalised.subarray(q * this.dim, (q + 1) * this.dim);
        results.push(this.toHits(this.scanQuantized(query, k + excluded.size), k, excluded));
      }
      return results;
    }
    // Excluded ids can take places in a block's top list, so ask each block for that many more.
    const perBlock = k + excluded.size;
    return this.scanBlocks(normalised, count, k, excluded, async (kernel, queryMatrix, block, list) => {
      const take = Math.min(perBlock, block.count);
      const best = await kernel.topK(queryMatrix, block.matrix, take);
      for (let q = 0; q < queryMatrix.rows; q++) {
        for (let j = 0; j < take; j++) {
          list(q).push({ score: best.values[q * take + j]!, row: block.start + best.indices[q * take + j]! });
        }
      }
    });
  }

  /**
   * The blocked scan both exact searches share: queries QUERY_BLOCK at a time against each stored block through
   * the GEMM kernel; `visit` adds each block's candidates per query, and each query's list becomes its hits.
   */
  private async scanBlocks(
    normalised: Float32Array,
    count: number,
    k: number,
    excluded: ReadonlySet<string>,
    visit: (
      kernel: SimilarityKernel,
      queryMatrix: Matrix,
      block: { matrix: Matrix; start: number; count: number },
      list: (query: number) => Candidate[],
    ) => Promise<void>,
  ): Promise<SearchHit[][]> {
    const total = this.items.length;
    const kernel = await this.kernels.get(count < SINGLE_THREAD_BELOW ? 1 : this.options.threads);
    const results: SearchHit[][] = [];
    for (let first = 0; first < count; first += QUERY_BLOCK) {
      const rows = Math.min(QUERY_BLOCK, count - first);
      const queryMatrix = {
        data: normalised.subarray(first * this.dim, (first + rows) * this.dim),
        rows,
        dim: this.dim,
      };
      const candidates: Candidate[][] = Array.from({ length: rows }, () => []);
      for (let index = 0; index * this.blockRows < total; index++) {
        const start = index * this.blockRows;
        const blockCount = Math.min(this.blockRows, total - start);
        const matrix = { data: this.blocks[index]!, rows: blockCount, dim: this.dim };
        await visit(kernel, queryMatrix, { matrix, start, count: blockCount }, (q) => candidates[q]!);
      }
      for (const list of candidates) results.push(this.toHits(list, k, excluded));
    }
    return results;
  }

  async save(): Promise<void> {
    await this.saveWithGraph(undefined);
  }

  /** Saves atomically, recording which graph file belongs to these vectors (ann-store.ts). */
  async saveWithGraph(graph: GraphRecord | undefined): Promise<void> {
    const path = this.options.path;
    if (!path)
      throw new CipherLensError(
        'BAD_INPUT',
        'this vector index has no file: create it with a path to save it',
      );
    const vectors = this.blocks.map((block, index) =>
      block.subarray(
        0,
        Math.max(0, Math.min(this.blockRows, this.items.length - index * this.blockRows)) * this.dim,
      ),
    );
    await writeFileAtomic(path, encodeStoreFile(this.description, this.items, vectors, graph));
  }

  async close(): Promise<void> {
    await this.kernels.release();
  }

  /** Rows are dense 0…count−1; ann-store.ts uses them as graph keys. */
  rowCount(): number {
    return this.items.length;
  }

  rowIndex(id: string): number | undefined {
    return this.rowOf.get(id);
  }

  itemAt(row: number): StoredItem {
    return this.items[row]!;
  }

  /** A view of the stored (normalised) row: do not modify. */
  vectorAt(row: number): Float32Array {
    return this.rowView(row);
  }

  dot(row: number, query: Float32Array): number {
    const vector = this.rowView(row);
    let sum = 0;
    for (let i = 0; i < this.dim; i++) sum += vector[i]! * query[i]!;
    return sum;
  }

  /** Hits from candidate rows: sorted by score (ties by row), excluded ids skipped, ranks assigned. */
  toHits(candidates: Candidate[], k: number, excluded: ReadonlySet<string>): SearchHit[] {
    candidates.sort((a, b) => b.score - a.score || a.row - b.row);
    const hits: SearchHit[] = [];
    for (const { score, row } of candidates) {
      const item = this.items[row]!;
      if (excluded.has(item.id)) continue;
      hits.push({ ...item, score, rank: hits.length + 1 });
      if (hits.length === k) break;
    }
    return hits;
  }

  /** Filtered search: every row is scored (float32), then only admitted rows compete. */
  async searchFiltered(
    normalised: Float32Array,
    count: number,
    k: number,
    excluded: ReadonlySet<string>,
    filter: ItemFilter,
  ): Promise<SearchHit[][]> {
    const admitted = this.items.map((item) => matchesFilter(item, filter) && !excluded.has(item.id));
    return this.scanBlocks(normalised, count, k, excluded, async (kernel, queryMatrix, block, list) => {
      const scores = await kernel.scores(queryMatrix, block.matrix);
      for (let q = 0; q < queryMatrix.rows; q++) {
        const candidates = list(q);
        for (let i = 0; i < block.count; i++) {
          if (admitted[block.start + i])
            candidates.push({ score: scores[q * block.count + i]!, row: block.start + i });
        }
        // Keep the lists short: only the best k can survive.
        if (candidates.length > 4 * k + 1024) {
          candidates.sort((a, b) => b.score - a.score || a.row - b.row);
          candidates.length = k;
        }
      }
    });
  }

  /** int8 cosine scan per block, then the best candidates re-scored exactly in float32. */
  private scanQuantized(query: Float32Array, want: number): Candidate[] {
    const quantizedQuery = new Int8Array(this.dim);
    quantizeInto(query, quantizedQuery);
    const pool = Math.max(RERANK_MIN, RERANK_FACTOR * want);
    const rough: Candidate[] = [];
    for (let block = 0; block * this.blockRows < this.items.length; block++) {
      const blockStart = block * this.blockRows;
      const blockCount = Math.min(this.blockRows, this.items.length - blockStart);
      const take = Math.min(pool, blockCount);
      const found = usearch.exactSearch(
        this.quantized[block]!.subarray(0, blockCount * this.dim),
        quantizedQuery,
        this.dim,
        take,
        usearch.MetricKind.Cos,
        1,
      ) as InstanceType<typeof usearch.Matches>;
      for (let j = 0; j < found.keys.length; j++) {
        // usearch reports cosine distance (1 − similarity).
        rough.push({ score: 1 - found.distances[j]!, row: blockStart + Number(found.keys[j]!) });
      }
    }
    rough.sort((a, b) => b.score - a.score || a.row - b.row);
    if (rough.length > pool) rough.length = pool;
    for (const candidate of rough) candidate.score = this.dot(candidate.row, query);
    return rough;
  }

  private appendNormalised(items: readonly StoredItem[], vectors: Float32Array): void {
    items.forEach((item, index) => {
      if (this.rowOf.has(item.id))
        throw new CipherLensError('BAD_FORMAT', `vector index repeats id "${item.id}"`);
      const row = this.reserveRow();
      this.rowView(row).set(vectors.subarray(index * this.dim, (index + 1) * this.dim));
      this.quantizeRow(row);
      this.items.push(item);
      this.rowOf.set(item.id, row);
    });
  }

  private quantizeRow(row: number): void {
    if (this.precision !== 'i8') return;
    const block = this.quantized[Math.floor(row / this.blockRows)]!;
    const start = (row % this.blockRows) * this.dim;
    quantizeInto(this.rowView(row), block.subarray(start, start + this.dim));
  }

  /** The row the next item goes to. A block's capacity doubles up to `blockRows`, so small indexes stay small. */
  private reserveRow(): number {
    const row = this.items.length;
    const blockIndex = Math.floor(row / this.blockRows);
    const needed = ((row % this.blockRows) + 1) * this.dim;
    const block = this.blocks[blockIndex];
    const i8 = this.precision === 'i8';
    if (!block) {
      const length = Math.min(this.blockRows, INITIAL_BLOCK_ROWS) * this.dim;
      this.blocks.push(new Float32Array(length));
      if (i8) this.quantized.push(new Int8Array(length));
    } else if (block.length < needed) {
      const length = Math.min(this.blockRows * this.dim, block.length * 2);
      const grown = new Float32Array(length);
      grown.set(block);
      this.blocks[blockIndex] = grown;
      if (i8) {
        const grownQuantized = new Int8Array(length);
        grownQuantized.set(this.quantized[blockIndex]!);
        this.quantized[blockIndex] = grownQuantized;
      }
    }
    return row;
  }

  private rowView(row: number): Float32Array {
    const block = this.blocks[Math.floor(row / this.blockRows)]!;
    const start = (row % this.blockRows) * this.dim;
    return block.subarray(start, start + this.dim);
  }
}
