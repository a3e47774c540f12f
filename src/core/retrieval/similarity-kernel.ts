import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { CipherLensError } from '../errors.js';
import { buildSimilarityModel, type SimilarityGraphKind } from './similarity-graph.js';

/** Row-major matrices of float32 rows: `rows` × `dim`. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

export interface TopKResult {
  /** [queries × k] best scores, descending per query. */
  values: Float32Array;
  /** [queries × k] item indices; among equal scores the lower index comes first. */
  indices: Int32Array;
  k: number;
}

/**
 * Dot products of many queries against many items through ONNX Runtime's GEMM (blocked, SIMD,
 * multi-threaded): on L2-normalised rows these are cosine similarities.
 */
export interface SimilarityKernel {
  readonly threads: number;
  /** scores[q · items.rows + i] = queries[q] · items[i]. */
  scores(queries: Matrix, items: Matrix): Promise<Float32Array>;
  /** The k best items per query, k ≤ items.rows. */
  topK(queries: Matrix, items: Matrix, k: number): Promise<TopKResult>;
  /** Frees both ONNX sessions; the kernel must not be used afterwards. */
  release(): Promise<void>;
}

function tensor(matrix: Matrix): ort.Tensor {
  const length = matrix.rows * matrix.dim;
  if (matrix.data.length < length) {
    throw new CipherLensError(
      'INTERNAL',
      `matrix of ${matrix.rows}×${matrix.dim} has only ${matrix.data.length} values`,
    );
  }
  const data = matrix.data.length === length ? matrix.data : matrix.data.subarray(0, length);
  return new ort.Tensor('float32', data, [matrix.rows, matrix.dim]);
}

function checkShapes(queries: Matrix, items: Matrix): void {
  if (queries.dim !== items.dim) {
    throw new CipherLensError('BAD_INPUT', `queries have ${queries.dim} dimensions, items have ${items.dim}`);
  }
}

async function openKernel(threads: number): Promise<SimilarityKernel> {
  const open = (kind: SimilarityGraphKind): Promise<ort.InferenceSession> =>
    ort.InferenceSession.create(buildSimilarityModel(kind), {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
  const [scoreSession, topKSession] = await Promise.all([open('scores'), open('top-k')]);
  return {
    threads,
    async scores(queries, items) {
      checkShapes(queries, items);
      const result = await scoreSession.run({ queries: tensor(queries), items: tensor(items) });
      return result.scores!.data as Float32Array;
    },
    async topK(queries, items, k) {
      checkShapes(queries, items);
      if (!Number.isInteger(k) || k < 1 || k > items.rows) {
        throw new CipherLensError('INTERNAL', `top-k needs 1 ≤ k ≤ ${items.rows}, got ${k}`);
      }
      const result = await topKSession.run({
        queries: tensor(queries),
        items: tensor(items),
        k: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
      });
      const wide = result.indices!.data as BigInt64Array;
      const indices = new Int32Array(wide.length);
      for (let i = 0; i < wide.length; i++) indices[i] = Number(wide[i]!);
      return { values: result.values!.data as Float32Array, indices, k };
    },
    async release() {
      await Promise.all([scoreSession.release(), topKSession.release()]);
    },
  };
}

/**
 * Kernels (two small ONNX sessions each) by thread count, opened on first use and owned by whoever holds this
 * set — a vector store, one evaluation run — so nothing outlives its owner: `release()` frees them all.
 */
export class SimilarityKernels {
  readonly #kernels = new Map<number, Promise<SimilarityKernel>>();

  get(threads = availableParallelism()): Promise<SimilarityKernel> {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new CipherLensError('BAD_INPUT', `threads must be a positive integer, got ${threads}`);
    }
    let kernel = this.#kernels.get(threads);
    if (!kernel) {
      kernel = openKernel(threads);
      kernel.catch(() => this.#kernels.delete(threads));
      this.#kernels.set(threads, kernel);
    }
    return kernel;
  }

  async release(): Promise<void> {
    const open = [...this.#kernels.values()];
    this.#kernels.clear();
    const settled = await Promise.allSettled(open);
    await Promise.all(
      settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.release()] : [])),
    );
  }
}
