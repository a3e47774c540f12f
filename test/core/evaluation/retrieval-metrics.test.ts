import { describe, expect, it } from 'vitest';
import { evaluateRetrieval, queryMetrics } from '../../../src/core/evaluation/retrieval-metrics.js';
import { randomVectors } from '../retrieval/random-vectors.js';

/** 2-d unit vectors at the given angles: cosine to the x axis falls as the angle grows. */
function atAngles(angles: number[]): Float32Array {
  return Float32Array.from(angles.flatMap((a) => [Math.cos(a), Math.sin(a)]));
}

/** scikit-learn's average_precision_score straight from its definition, O(n²): ties share one threshold. */
function referenceAp(scores: Float32Array, relevant: boolean[]): number {
  let sum = 0;
  let relevantCount = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!relevant[i]) continue;
    relevantCount++;
    let above = 0;
    let relevantAbove = 0;
    for (let j = 0; j < scores.length; j++) {
      if (scores[j]! >= scores[i]!) {
        above++;
        if (relevant[j]) relevantAbove++;
      }
    }
    sum += relevantAbove / above;
  }
  return sum / relevantCount;
}

describe('queryMetrics', () => {
  it('computes AP, AP@k, precision@k and the 11-point curve of a hand-worked ranking', () => {
    // Ranking by score: R N R N N R → AP = (1/1 + 2/3 + 3/6) / 3.
    const scores = Float32Array.of(0.9, 0.8, 0.7, 0.6, 0.5, 0.4);
    const labels = [1, 0, 1, 0, 0, 1];
    const m = queryMetrics(scores, labels, 1, [1, 3, 6]);
    expect(m.ap).toBeCloseTo((1 + 2 / 3 + 0.5) / 3, 12);
    expect(m.precisionAtK).toEqual([1, 2 / 3, 0.5]);
    expect(m.apAtK[0]).toBeCloseTo(1, 12);
    expect(m.apAtK[1]).toBeCloseTo((1 + 2 / 3) / 3, 12);
    expect(m.apAtK[2]).toBeCloseTo((1 + 2 / 3 + 0.5) / 3, 12);
    // Points (recall, precision): (1/3, 1), (2/3, 2/3), (1, 1/2).
    const expected = [1, 1, 1, 1, 2 / 3, 2 / 3, 2 / 3, 0.5, 0.5, 0.5, 0.5];
    m.interpolatedPrecision.forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 12));
  });

  it('treats tied scores as one threshold, like scikit-learn', () => {
    // R at 0.9, then R and N tied at 0.5 → precisions 1 and 2/3.
    const m = queryMetrics(Float32Array.of(0.5, 0.9, 0.5, 0.1), [0, 1, 1, 0], 1, [1, 2]);
    expect(m.ap).toBeCloseTo((1 + 2 / 3) / 2, 12);
    // @k breaks the tie by database order: item 0 (irrelevant) comes before item 2.
    expect(m.precisionAtK).toEqual([1, 0.5]);
    expect(m.apAtK[1]).toBeCloseTo(1 / 2, 12);
  });

  it('AP@k divides by min(k, R) and leaves the query itself out', () => {
    // Two relevant items besides the query (index 0, the best score, excluded).
    const m = queryMetrics(Float32Array.of(1, 0.9, 0.8, 0.7), [1, 0, 1, 1], 1, [1, 3], 0);
    // Without item 0: N R R → AP = (1/2 + 2/3) / 2; AP@1 = 0 / min(1, 2); AP@3 = (1/2 + 2/3) / 2.
    expect(m.ap).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    expect(m.apAtK).toEqual([0, (0.5 + 2 / 3) / 2]);
    expect(m.precisionAtK).toEqual([0, 2 / 3]);
  });

  it('matches the O(n²) scikit-learn definition on random scores with injected ties', () => {
    const n = 400;
    const raw = randomVectors(n, 1, 11);
    const labels = Array.from({ length: n }, (_, i) => (i * 7) % 3);
    for (let i = 0; i < n; i += 9) raw[i] = raw[(i * 5) % n]!;
    for (const label of [0, 1, 2]) {
      const m = queryMetrics(raw, labels, label, [10]);
      expect(m.ap).toBeCloseTo(
        referenceAp(
          raw,
          labels.map((l) => l === label),
        ),
        10,
      );
    }
  });
});

