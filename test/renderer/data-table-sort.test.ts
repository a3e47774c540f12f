import { describe, expect, it } from 'vitest';
import { type Column, compareCells, sortRows } from '../../src/renderer/components/dataTable.js';

interface Row {
  name: string;
  probability: number | null;
  correct: boolean | null;
}

const rows: Row[] = [
  { name: 'img 10', probability: 0.5, correct: true },
  { name: 'img 2', probability: null, correct: false },
  { name: 'Img 1', probability: 0.9, correct: null },
  { name: 'img 3', probability: 0.5, correct: true },
  { name: 'img 4', probability: 0.1, correct: false },
];
const column = (value: Column<Row>['value']): Column<Row> => ({ label: 'x', value });
const names = (sorted: Row[]): string[] => sorted.map((row) => row.name);

describe('table sorting', () => {
  it('sorts numbers numerically, equal cells in their original order, empty cells last', () => {
    const byProbability = column((row) => row.probability);
    expect(names(sortRows(rows, byProbability, 'ascending'))).toEqual([
      'img 4',
      'img 10',
      'img 3',
      'Img 1',
      'img 2',
    ]);
    expect(names(sortRows(rows, byProbability, 'descending'))).toEqual([
      'Img 1',
      'img 10',
      'img 3',
      'img 4',
      'img 2',
    ]);
  });

  it('sorts text with numeric collation, case-insensitively', () => {
    expect(
      names(
        sortRows(
          rows,
          column((row) => row.name),
          'ascending',
        ),
      ),
    ).toEqual(['Img 1', 'img 2', 'img 3', 'img 4', 'img 10']);
  });

  it('orders booleans false before true, and leaves the input untouched', () => {
    const copy = [...rows];
    expect(
      names(
        sortRows(
          rows,
          column((row) => row.correct),
          'ascending',
        ),
      ),
    ).toEqual(['img 2', 'img 4', 'img 10', 'img 3', 'Img 1']);
    expect(rows).toEqual(copy);
  });

  it('compares mixed cells', () => {
    expect(compareCells(2, 10)).toBeLessThan(0);
    expect(compareCells('2', '10')).toBeLessThan(0);
    expect(compareCells(Number.NaN, 1)).toBeGreaterThan(0);
    expect(compareCells(undefined, 1, 'descending')).toBeGreaterThan(0);
    expect(compareCells(null, undefined)).toBe(0);
  });
});
