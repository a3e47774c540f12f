import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelCard } from '../../../src/core/inference/model-card.js';
import {
  CENTROID_ENCODING,
  centroidCosineScore,
  classCentroids,
  decodeCentroids,
  encodeCentroids,
  energyScore,
  flaggedRate,
  maxSoftmaxScore,
  oodScores,
  oodVerdict,
  percentileThreshold,
  type OodCalibration,
} from '../../../src/core/inference/ood.js';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { REPO } from '../../backend/harness.js';

const calibratedOn = {
  dataset: 'toy',
  condition: 'plain',
  keyFingerprint: null,
  splitSeed: 42,
  split: 'val',
  images: 3,
};

describe('OOD scores', () => {
  it('max-softmax is 1 − the largest probability, shift-invariant', () => {
    const logits = Float32Array.of(0, 0, 0, 0, Math.log(3), 0);
    expect(maxSoftmaxScore(logits, 3, 0)).toBeCloseTo(1 - 1 / 3, 12);
    expect(maxSoftmaxScore(logits, 3, 1)).toBeCloseTo(1 - 3 / 5, 6);
    const shifted = Float32Array.of(1000, 1000, 1000);
    expect(maxSoftmaxScore(shifted, 3, 0)).toBeCloseTo(1 - 1 / 3, 12);
  });

  it('energy is −logsumexp of the logits, finite for large logits', () => {
    const logits = Float32Array.of(1, 2, 3);
    expect(energyScore(logits, 3, 0)).toBeCloseTo(-Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 6);
    expect(energyScore(Float32Array.of(1000, 1000), 2, 0)).toBeCloseTo(-(1000 + Math.log(2)), 3);
    // More evidence for a class → lower energy → less out of distribution.
    expect(energyScore(Float32Array.of(10, 0), 2, 0)).toBeLessThan(energyScore(Float32Array.of(1, 0), 2, 0));
  });

  it('centroid-cosine is 1 − the best cosine to a unit centroid, independent of the embedding length', () => {
    const centroids = Float32Array.of(1, 0, 0, 1); // two classes in 2-d
    const embeddings = Float32Array.of(5, 0, 1, 1, -3, 0, 0, 0);
    expect(centroidCosineScore(embeddings, 2, 0, centroids)).toBeCloseTo(0, 12);
    expect(centroidCosineScore(embeddings, 2, 1, centroids)).toBeCloseTo(1 - Math.SQRT1_2, 6);
    expect(centroidCosineScore(embeddings, 2, 2, centroids)).toBeCloseTo(1, 12); // opposite one, orthogonal other
    expect(centroidCosineScore(embeddings, 2, 3, centroids)).toBe(1); // zero vector
  });

  it('class centroids are normalised means of normalised embeddings', () => {
    // Class 0: (2,0) and (0,1) → mean of unit vectors (0.5, 0.5) → (√½, √½). Class 1: (0,-4) → (0,-1).
    const embeddings = Float32Array.of(2, 0, 0, 1, 0, -4);
    const centroids = classCentroids(embeddings, [0, 0, 1], 2, 2);
    expect([...centroids].map((v) => Number(v.toFixed(6)))).toEqual([
      Number(Math.SQRT1_2.toFixed(6)),
      Number(Math.SQRT1_2.toFixed(6)),
      0,
      -1,
    ]);
    expect(() => classCentroids(embeddings, [0, 2, 1], 2, 2)).toThrow(/outside 0\.\.1/);
  });

  it('centroids survive the card encoding exactly', () => {
    const values = Float32Array.of(0.1, -2.5, 3e-8, 1234.5);
    expect(decodeCentroids(encodeCentroids(values))).toEqual(values);
  });
});

