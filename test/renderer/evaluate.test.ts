// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../../src/shared/index.js';
import { createEvaluateView } from '../../src/renderer/views/evaluate.js';
import {
  CELL_LIMIT,
  cellModel,
  cellSubtitle,
  headlineStats,
  retrievalCaption,
  retrievalRows,
  staleNote,
} from '../../src/renderer/views/evaluate-state.js';
import { fakeContext, settle } from './harness.js';

const KEY = 'cccccccccccccccc';

function report(overrides: Partial<EvaluationReport> = {}): EvaluationReport {
  return {
    id: 'r1',
    createdAt: '2026-05-01T10:00:00.000Z',
    modelId: 'model-a',
    keyFingerprint: KEY,
    itemCount: 4,
    classification: {
      labels: ['Hand', 'Head'],
      matrix: [
        [2, 0],
        [1, 1],
      ],
      accuracy: 0.75,
      macroF1: 0.7333,
      weightedF1: 0.7333,
      perClass: [
        { label: 'Hand', precision: 0.6667, recall: 1, f1: 0.8, support: 2 },
        { label: 'Head', precision: 1, recall: 0.5, f1: 0.6667, support: 2 },
      ],
    },
    retrieval: {
      protocol: 'leave-one-out',
      queries: 4,
      queriesWithoutRelevant: 1,
      mAP: 0.5,
      precisionAtK: [{ k: 1, value: 0.25 }],
      mAPAtK: [{ k: 1, value: 0.25 }],
      prCurve: [
        { recall: 0, precision: 1 },
        { recall: 1, precision: 0.5 },
      ],
      perClass: [{ label: 'Hand', queries: 2, mAP: 0.5 }],
    },
    run: { modelId: 'model-a', provider: 'cpu', elapsedMs: 12, input: 'encrypted' },
    ...overrides,
  };
}

describe('evaluate view state', () => {
  it('flags a report of another model or key, naming a plain active model', () => {
    const current = { modelId: 'model-a', keyFingerprint: KEY, readsPlain: false };
    expect(staleNote(report(), current)).toBeNull();
    expect(staleNote(report(), { ...current, modelId: 'model-b' })).toMatch(
      /^Not current: .*model model-a under key c+ \(encrypted input\)\. The active model is model-b/,
    );
    expect(staleNote(report(), { ...current, keyFingerprint: null, readsPlain: true })).toMatch(
      /under key none, which reads DECRYPTED images/,
    );
  });

  it('gives the headline numbers with the paper beside them, mAP only with retrieval', () => {
    expect(headlineStats(report()).map((s) => [s.label, s.value])).toEqual([
      ['Accuracy', '75.00%'],
      ['Weighted F1', '0.7333'],
      ['Macro F1', '0.7333'],
      ['mAP', '0.5000'],
      ['P@1', '0.2500'],
    ]);
    const map = headlineStats(report({ retrieval: null })).find((s) => s.label === 'mAP')!;
    expect([map.value, map.note]).toEqual(['—', 'needs two labelled images']);
  });

  it('lists the retrieval metrics and says how many queries had no relevant image', () => {
    const retrieval = report().retrieval!;
    expect(retrievalRows(retrieval).map((r) => r.metric)).toEqual(['mAP', 'P@1', 'mAP@1']);
    expect(retrievalCaption(retrieval)).toBe(
      'leave-one-out: 4 queries, each against all other evaluated images; 1 without another image of their class left out.',
    );
    expect(retrievalCaption({ ...retrieval, queriesWithoutRelevant: 0 })).not.toContain('without');
  });

  it('opens a cell with at most CELL_LIMIT images and says when more exist or some are gone', () => {
    const ids = Array.from({ length: CELL_LIMIT + 3 }, (_, i) => `id${i}`);
    const cell = cellModel('Hand', 'Head', ids);
    expect(cell.shownIds).toHaveLength(CELL_LIMIT);
    expect(cell.tone).toBe('miss');
    expect(cell.title).toBe(`Actual Hand, predicted Head: ${CELL_LIMIT + 3} images`);
    expect(cellModel('Hand', 'Hand', ['x']).title).toBe('Actual Hand, predicted Hand: 1 image');
    expect(cellSubtitle(ids.length, 2)).toBe(
      `Showing the first ${CELL_LIMIT}. 2 have since been removed from the workspace.`,
    );
    expect(cellSubtitle(3, 0)).toBe('Open an image to see it large.');
  });
});

describe('evaluate view (happy-dom)', () => {
  it('shows the stored report with its metrics, and the stale note when the active model differs', async () => {
    const context = fakeContext({
      evaluateGet: () => ({ report: report() }),
      evaluateAblation: () => ({ available: false, rows: [], budgets: [], problems: [] }),
      modelsList: () => ({ models: [], activeId: null }),
    });
    const view = createEvaluateView(context);
    document.body.append(view.element);
    view.show?.({});
    await settle();
    const area = view.element.querySelector<HTMLElement>('[data-testid="evaluate-report"]')!;
    expect(area.querySelector('[data-testid="metric-accuracy"]')?.textContent).toContain('75.00%');
    // No active model in the store: the report is of model-a, so it is not current.
    expect(area.dataset.stale).toBe('true');
    expect(area.querySelector('[data-testid="evaluate-stale"]')?.textContent).toMatch(/active model is none/);
  });

  it('invites an evaluation when there is no report yet', async () => {
    const context = fakeContext({ evaluateGet: () => ({ report: null }) });
    const view = createEvaluateView(context);
    view.show?.({});
    await settle();
    expect(view.element.textContent).toContain('No evaluation yet');
  });
});
