import { CipherLensError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { readRegularFile } from '../fs/read.js';

/** The largest vector index read (100 000 images × 512 float32 dims is 205 MB). */
export const MAX_INDEX_FILE_BYTES = 1024 * 1024 * 1024;
import { similarityKernel } from './similarity-kernel.js';
import { decodeStoreFile, encodeStoreFile } from './store-file.js';
import { checkDimension, normalizeInto } from './vectors.js';
import {
  DEFAULT_K,
  type NewItem,
  type SearchHit,
  type SearchOptions,
  type StoreDescription,
  type StoredItem,
  type VectorStore,
} from './vector-store.js';

/** Rows per storage block: 32,768 × 512 float32 = 64 MiB, so growing never copies the whole index. */
export const BLOCK_ROWS = 32_768;
/** Queries scored together: bounds the [queries × block] score matrix ONNX Runtime returns. */
const QUERY_BLOCK = 256;
const INITIAL_BLOCK_ROWS = 1024;
const SINGLE_THREAD_BELOW = 8;

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
}

export type NewStoreDescription = Partial<StoreDescription> & { dimension: number };

function completeDescription(partial: NewStoreDescription): StoreDescription {
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

interface Candidate {
  score: number;
  row: number;
}

/**
 * The embedded default: exact cosine top-k over L2-normalised float32 rows kept in fixed-size blocks.
 * Each (query block × row block) product runs as one ONNX Runtime GEMM + TopK; per-block winners are merged.
 */
export class ExactCosineStore implements VectorStore {
  readonly description: StoreDescription;
  private readonly dim: number;
  private readonly blockRows: number;
  private readonly blocks: Float32Array[] = [];
  private readonly items: StoredItem[] = [];
  private readonly rowOf = new Map<string, number>();
  private readonly scratch: Float32Array;

  private constructor(
    description: StoreDescription,
    private readonly options: ExactCosineStoreOptions,
  ) {
    this.description = description;
    this.dim = description.dimension;
    this.blockRows = options.blockRows ?? BLOCK_ROWS;
    if (!Number.isInteger(this.blockRows) || this.blockRows < 1) {
      throw new CipherLensError('BAD_INPUT', `block size must be a positive integer, got ${this.blockRows}`);
    }
    this.scratch = new Float32Array(this.dim);
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
    const store = new ExactCosineStore(decoded.description, { ...options, path: options.path ?? path });
    store.appendNormalised(decoded.items, decoded.vectors);
    return store;
  }

  async size(): Promise<number> {
    return this.items.length;
  }

  async add(newItems: readonly NewItem[]): Promise<void> {
    const seen = new Set<string>();
    for (const item of newItems) {
      if (typeof item.id !== 'string' || item.id.length === 0)
        throw new CipherLensError('BAD_INPUT', 'item ids must be non-empty strings');
      if (this.rowOf.has(item.id) || seen.has(item.id)) {
        throw new CipherLensError('BAD_INPUT', `id "${item.id}" is already in the index`);
      }
      seen.add(item.id);
      checkDimension(item.vector, this.dim, `vector of "${item.id}"`);
      normalizeInto(item.vector, this.scratch, `vector of "${item.id}"`);
    }
    // Everything was validated first, so a bad item leaves the store unchanged.
    for (const item of newItems) {
      const row = this.reserveRow();
      normalizeInto(item.vector, this.rowView(row));
      this.items.push({ id: item.id, label: item.label ?? null, metadata: item.metadata ?? {} });
      this.rowOf.set(item.id, row);
    }
  }

  async remove(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row === undefined) continue;
      const last = this.items.length - 1;
      if (row !== last) {
        // Move the last row into the hole so rows stay dense.
        this.rowView(row).set(this.rowView(last));
        const moved = this.items[last]!;
        this.items[row] = moved;
        this.rowOf.set(moved.id, row);
      }
      this.items.pop();
      this.rowOf.delete(id);
      removed++;
    }
    this.blocks.length = Math.min(this.blocks.length, Math.ceil(this.items.length / this.blockRows));
    return removed;
  }

  async get(id: string): Promise<(StoredItem & { vector: Float32Array }) | null> {
    const row = this.rowOf.get(id);
    if (row === undefined) return null;
    return { ...this.items[row]!, vector: this.rowView(row).slice() };
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
    const k = options.k ?? DEFAULT_K;
    if (!Number.isInteger(k) || k < 1)
      throw new CipherLensError('BAD_INPUT', `k must be a positive integer, got ${k}`);
    if (!Number.isInteger(count) || count < 0 || queries.length !== count * this.dim) {
      throw new CipherLensError(
        'BAD_INPUT',
        `expected ${count} queries of ${this.dim} values, got ${queries.length} values`,
      );
    }
    const excluded = new Set(options.excludeIds ?? []);
    const total = this.items.length;
    if (total === 0 || count === 0) return Array.from({ length: count }, () => []);
    // Excluded ids can take places in a block's top list, so ask each block for that many more.
    const perBlock = k + excluded.size;
    const kernel = await similarityKernel(count < SINGLE_THREAD_BELOW ? 1 : this.options.threads);
    const normalised = new Float32Array(queries.length);
    for (let q = 0; q < count; q++) {
      const slice = queries.subarray(q * this.dim, (q + 1) * this.dim);
      normalizeInto(slice, normalised.subarray(q * this.dim, (q + 1) * this.dim), `query ${q}`);
    }

    const results: SearchHit[][] = [];
    for (let first = 0; first < count; first += QUERY_BLOCK) {
      const rows = Math.min(QUERY_BLOCK, count - first);
      const queryMatrix = {
        data: normalised.subarray(first * this.dim, (first + rows) * this.dim),
        rows,
        dim: this.dim,
      };
      const candidates: Candidate[][] = Array.from({ length: rows }, () => []);
      for (let block = 0; block * this.blockRows < total; block++) {
        const blockStart = block * this.blockRows;
        const blockCount = Math.min(this.blockRows, total - blockStart);
        const take = Math.min(perBlock, blockCount);
        const best = await kernel.topK(
          queryMatrix,
          { data: this.blocks[block]!, rows: blockCount, dim: this.dim },
          take,
        );
        for (let q = 0; q < rows; q++) {
          for (let j = 0; j < take; j++) {
            candidates[q]!.push({
              score: best.values[q * take + j]!,
              row: blockStart + best.indices[q * take + j]!,
            });
          }
        }
      }
      for (const list of candidates) results.push(this.toHits(list, k, excluded));
    }
    return results;
  }

  async save(): Promise<void> {
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
    await writeFileAtomic(path, encodeStoreFile(this.description, this.items, vectors));
  }

  async close(): Promise<void> {
    // Nothing to release: the kernel's sessions are shared by every store in the process.
  }

  private toHits(candidates: Candidate[], k: number, excluded: ReadonlySet<string>): SearchHit[] {
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

  private appendNormalised(items: readonly StoredItem[], vectors: Float32Array): void {
    items.forEach((item, index) => {
      if (this.rowOf.has(item.id))
        throw new CipherLensError('BAD_FORMAT', `vector index repeats id "${item.id}"`);
      const row = this.reserveRow();
      this.rowView(row).set(vectors.subarray(index * this.dim, (index + 1) * this.dim));
      this.items.push(item);
      this.rowOf.set(item.id, row);
    });
  }

  /** The row the next item goes to. A block's capacity doubles up to `blockRows`, so small indexes stay small. */
  private reserveRow(): number {
    const row = this.items.length;
    const blockIndex = Math.floor(row / this.blockRows);
    const needed = ((row % this.blockRows) + 1) * this.dim;
    const block = this.blocks[blockIndex];
    if (!block) this.blocks.push(new Float32Array(Math.min(this.blockRows, INITIAL_BLOCK_ROWS) * this.dim));
    else if (block.length < needed) {
      const grown = new Float32Array(Math.min(this.blockRows * this.dim, block.length * 2));
      grown.set(block);
      this.blocks[blockIndex] = grown;
    }
    return row;
  }

  private rowView(row: number): Float32Array {
    const block = this.blocks[Math.floor(row / this.blockRows)]!;
    const start = (row % this.blockRows) * this.dim;
    return block.subarray(start, start + this.dim);
  }
}
