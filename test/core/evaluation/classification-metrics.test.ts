import { describe, expect, it } from 'vitest';
import {
  argmaxRows,
  classificationMetrics,
  confusionMatrix,
  accuracyInterval,
  topKAccuracy,
  wilsonInterval,
} from '../../../src/core/evaluation/classification-metrics.js';

/** A score matrix whose argmax is `predicted`. */
function oneHot(predicted: number[], classCount: number): Float32Array {
  const scores = new Float32Array(predicted.length * classCount);
  predicted.forEach((p, row) => (scores[row * classCount + p] = 1));
  return scores;
}

describe('classificationMetrics (scikit-learn definitions)', () => {
  it('reproduces the scikit-learn documentation example', () => {
    // sklearn: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]
    // f1_score(average='macro') = 0.2666…, precision_score(average='macro') = 0.2222…, accuracy = 1/3.
    const truth = [0, 1, 2, 0, 1, 2];
    const metrics = classificationMetrics(truth, oneHot([0, 2, 1, 0, 0, 1], 3), ['a', 'b', 'c'], [1]);
    expect(metrics.confusionMatrix).toEqual([
      [2, 0, 0],
      [1, 0, 1],
      [0, 2, 0],
    ]);
    expect(metrics.accuracy).toBeCloseTo(1 / 3, 12);
    expect(metrics.perClass[0]).toEqual({ label: 'a', precision: 2 / 3, recall: 1, f1: 0.8, support: 2 });
    expect(metrics.perClass[1]).toEqual({ label: 'b', precision: 0, recall: 0, f1: 0, support: 2 });
    expect(metrics.macro.f1).toBeCloseTo(0.8 / 3, 12);
    expect(metrics.macro.precision).toBeCloseTo(2 / 9, 12);
    expect(metrics.macro.recall).toBeCloseTo(1 / 3, 12);
    expect(metrics.weighted.f1).toBeCloseTo(0.8 / 3, 12);
    expect(metrics.topK).toEqual([{ k: 1, accuracy: metrics.accuracy }]);
  });

  it('uses zero for 0/0 and leaves classes absent from truth and predictions out of the macro average', () => {
    // Class b is never predicted (precision 0/0 → 0); class c occurs nowhere.
    const metrics = classificationMetrics([0, 0, 1, 1], oneHot([0, 0, 0, 0], 3), ['a', 'b', 'c']);
    expect(metrics.perClass.map((c) => [c.precision, c.recall, c.f1, c.support])).toEqual([
      [0.5, 1, 2 / 3, 2],
      [0, 0, 0, 2],
      [0, 0, 0, 0],
    ]);
    expect(metrics.macro.precision).toBeCloseTo(0.25, 12);
    expect(metrics.macro.recall).toBeCloseTo(0.5, 12);
    expect(metrics.macro.f1).toBeCloseTo(1 / 3, 12);
    expect(metrics.weighted.precision).toBeCloseTo(0.25, 12);
    expect(metrics.weighted.f1).toBeCloseTo(1 / 3, 12);
    expect(metrics.accuracy).toBe(0.5);
  });

  it('weights by support: unequal classes', () => {
    // truth: a a a b, pred: a a b b → a: P=1, R=2/3, F1=0.8; b: P=0.5, R=1, F1=2/3.
    const metrics = classificationMetrics([0, 0, 0, 1], oneHot([0, 0, 1, 1], 2), ['a', 'b']);
    expect(metrics.weighted.f1).toBeCloseTo((3 * 0.8 + 2 / 3) / 4, 12);
    expect(metrics.weighted.precision).toBeCloseTo((3 * 1 + 0.5) / 4, 12);
    expect(metrics.weighted.recall).toBeCloseTo(0.75, 12);
    expect(metrics.macro.f1).toBeCloseTo((0.8 + 2 / 3) / 2, 12);
  });

  it('top-k accuracy counts the true class among the k best scores; ties favour the lower class index', () => {
    const scores = Float32Array.from(
      [
        [0.1, 0.5, 0.4], // truth 2: rank 1
        [0.3, 0.3, 0.4], // truth 1: tied with class 0 which wins the tie → rank 2
        [0.9, 0.05, 0.05], // truth 0: rank 0
      ].flat(),
    );
    const truth = [2, 1, 0];
    expect(topKAccuracy(scores, truth, 3, 1)).toBeCloseTo(1 / 3, 12);
    expect(topKAccuracy(scores, truth, 3, 2)).toBeCloseTo(2 / 3, 12);
    expect(topKAccuracy(scores, truth, 3, 3)).toBe(1);
    expect([...argmaxRows(scores, 3)]).toEqual([1, 2, 0]);
  });

  it('refuses mismatched lengths and out-of-range labels', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 true labels but 1 predictions/);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(/outside 0..1/);
    expect(() => classificationMetrics([0, 1], new Float32Array(3), ['a', 'b'])).toThrow(/score matrix/);
  });
});

describe('wilsonInterval', () => {
  it("matches Newcombe's (1998) published 95 % Wilson intervals", () => {
    // Newcombe, Statistics in Medicine 17:857–872: its four worked examples, method 3 (score interval without
    // continuity correction); recomputed independently with Python before being written here.
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [x, n, low, high] of cases) {
      expect(wilsonInterval(x, n).low).toBeCloseTo(low, 4);
      expect(wilsonInterval(x, n).high).toBeCloseTo(high, 4);
    }
    expect(wilsonInterval(10, 10).high).toBe(1);
  });

  it('takes the accuracy interval from the confusion matrix: its diagonal of its total', () => {
    expect(
      accuracyInterval([
        [40, 1],
        [14, 208],
      ]),
    ).toEqual(wilsonInterval(248, 263));
    expect(accuracyInterval([[0]])).toBeNull();
  });

  it('refuses a proportion that is not one', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(/0 ≤ successes ≤ n/);
    expect(() => wilsonInterval(0, 0)).toThrow(/n ≥ 1/);
    expect(() => wilsonInterval(Number.NaN, 10)).toThrow(/successes/);
  });
});
