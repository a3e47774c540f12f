import type { MapPoint } from '../../../shared/index.js';

export type ColourBy = 'label' | 'prediction' | 'correct';

export interface LegendEntry {
  name: string;
  colour: string;
  count: number;
}

export interface Colouring {
  /** Index into `palette` per point. */
  indices: Uint16Array;
  palette: string[];
  legend: LegendEntry[];
}

/** Tableau 10: distinguishable categorical colours that stay readable on white. */
const CATEGORICAL = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#2f4b7c',
];
const MISSING = '#b8bec7';
const CORRECT = '#1f8a4c';
const WRONG = '#d62728';

/**
 * Class → colour, the same in label and prediction colouring so a class keeps its colour when switching. The most
 * frequent classes get the ten distinct colours first (a few stray classes never take them from the main ones);
 * any further class gets a hue of its own.
 */
function classColours(points: readonly MapPoint[]): Map<string, string> {
  const counts = new Map<string, number>();
  const add = (name: string): void => void counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const point of points) {
    if (point.label !== null) add(point.label);
    if (point.prediction) add(point.prediction.label);
  }
  const ordered = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], undefined, { numeric: true }))
    .map(([name]) => name);
  return new Map(
    ordered.map((name, index) => [
      name,
      index < CATEGORICAL.length
        ? CATEGORICAL[index]!
        : `hsl(${Math.round((index * 137.508) % 360)}, 55%, 48%)`,
    ]),
  );
}

/** Each point's category for a colouring, as a name; null is the "missing" category (grey). */
function categoryOf(point: MapPoint, by: ColourBy): string {
  switch (by) {
    case 'label':
      return point.label ?? 'unlabelled';
    case 'prediction':
      return point.prediction?.label ?? 'not classified by this model';
    case 'correct':
      if (!point.prediction) return 'not classified by this model';
      if (point.label === null) return 'no label to compare';
      return point.prediction.label === point.label ? 'correct' : 'incorrect';
  }
}

export function colourPoints(points: readonly MapPoint[], by: ColourBy): Colouring {
  const classes = classColours(points);
  const fixed: Record<string, string> = {
    unlabelled: MISSING,
    'not classified by this model': MISSING,
    'no label to compare': '#8a94a3',
    correct: CORRECT,
    incorrect: WRONG,
  };
  const order = new Map<string, number>();
  const palette: string[] = [];
  const counts: number[] = [];
  const indices = new Uint16Array(points.length);
  const names: string[] = [];
  points.forEach((point, i) => {
    const name = categoryOf(point, by);
    let index = order.get(name);
    if (index === undefined) {
      index = palette.length;
      order.set(name, index);
      names.push(name);
      palette.push(
        by === 'correct' ? (fixed[name] ?? MISSING) : (classes.get(name) ?? fixed[name] ?? MISSING),
      );
      counts.push(0);
    }
    indices[i] = index;
    counts[index]!++;
  });
  const legend = names
    .map((name, index) => ({ name, colour: palette[index]!, count: counts[index]! }))
    .sort((a, b) => {
      // Classes in name order; the grey "missing" categories last.
      const grey = (entry: LegendEntry): number => (entry.colour === MISSING ? 1 : 0);
      return grey(a) - grey(b) || a.name.localeCompare(b.name, undefined, { numeric: true });
    });
  return { indices, palette, legend };
}
