import { afterAll, describe, expect, it } from 'vitest';
import { pca } from '../../../src/core/retrieval/projection.js';
import { ProjectionRunner } from '../../../src/core/retrieval/projection-pool.js';

function clusters(rows: number, cols: number): { data: Float32Array; rows: number; cols: number } {
  const data = new Float32Array(rows * cols);
  let state = 7;
  const random = (): number => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) data[row * cols + col] = (row % 3 === col % 3 ? 3 : 0) + random();
  }
  return { data, rows, cols };
}

const runner = new ProjectionRunner();
afterAll(() => runner.close());

describe('WorkerPool (through the map layouts)', () => {
  it('gives the same PCA as the calling thread, and leaves the caller’s matrix intact', async () => {
    const matrix = clusters(300, 16);
    const before = Float32Array.from(matrix.data);
    const result = await runner.pca(matrix);
    expect(Array.from(result.coordinates)).toEqual(Array.from(pca(matrix, 2).coordinates));
    expect(Array.from(matrix.data)).toEqual(Array.from(before));
  });

  it('forwards progress, and a cancel stops the running worker; the next job starts a fresh one', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const running = runner.umap(clusters(400, 16), {
      signal: controller.signal,
      onProgress: (_done, _total, message) => {
        seen.push(message);
        if (seen.length === 2) controller.abort();
      },
    });
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    const after = await runner.pca(clusters(50, 8));
    expect(after.coordinates).toHaveLength(100);
  });

  it('refuses an already-cancelled job and carries the worker’s error code back', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runner.umap(clusters(20, 4), { signal: controller.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    // Too few points for UMAP: the worker's CipherLensError keeps its code.
    await expect(runner.umap(clusters(3, 4))).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
