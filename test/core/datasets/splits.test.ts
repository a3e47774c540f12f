import { describe, expect, it } from 'vitest';
import { createPrng } from '../../../src/core/datasets/prng.js';
import {
  apportion,
  planCarvedValidation,
  planStratifiedFractions,
  stratifiedPartition,
} from '../../../src/core/datasets/splits.js';

function labelsWithCounts(counts: readonly number[]): Int32Array {
  const labels: number[] = [];
  counts.forEach((count, label) => {
    for (let i = 0; i < count; i++) labels.push(label);
  });
  return Int32Array.from(labels);
}

const classCounts = (labels: Int32Array, indices: Uint32Array, classes: number): number[] => {
  const counts = new Array<number>(classes).fill(0);
  for (const index of indices) counts[labels[index]!]! += 1;
  return counts;
};

describe('apportion', () => {
  it('always sums to the total and follows the weights', () => {
    expect(apportion(5895, [10000, 8954, 10000, 10000, 10000, 10000])).toEqual([
      1000, 895, 1000, 1000, 1000, 1000,
    ]);
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(0, [3, 4])).toEqual([0, 0]);
  });
});

describe('stratifiedPartition', () => {
  it('gives disjoint parts whose union is every index', () => {
    const labels = labelsWithCounts([30, 7, 13]);
    const parts = stratifiedPartition(labels, 3, [5, 5], createPrng(42));
    expect(parts.map((p) => p.length)).toEqual([5, 5, 40]);
    const all = parts.flatMap((p) => [...p]).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects impossible sizes and out-of-range labels', () => {
    expect(() => stratifiedPartition(labelsWithCounts([3]), 1, [4], createPrng(1))).toThrow(/cannot draw/);
    expect(() => stratifiedPartition(Int32Array.from([0, 5]), 2, [1], createPrng(1))).toThrow(/outside/);
  });
});

describe('split plans', () => {
  it('MedNIST-shaped counts split 80/10/10 per class, identically for the same seed', () => {
    const counts = [10000, 8954, 10000, 10000, 10000, 10000];
    const labels = labelsWithCounts(counts);
    const plan = planStratifiedFractions(labels, 6, { val: 0.1, test: 0.1 }, 42);
    expect(classCounts(labels, plan.train.indices, 6)).toEqual([8000, 7164, 8000, 8000, 8000, 8000]);
    expect(classCounts(labels, plan.val.indices, 6)).toEqual([1000, 895, 1000, 1000, 1000, 1000]);
    expect(classCounts(labels, plan.test.indices, 6)).toEqual([1000, 895, 1000, 1000, 1000, 1000]);
    const again = planStratifiedFractions(labels, 6, { val: 0.1, test: 0.1 }, 42);
    expect(again.test.indices).toEqual(plan.test.indices);
    const other = planStratifiedFractions(labels, 6, { val: 0.1, test: 0.1 }, 43);
    expect(other.test.indices).not.toEqual(plan.test.indices);
  });

  it('MNIST-style carving keeps the published test set in order and draws a stratified validation set', () => {
    const labels = labelsWithCounts([500, 300, 200]);
    const plan = planCarvedValidation(labels, 50, 3, 100, 42);
    expect(plan.test).toEqual({ part: 'test', indices: Uint32Array.from({ length: 50 }, (_, i) => i) });
    expect(plan.val.part).toBe('train');
    expect(classCounts(labels, plan.val.indices, 3)).toEqual([50, 30, 20]);
    expect(plan.train.indices.length).toBe(900);
    const val = new Set(plan.val.indices);
    expect([...plan.train.indices].some((index) => val.has(index))).toBe(false);
  });
});
