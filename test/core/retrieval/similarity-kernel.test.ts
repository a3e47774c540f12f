import { describe, expect, it } from 'vitest';
import { SimilarityKernels } from '../../../src/core/retrieval/similarity-kernel.js';

const matrix = (rows: number[][]) => ({
  data: Float32Array.from(rows.flat()),
  rows: rows.length,
  dim: rows[0]!.length,
});

describe('similarity kernels', () => {
  it('scores and ranks through ONNX Runtime, one kernel per thread count, owned and released by its holder', async () => {
    const kernels = new SimilarityKernels();
    const one = await kernels.get(1);
    expect(await kernels.get(1)).toBe(one);
    const queries = matrix([
      [1, 0],
      [0, 1],
    ]);
    const items = matrix([
      [0.6, 0.8],
      [1, 0],
      [0, 1],
    ]);
    expect([...(await one.scores(queries, items))].map((v) => Number(v.toFixed(3)))).toEqual([
      0.6, 1, 0, 0.8, 0, 1,
    ]);
    const top = await one.topK(queries, items, 2);
    expect([...top.indices]).toEqual([1, 0, 2, 0]);

    await kernels.release();
    // Released sessions refuse work; the set opens a fresh kernel on the next request.
    await expect(one.scores(queries, items)).rejects.toThrow();
    const again = await kernels.get(1);
    expect(again).not.toBe(one);
    expect((await again.scores(queries, items)).length).toBe(6);
    await kernels.release();
    expect(() => kernels.get(0)).toThrow(/positive integer/);
  });
});
