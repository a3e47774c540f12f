import { parentPort } from 'node:worker_threads';
import { serveWorkerJobs } from '../workers/worker-pool.js';
import { pca, umap, type PcaResult } from './projection.js';

/** One map layout computed off the event loop (projection-pool.ts). */
export interface ProjectionJob {
  id: number;
  method: 'pca' | 'umap';
  data: Float32Array;
  rows: number;
  cols: number;
}

export type ProjectionResult =
  { method: 'pca'; pca: PcaResult } | { method: 'umap'; coordinates: Float32Array };

serveWorkerJobs<ProjectionJob, ProjectionResult>(
  parentPort!,
  async (job, progress) => {
    const matrix = { data: job.data, rows: job.rows, cols: job.cols };
    if (job.method === 'pca') return { method: 'pca', pca: pca(matrix, 2) };
    return { method: 'umap', coordinates: await umap(matrix, { onProgress: progress }) };
  },
  (result) => [(result.method === 'pca' ? result.pca.coordinates : result.coordinates).buffer as ArrayBuffer],
  'INTERNAL',
);
