import { dataTable } from './dataTable.js';
import { formatNumber } from './dom.js';

export interface PerClassRow {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Averages {
  macroF1: number;
  weightedF1: number;
}

function average(
  rows: readonly PerClassRow[],
  pick: (row: PerClassRow) => number,
  weighted: boolean,
): number {
  const total = rows.reduce((sum, row) => sum + (weighted ? row.support : 1), 0);
  if (total === 0) return Number.NaN;
  return rows.reduce((sum, row) => sum + pick(row) * (weighted ? row.support : 1), 0) / total;
}

/**
 * Per-class precision / recall / F1 / support with macro and weighted average rows (sklearn's
 * classification_report layout). F1 averages are the back end's; P and R averages follow the same definitions.
 */
export function perClassTable(
  title: string,
  rows: readonly PerClassRow[],
  averages: Averages,
  testId?: string,
): HTMLElement {
  const support = rows.reduce((sum, row) => sum + row.support, 0);
  const footer: PerClassRow[] = [
    {
      label: 'macro avg',
      precision: average(rows, (r) => r.precision, false),
      recall: average(rows, (r) => r.recall, false),
      f1: averages.macroF1,
      support,
    },
    {
      label: 'weighted avg',
      precision: average(rows, (r) => r.precision, true),
      recall: average(rows, (r) => r.recall, true),
      f1: averages.weightedF1,
      support,
    },
  ];
  return dataTable<PerClassRow>({
    title,
    rows,
    footer,
    testId,
    columns: [
      { label: 'Class', value: (r) => r.label },
      {
        label: 'Precision',
        value: (r) => r.precision,
        format: (r) => formatNumber(r.precision),
        numeric: true,
      },
      { label: 'Recall', value: (r) => r.recall, format: (r) => formatNumber(r.recall), numeric: true },
      { label: 'F1', value: (r) => r.f1, format: (r) => formatNumber(r.f1), numeric: true },
      { label: 'Support', value: (r) => r.support, numeric: true },
    ],
  });
}
