import { describe, expect, it } from 'vitest';
import {
  entryMatches,
  emptyFilter,
  facetsOf,
  type FilterEntry,
} from '../../src/renderer/components/filterBar.js';
import { colourPoints } from '../../src/renderer/views/map/colours.js';
import {
  boxPolygon,
  insidePolygon,
  PointGrid,
  pointsInPolygon,
} from '../../src/renderer/views/map/geometry.js';
import type { MapPoint } from '../../src/shared/index.js';

describe('map geometry', () => {
  it('finds the points inside a lasso, including a concave one', () => {
    // An L-shaped polygon: the notch (2..4, 2..4) is outside.
    const lasso = [0, 0, 4, 0, 4, 2, 2, 2, 2, 4, 0, 4];
    const xs = Float32Array.from([1, 3, 3, 1, 5, -1]);
    const ys = Float32Array.from([1, 1, 3, 3, 1, 1]);
    expect(pointsInPolygon(xs, ys, lasso)).toEqual([0, 1, 3]);
    expect(insidePolygon(3, 3, lasso)).toBe(false);
    expect(pointsInPolygon(xs, ys, [0, 0, 1, 1])).toEqual([]);
  });

  it('a box drawn from either corner selects the same points', () => {
    const xs = Float32Array.from([0.5, 1.5, 2.5]);
    const ys = Float32Array.from([0.5, 0.5, 0.5]);
    expect(pointsInPolygon(xs, ys, boxPolygon(0, 0, 2, 1))).toEqual([0, 1]);
    expect(pointsInPolygon(xs, ys, boxPolygon(2, 1, 0, 0))).toEqual([0, 1]);
  });

  it('the point grid finds the nearest point within the radius, as a full scan does', () => {
    let seed = 9;
    const random = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296;
    const n = 2000;
    const xs = Float32Array.from({ length: n }, () => random() * 100);
    const ys = Float32Array.from({ length: n }, () => random() * 50);
    const grid = new PointGrid(xs, ys);
    for (let q = 0; q < 200; q++) {
      const [x, y, r] = [random() * 110 - 5, random() * 60 - 5, random() * 3];
      let best = -1;
      let bestDistance = r * r;
      for (let i = 0; i < n; i++) {
        const d = (xs[i]! - x) ** 2 + (ys[i]! - y) ** 2;
        if (d <= bestDistance) {
          bestDistance = d;
          best = i;
        }
      }
      const found = grid.nearest(x, y, r);
      if (best < 0) expect(found).toBe(-1);
      else expect((xs[found]! - x) ** 2 + (ys[found]! - y) ** 2).toBeCloseTo(bestDistance, 10);
    }
    expect(new PointGrid(new Float32Array(0), new Float32Array(0)).nearest(0, 0, 1)).toBe(-1);
  });
});

describe('map colours', () => {
  const points: MapPoint[] = [
    { id: 'a', x: 0, y: 0, label: 'Hand', prediction: { label: 'Hand', probability: 0.9 } },
    { id: 'b', x: 0, y: 0, label: 'Hand', prediction: { label: 'CXR', probability: 0.6 } },
    { id: 'c', x: 0, y: 0, label: 'CXR', prediction: null },
    { id: 'd', x: 0, y: 0, label: null, prediction: { label: 'CXR', probability: 0.7 } },
  ];

  it('a class keeps its colour between label and prediction colouring; legends count every point', () => {
    const byLabel = colourPoints(points, 'label');
    const byPrediction = colourPoints(points, 'prediction');
    const colourOf = (c: typeof byLabel, name: string) => c.legend.find((e) => e.name === name)?.colour;
    expect(colourOf(byLabel, 'CXR')).toBe(colourOf(byPrediction, 'CXR'));
    expect(byLabel.legend.map((e) => [e.name, e.count])).toEqual([
      ['CXR', 1],
      ['Hand', 2],
      ['unlabelled', 1],
    ]);
    expect(byPrediction.legend.at(-1)).toMatchObject({ name: 'not classified by this model', count: 1 });
  });

  it('correct / incorrect needs both a label and a prediction', () => {
    const { legend, indices, palette } = colourPoints(points, 'correct');
    expect(Object.fromEntries(legend.map((e) => [e.name, e.count]))).toEqual({
      correct: 1,
      incorrect: 1,
      'not classified by this model': 1,
      'no label to compare': 1,
    });
    expect(palette[indices[0]!]).not.toBe(palette[indices[1]!]);
  });
});

describe('result filters', () => {
  const entries: FilterEntry[] = [
    {
      label: 'Hand',
      prediction: 'Hand',
      probability: 0.99,
      activeKey: true,
      origin: { key: 'k1', title: 'a' },
      text: 'x1.png',
    },
    {
      label: 'Hand',
      prediction: 'CXR',
      probability: 0.5,
      activeKey: false,
      origin: { key: 'k2', title: 'b' },
      text: 'x2.png',
    },
    { label: null, prediction: null, probability: null, activeKey: true, origin: null, text: 'scan.dcm' },
  ];
  const matching = (patch: Partial<ReturnType<typeof emptyFilter>>): number[] =>
    entries.flatMap((entry, index) => (entryMatches(entry, { ...emptyFilter(), ...patch }) ? [index] : []));

  it('combines class, prediction, mismatch, confidence, key, source and text', () => {
    expect(matching({})).toEqual([0, 1, 2]);
    expect(matching({ label: 'Hand' })).toEqual([0, 1]);
    expect(matching({ label: '\u0000unlabelled' })).toEqual([2]);
    expect(matching({ mismatch: true })).toEqual([1]);
    expect(matching({ confidenceMin: 0.9 })).toEqual([0]);
    expect(matching({ confidenceMax: 0.9 })).toEqual([1]);
    expect(matching({ key: 'other' })).toEqual([1]);
    expect(matching({ origin: 'k1' })).toEqual([0]);
    expect(matching({ text: 'DCM' })).toEqual([2]);
    expect(matching({ label: 'Hand', prediction: 'CXR', confidenceMin: 0.4 })).toEqual([1]);
  });

  it('counts the choices for the filter controls', () => {
    const facets = facetsOf(entries);
    expect(facets.classes).toEqual([{ label: 'Hand', count: 2 }]);
    expect(facets.unlabelled).toBe(1);
    expect(facets.keys).toEqual({ active: 2, other: 1 });
    expect(facets.origins.map((o) => o.count)).toEqual([1, 1]);
  });
});
