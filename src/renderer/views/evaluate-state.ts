import type { EvaluationReport } from '../../shared/index.js';
import { formatNumber, formatPercent } from '../components/dom.js';

/** What the Evaluate view decides, apart from drawing it (tested in test/renderer/evaluate.test.ts). */

// The grid shows at most this many images of one cell; the count above it is always the full one.
export const CELL_LIMIT = 500;

export type Retrieval = NonNullable<EvaluationReport['retrieval']>;

/** What is active now, to judge whether a report is about it. */
export interface ActiveRun {
  modelId: string | null;
  keyFingerprint: string | null;
  /** The active model reads decrypted images (a plain model). */
  readsPlain: boolean;
}

/** A report of another model or key is not about what is active now: the note says so before any number. */
export function staleNote(report: EvaluationReport, active: ActiveRun): string | null {
  if (report.run.modelId === active.modelId && report.keyFingerprint === active.keyFingerprint) return null;
  return `Not current: this report was computed with model ${report.run.modelId} under key ${report.keyFingerprint} (${report.run.input} input). The active model is ${active.modelId ?? 'none'} under key ${active.keyFingerprint ?? 'none'}${active.readsPlain ? ', which reads DECRYPTED images' : ''}: run the evaluation again for its numbers.`;
}

export interface HeadlineStat {
  label: string;
  value: string;
  note?: string;
  testId?: string;
}

/** The numbers above the confusion matrix, with the paper's values beside them. */
export function headlineStats(report: EvaluationReport): HeadlineStat[] {
  const { classification, retrieval } = report;
  return [
    { label: 'Accuracy', value: formatPercent(classification.accuracy, 2), testId: 'metric-accuracy' },
    {
      label: 'Weighted F1',
      value: formatNumber(classification.weightedF1),
      note: 'paper: 0.9917 MedNIST / 0.9408 MNIST',
      testId: 'metric-weighted-f1',
    },
    { label: 'Macro F1', value: formatNumber(classification.macroF1), testId: 'metric-macro-f1' },
    {
      label: 'mAP',
      value: retrieval ? formatNumber(retrieval.mAP) : '—',
      note: retrieval ? 'paper: 0.9834 / 0.9127' : 'needs two labelled images',
      testId: 'metric-map',
    },
    ...(retrieval?.precisionAtK ?? []).map((p) => ({ label: `P@${p.k}`, value: formatNumber(p.value) })),
  ];
}

/** Rows of the retrieval metrics table: mAP, then P@k, then mAP@k. */
export function retrievalRows(retrieval: Retrieval): { metric: string; value: number }[] {
  return [
    { metric: 'mAP', value: retrieval.mAP },
    ...retrieval.precisionAtK.map((p) => ({ metric: `P@${p.k}`, value: p.value })),
    ...retrieval.mAPAtK.map((p) => ({ metric: `mAP@${p.k}`, value: p.value })),
  ];
}

export function retrievalCaption(retrieval: Retrieval): string {
  const without =
    retrieval.queriesWithoutRelevant > 0
      ? `; ${retrieval.queriesWithoutRelevant} without another image of their class left out`
      : '';
  return `${retrieval.protocol}: ${retrieval.queries} queries, each against all other evaluated images${without}.`;
}

/** The confusion-matrix cell a person opened: which ids to fetch and what to say above them. */
export interface CellModel {
  title: string;
  /** The ids to show (at most CELL_LIMIT). */
  shownIds: string[];
  tone: 'match' | 'miss';
}

export function cellModel(actual: string, predicted: string, ids: string[]): CellModel {
  return {
    title: `Actual ${actual}, predicted ${predicted}: ${ids.length} image${ids.length === 1 ? '' : 's'}`,
    shownIds: ids.slice(0, CELL_LIMIT),
    tone: actual === predicted ? 'match' : 'miss',
  };
}

export function cellSubtitle(total: number, missing: number): string {
  return (
    (total > CELL_LIMIT ? `Showing the first ${CELL_LIMIT}. ` : '') +
    (missing > 0
      ? `${missing} have since been removed from the workspace.`
      : 'Open an image to see it large.')
  );
}
