import { describe, expect, it } from 'vitest';
import { pca, seededRandom, umap, MIN_UMAP_POINTS } from '../../../src/core/retrieval/projection.js';

/** `perCluster` points around each of `centres`, with small seeded noise, in `dim` dimensions. */
function clusters(centres: number[][], perCluster: number, noise: number) {
  const random = seededRandom(7);
  const dim = centres[0]!.length;
  const rows = centres.length * perCluster;
  const data = new Float32Array(rows * dim);
  centres.forEach((centre, c) => {
    for (let p = 0; p < perCluster; p++) {
      const row = c * perCluster + p;
      for (let j = 0; j < dim; j++) data[row * dim + j] = centre[j]! + (random() - 0.5) * noise;
    }
  });
  return { data, rows, cols: dim };
}

describe('pca', () => {
  it('finds the axis of largest variance and its variance', () => {
    // Points on a line along (3, 4)/5 with small noise: the first axis is that direction, ±.
    const random = seededRandom(3);
    const n = 400;
    const data = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const t = (random() - 0.5) * 10;
      data[i * 2] = (3 / 5) * t + (random() - 0.5) * 0.01;
      data[i * 2 + 1] = (4 / 5) * t + (random() - 0.5) * 0.01;
    }
    const result = pca({ data, rows: n, cols: 2 }, 1);
    expect(result.components).toBe(1);
    // Var of U(-5, 5) is 100/12; the sample estimate is within a few per cent.
    expect(result.variances[0]).toBeGreaterThan((100 / 12) * 0.85);
    expect(result.variances[0]).toBeLessThan((100 / 12) * 1.15);
    expect(result.variances[0]! / result.totalVariance).toBeGreaterThan(0.999);
    // The coordinate of each point is its position along the line, up to sign and the mean.
    const t0 = data[0]! * 0.6 + data[1]! * 0.8;
    const t1 = data[2]! * 0.6 + data[3]! * 0.8;
    expect(Math.abs(result.coordinates[0]! - result.coordinates[1]!)).toBeCloseTo(Math.abs(t0 - t1), 2);
  });

  it('matches the eigenvalues of a known diagonal covariance, largest first', () => {
    const random = seededRandom(11);
    const n = 2000;
    const scales = [1, 5, 2, 0.5];
    const data = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) for (let j = 0; j < 4; j++) data[i * 4 + j] = (random() - 0.5) * scales[j]!;
    const { variances } = pca({ data, rows: n, cols: 4 }, 3);
    const expected = [5, 2, 1].map((s) => (s * s) / 12);
    variances.forEach((v, i) => expect(v / expected[i]!).toBeGreaterThan(0.9));
    variances.forEach((v, i) => expect(v / expected[i]!).toBeLessThan(1.1));
  });

  it('is deterministic and separates well-separated clusters', () => {
    const matrix = clusters(
      [
        [10, 0, 0, 0, 0, 0],
        [-10, 0, 0, 0, 0, 0],
      ],
      30,
      1,
    );
    const a = pca(matrix, 2);
    const b = pca(matrix, 2);
    expect(Array.from(a.coordinates)).toEqual(Array.from(b.coordinates));
    const firstAxis = (row: number) => a.coordinates[row * 2]!;
    const left = Array.from({ length: 30 }, (_, i) => firstAxis(i));
    const right = Array.from({ length: 30 }, (_, i) => firstAxis(30 + i));
    expect(Math.max(...left) < Math.min(...right) || Math.min(...left) > Math.max(...right)).toBe(true);
  });

  it('handles one point and constant data (variance 0) without NaN', () => {
    const single = pca({ data: new Float32Array([1, 2, 3]), rows: 1, cols: 3 }, 2);
    expect(Array.from(single.coordinates)).toEqual([0, 0]);
    const constant = pca({ data: new Float32Array(12).fill(4), rows: 4, cols: 3 }, 2);
    expect(Array.from(constant.coordinates).every((v) => v === 0)).toBe(true);
    expect(constant.totalVariance).toBe(0);
  });

  it('refuses non-finite values and mismatched sizes clearly', () => {
    expect(() => pca({ data: new Float32Array([1, Number.NaN]), rows: 1, cols: 2 })).toThrow(/non-finite/);
    expect(() => pca({ data: new Float32Array(5), rows: 2, cols: 3 })).toThrow(/expected 6 values/);
    expect(() => pca({ data: new Float32Array(0), rows: 0, cols: 3 })).toThrow(/at least one vector/);
  });
});

describe('umap', () => {
  it('keeps three separated clusters apart in 2-D, reports progress, and is reproducible', async () => {
    const dim = 60;
    const centre = (axis: number) => Array.from({ length: dim }, (_, j) => (j === axis ? 20 : 0));
    const matrix = clusters([centre(0), centre(1), centre(2)], 25, 2);
    const progress: number[] = [];
    const layout = await umap(matrix, { epochs: 60, onProgress: (done) => progress.push(done) });
    expect(layout.length).toBe(75 * 2);
    expect(progress.at(-1)).toBe(60);
    const centroid = (c: number) => {
      let x = 0;
      let y = 0;
      for (let p = 0; p < 25; p++) {
        x += layout[(c * 25 + p) * 2]!;
        y += layout[(c * 25 + p) * 2 + 1]!;
      }
      return [x / 25, y / 25] as const;
    };
    // Each point is nearer its own cluster's centroid than any other's.
    const centroids = [0, 1, 2].map(centroid);
    for (let row = 0; row < 75; row++) {
      const own = Math.floor(row / 25);
      const distances = centroids.map(([x, y]) => Math.hypot(layout[row * 2]! - x, layout[row * 2 + 1]! - y));
      expect(distances.indexOf(Math.min(...distances))).toBe(own);
    }
    const again = await umap(matrix, { epochs: 60 });
    expect(Array.from(again)).toEqual(Array.from(layout));
  });

  it('stops when cancelled and refuses too few points', async () => {
    const matrix = clusters(
      [
        [0, 0, 0],
        [5, 5, 5],
      ],
      20,
      1,
    );
    const controller = new AbortController();
    controller.abort();
    await expect(umap(matrix, { signal: controller.signal })).rejects.toThrow(/cancelled/);
    const few = { data: new Float32Array((MIN_UMAP_POINTS - 1) * 3), rows: MIN_UMAP_POINTS - 1, cols: 3 };
    await expect(umap(few)).rejects.toThrow(/at least 5 points/);
  });
});