describe('evaluateRetrieval', () => {
  it('ranks queries against a database by cosine similarity', async () => {
    // Query along x; database angles give the ranking R N R N N R (labels 1 = relevant).
    const database = { vectors: atAngles([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), labels: [1, 0, 1, 0, 0, 1] };
    const queries = { vectors: Float32Array.of(3, 0), labels: [1] };
    const metrics = await evaluateRetrieval(queries, database, 2, ['other', 'same'], {
      ks: [1, 3],
      threads: 1,
    });
    expect(metrics.protocol).toBe('query-vs-database');
    expect(metrics.mAP).toBeCloseTo((1 + 2 / 3 + 0.5) / 3, 6);
    expect(metrics.precisionAtK).toEqual([
      { k: 1, value: 1 },
      { k: 3, value: expect.closeTo(2 / 3, 6) as number },
    ]);
    expect(metrics.mAPAtK).toEqual([
      { k: 1, value: 1 },
      { k: 3, value: expect.closeTo((1 + 2 / 3) / 3, 6) as number },
    ]);
    expect(metrics.prCurve[0]).toEqual({ recall: 0, precision: 1 });
    expect(metrics.prCurve[10]!.precision).toBeCloseTo(0.5, 6);
    expect(metrics.perClass).toEqual([
      { label: 'other', queries: 0, mAP: 0 },
      { label: 'same', queries: 1, mAP: expect.closeTo(metrics.mAP, 12) as number },
    ]);
  });

  it('leave-one-out: each query is ranked against all the others', async () => {
    // Four items on a line of angles, labels A A B B.
    const items = { vectors: atAngles([0, 0.1, 1.0, 1.1]), labels: [0, 0, 1, 1] };
    const metrics = await evaluateRetrieval(items, null, 2, ['A', 'B'], { ks: [1], threads: 1 });
    expect(metrics.protocol).toBe('leave-one-out');
    expect(metrics.database).toBe(3);
    // Every item's nearest other item is its class mate: AP = 1 for all.
    expect(metrics.mAP).toBeCloseTo(1, 12);
    expect(metrics.precisionAtK[0]!.value).toBe(1);
  });

  it('agrees with per-query brute force on random embeddings, across query blocks', async () => {
    const dim = 16;
    const queries = {
      vectors: randomVectors(60, dim, 21),
      labels: Array.from({ length: 60 }, (_, i) => i % 4),
    };
    const database = {
      vectors: randomVectors(500, dim, 22),
      labels: Array.from({ length: 500 }, (_, i) => (i * 3) % 4),
    };
    const metrics = await evaluateRetrieval(queries, database, dim, ['a', 'b', 'c', 'd'], {
      ks: [1, 10, 100],
      threads: 1,
      queryBlock: 7,
    });
    let sum = 0;
    for (let q = 0; q < 60; q++) {
      const scores = new Float32Array(500);
      const query = queries.vectors.subarray(q * dim, (q + 1) * dim);
      const qn = Math.hypot(...query);
      for (let i = 0; i < 500; i++) {
        const item = database.vectors.subarray(i * dim, (i + 1) * dim);
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += query[j]! * item[j]!;
        scores[i] = dot / (qn * Math.hypot(...item));
      }
      sum += referenceAp(
        scores,
        database.labels.map((l) => l === queries.labels[q]),
      );
    }
    // float32 GEMM vs float64 scores may swap near-equal neighbours: allow a hair of difference.
    expect(metrics.mAP).toBeCloseTo(sum / 60, 3);
    expect(metrics.queries).toBe(60);
    expect(metrics.database).toBe(500);
  });

  it('gives the same result when split over worker threads', async () => {
    const dim = 8;
    const queries = {
      vectors: randomVectors(90, dim, 31),
      labels: Array.from({ length: 90 }, (_, i) => i % 3),
    };
    const database = {
      vectors: randomVectors(400, dim, 32),
      labels: Array.from({ length: 400 }, (_, i) => (i * 7) % 3),
    };
    const progress: number[] = [];
    const inThread = await evaluateRetrieval(queries, database, dim, ['a', 'b', 'c'], {
      workers: 1,
      threads: 1,
    });
    const split = await evaluateRetrieval(queries, database, dim, ['a', 'b', 'c'], {
      workers: 3,
      threads: 1,
      queryBlock: 11,
      onProgress: (done) => progress.push(done),
    });
    expect(split.mAP).toBeCloseTo(inThread.mAP, 6);
    split.mAPAtK.forEach((m, i) => expect(m.value).toBeCloseTo(inThread.mAPAtK[i]!.value, 6));
    expect(split.perClass.map((c) => c.queries)).toEqual(inThread.perClass.map((c) => c.queries));
    expect(progress.at(-1)).toBe(90);
    const looSplit = await evaluateRetrieval(queries, null, dim, ['a', 'b', 'c'], { workers: 2, threads: 1 });
    const looInThread = await evaluateRetrieval(queries, null, dim, ['a', 'b', 'c'], {
      workers: 1,
      threads: 1,
    });
    expect(looSplit.mAP).toBeCloseTo(looInThread.mAP, 6);
  });

  it('skips queries whose class has no other member and reports them', async () => {
    const items = { vectors: atAngles([0, 0.1, 2]), labels: [0, 0, 1] };
    const metrics = await evaluateRetrieval(items, null, 2, ['A', 'B'], { threads: 1 });
    expect(metrics.queriesWithoutRelevant).toBe(1);
    expect(metrics.mAP).toBeCloseTo(1, 12);
  });

  it('refuses mismatched inputs', async () => {
    await expect(
      evaluateRetrieval({ vectors: new Float32Array(3), labels: [0] }, null, 2, ['a']),
    ).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(
      evaluateRetrieval(
        { vectors: Float32Array.of(1, 0), labels: [0] },
        { vectors: Float32Array.of(1, 0), labels: [5] },
        2,
        ['a'],
      ),
    ).rejects.toThrow(/not a class/);
  });
});
