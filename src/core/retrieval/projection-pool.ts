import { WorkerPool } from '../workers/worker-pool.js';
import type { Matrix, PcaResult } from './projection.js';
import type { ProjectionJob, ProjectionResult } from './projection-worker.js';

/**
 * Map layouts in a worker thread. PCA of 20,000 embeddings takes ≈ 4.7 s and UMAP's neighbour graph several
 * seconds at a few thousand points (docs/embedding-map.md): on the back end's thread every other request (and
 * in Electron the window's IPC) would wait that long. One worker: layouts are rare and a second would only
 * compete with the first for the same two cores. Owned and closed by the back end (EmbeddingMaps).
 */
export class ProjectionRunner {
  private readonly pool = new WorkerPool<Omit<ProjectionJob, 'id'>, ProjectionResult>({
    callerUrl: import.meta.url,
    entry: 'projection-worker',
    size: 1,
    failureCode: 'INTERNAL',
    what: 'the map layout',
  });

  async pca(matrix: Matrix): Promise<PcaResult> {
    const result = await this.pool.run({ method: 'pca', ...copyOf(matrix) });
    if (result.method !== 'pca') throw new Error('the map layout answered with another method');
    return result.pca;
  }

  /** Cancelling (signal) stops the worker at once, even inside UMAP's neighbour-graph step. */
  async umap(
    matrix: Matrix,
    options: {
      signal?: AbortSignal;
      onProgress?: (done: number, total: number, message: string) => void;
    } = {},
  ): Promise<Float32Array> {
    const result = await this.pool.run({ method: 'umap', ...copyOf(matrix) }, options);
    if (result.method !== 'umap') throw new Error('the map layout answered with another method');
    return result.coordinates;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The matrix as a job: its floats are copied by the structured clone, so the caller's stay usable. */
function copyOf(matrix: Matrix): Pick<ProjectionJob, 'data' | 'rows' | 'cols'> {
  return { data: matrix.data, rows: matrix.rows, cols: matrix.cols };
}