describe('calibration at a percentile', () => {
  it('nearest rank: at most (100 − p) % of the calibration scores are above the threshold', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentileThreshold(scores, 99)).toBe(99);
    expect(flaggedRate(scores, 99)).toBe(0.01);
    expect(percentileThreshold(scores, 50)).toBe(50);
    expect(percentileThreshold([7], 99)).toBe(7);
    expect(flaggedRate([7], 7)).toBe(0);
    expect(() => percentileThreshold([], 99)).toThrow(/no scores/);
    expect(() => percentileThreshold([1], 100)).toThrow(/percentile/);
  });

  it('flags ≈1 % of fresh draws from the calibration distribution and most of a shifted one', () => {
    const prng = createPrng(7);
    const random = (): number => prng.nextUint32() / 0x1_0000_0000;
    const normal = (): number => {
      const u = Math.max(random(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    };
    const calibration = Array.from({ length: 20_000 }, normal);
    const threshold = percentileThreshold(calibration, 99);
    expect(threshold).toBeGreaterThan(2.2); // the normal's 99th percentile is 2.326
    expect(threshold).toBeLessThan(2.45);
    const fresh = Array.from({ length: 20_000 }, normal);
    expect(flaggedRate(fresh, threshold)).toBeGreaterThan(0.007);
    expect(flaggedRate(fresh, threshold)).toBeLessThan(0.013);
    const shifted = Array.from({ length: 5_000 }, () => normal() + 4);
    expect(flaggedRate(shifted, threshold)).toBeGreaterThan(0.9);
  });

  it('a verdict compares the chosen score with the stored threshold; no calibration, no verdict', () => {
    const outputs = {
      count: 2,
      classCount: 2,
      embeddingDim: 2,
      logits: Float32Array.of(8, 0, 0.1, 0),
      embeddings: Float32Array.of(1, 0, 0, 1),
    };
    const calibration: OodCalibration = {
      method: 'max-softmax',
      threshold: 0.1,
      percentile: 99,
      calibratedOn,
      createdAt: 'now',
    };
    const scores = oodScores('max-softmax', outputs);
    expect(oodVerdict(calibration, outputs, 0)).toEqual({
      flag: false,
      score: scores[0],
      threshold: 0.1,
      method: 'max-softmax',
    });
    expect(oodVerdict(calibration, outputs, 1)?.flag).toBe(true);
    expect(oodVerdict(undefined, outputs, 0)).toBeNull();
    const byCentroid: OodCalibration = {
      ...calibration,
      method: 'centroid-cosine',
      threshold: 0.5,
      centroids: {
        split: 'train',
        images: 2,
        encoding: CENTROID_ENCODING,
        data: encodeCentroids(Float32Array.of(1, 0, 1, 0)),
      },
    };
    expect(oodVerdict(byCentroid, outputs, 0)?.flag).toBe(false);
    expect(oodVerdict(byCentroid, outputs, 1)).toMatchObject({ flag: true, score: 1 });
  });
});

describe('calibration in the model card', () => {
  const cardPath = join(REPO, 'resources', 'models', 'mnist-dcnn-plain.json');

  it('accepts a calibration and refuses centroids of the wrong shape', async () => {
    const raw = JSON.parse(await readFile(cardPath, 'utf8')) as Record<string, unknown>;
    const good = {
      method: 'centroid-cosine',
      threshold: 0.2,
      percentile: 99,
      calibratedOn: { ...calibratedOn, dataset: 'mnist', images: 5000 },
      centroids: {
        split: 'train',
        images: 55000,
        encoding: CENTROID_ENCODING,
        data: encodeCentroids(new Float32Array(10 * 512)),
      },
      createdAt: 'now',
    };
    expect(parseModelCard({ ...raw, ood: good }).ood?.threshold).toBe(0.2);
    const short = { ...good, centroids: { ...good.centroids, data: encodeCentroids(new Float32Array(512)) } };
    expect(() => parseModelCard({ ...raw, ood: short })).toThrow(
      /10 × 512 centroid values, the card holds 512/,
    );
    const { centroids: _dropped, ...none } = good;
    expect(() => parseModelCard({ ...raw, ood: none })).toThrow(/centroid-cosine needs/);
    expect(() => parseModelCard({ ...raw, ood: { ...good, percentile: 100 } })).toThrow();
  });
});
