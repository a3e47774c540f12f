import type { OperationResponse } from '../../../shared/index.js';

type AblationResponse = OperationResponse<'evaluateAblation'>;
export type AblationRow = AblationResponse['rows'][number];
export type AblationBudget = AblationResponse['budgets'][number];

export interface AblationView {
  /** The budget shown; null when nothing is stored. */
  budget: AblationBudget | null;
  budgets: readonly AblationBudget[];
  /** One table per dataset, rows of the shown budget only (two budgets' numbers are different experiments). */
  tables: { dataset: string; rows: AblationRow[] }[];
}

/**
 * The budget to show: the one asked for if it exists, else the full study as soon as one of its
 * configurations has finished (it is the one to quote), else the budget with the most finished runs.
 */
export function chooseBudget(
  budgets: readonly AblationBudget[],
  wanted: string | null,
): AblationBudget | null {
  const asked = budgets.find((b) => b.name === wanted);
  if (asked) return asked;
  const full = budgets.find((b) => b.name === 'full' && b.finished > 0);
  if (full) return full;
  return [...budgets].sort((a, b) => b.finished - a.finished)[0] ?? null;
}

export function ablationView(response: AblationResponse, wanted: string | null): AblationView {
  const budget = chooseBudget(response.budgets, wanted);
  const rows = budget ? response.rows.filter((row) => row.budget === budget.name) : [];
  const datasets = [...new Set(rows.map((row) => row.dataset))];
  return {
    budget,
    budgets: response.budgets,
    tables: datasets.map((dataset) => ({ dataset, rows: rows.filter((row) => row.dataset === dataset) })),
  };
}

/** "full — 18 of 34 finished" for the budget picker. */
export const budgetLabel = (budget: AblationBudget): string =>
  `${budget.name} — ${budget.finished} of ${budget.expected} finished`;

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`;
  if (seconds >= 60) return `${(seconds / 60).toFixed(1)} min`;
  return `${seconds.toFixed(0)} s`;
}

/**
 * The spread of one dataset's accuracy intervals, for the table's caption: the narrowest and the widest 95 %
 * interval among its finished rows. Null when no row has one.
 */
export function resolutionNote(rows: readonly AblationRow[]): string | null {
  const measured = rows
    .flatMap((row) =>
      row.accuracy !== null && row.accuracyInterval && row.testImages
        ? [{ accuracy: row.accuracy, n: row.testImages, ...row.accuracyInterval }]
        : [],
    )
    .sort((a, b) => a.high - a.low - (b.high - b.low));
  if (measured.length === 0) return null;
  const sizes = [...new Set(measured.map((m) => m.n))].sort((a, b) => a - b);
  const images = sizes.map((n) => n.toLocaleString('en-US')).join(' to ');
  const at = (m: (typeof measured)[number]): string =>
    `${m.low.toFixed(4)}–${m.high.toFixed(4)} at ${m.accuracy.toFixed(4)}`;
  const narrow = measured[0]!;
  const wide = measured[measured.length - 1]!;
  const range = at(narrow) === at(wide) ? at(narrow) : `from ${at(narrow)} to ${at(wide)}`;
  return `Accuracy over ${images} test images, 95 % intervals ${range}. They are unpaired: open a row for its paired tests, which say which gaps this test split resolves.`;
}

/** "Accuracy 0.9804 (95 % interval 0.9775–0.9829, 10,000 test images)." for a run's dialog; '' without one. */
export function accuracyDescription(row: AblationRow): string {
  if (row.accuracy === null || !row.accuracyInterval || !row.testImages) return '';
  const { low, high } = row.accuracyInterval;
  return `Accuracy ${row.accuracy.toFixed(4)} (95 % interval ${low.toFixed(4)}–${high.toFixed(4)}, ${row.testImages.toLocaleString('en-US')} test images).`;
}
