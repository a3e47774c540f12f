// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { JobState } from '../../src/shared/index.js';
import type { AppContext } from '../../src/renderer/app/context.js';
import { createBatchClassify } from '../../src/renderer/views/classify/batch.js';
import { fakeContext, settle } from './harness.js';

afterEach(() => document.body.replaceChildren());

const ROWS = 620;
const id = (i: number): string => `item${String(i).padStart(4, '0')}`;

const batchResult = {
  results: Array.from({ length: ROWS }, (_, i) => ({
    id: id(i),
    name: i === 600 ? 'wrist-left.png' : `image-${i}.png`,
    source: i === 600 ? 'clinic/wrist-left.png' : `MedNIST test #${i}`,
    origin:
      i === 600
        ? { kind: 'upload' as const, key: 'upload', title: 'uploaded files', dataset: null }
        : {
            kind: 'dataset' as const,
            key: 'dataset:mednist:test',
            title: 'mednist test split',
            dataset: { name: 'mednist', split: 'test', part: 'all', index: i },
          },
    trueLabel: 'Hand',
    predictions: [{ label: 'Hand', probability: 0.9 }],
    probabilities: [0.9, 0.1],
  })),
  classes: ['Hand', 'CXR'],
  accuracy: 1,
  skipped: [],
  run: { modelId: 'm', provider: 'cpu', elapsedMs: 5, input: 'encrypted' as const },
};

const done: JobState = {
  id: 'job1',
  kind: 'classify-batch',
  status: 'done',
  startedAt: '2024-01-01T00:00:00Z',
  finishedAt: '2024-01-01T00:00:01Z',
  progress: { done: ROWS, total: ROWS, message: 'done' },
  error: null,
  result: batchResult,
};

describe('batch classification filters', () => {
  it('filter every row by its name and origin, also rows past the ones whose thumbnails were fetched', async () => {
    const base = fakeContext({
      workspaceInfo: () => ({ itemCount: ROWS, classes: [{ label: 'Hand', count: ROWS }] }),
      classifyBatch: () => ({ jobId: 'job1' }),
      jobsGet: () => done,
      // Details (thumbnails) come back for the first 500 rows only, as the view asks for no more.
      libraryItems: () => ({ items: [], missing: [] }),
      settingsGet: () => ({}),
    });
    const api = new Proxy(base.api, {
      get: (target, name, receiver) =>
        name === 'onJobEvent' ? () => () => undefined : Reflect.get(target, name, receiver),
    });
    const context: AppContext = { ...base, api };
    await context.store.refresh('workspace');
    const panel = createBatchClassify(context);
    document.body.append(panel);
    panel.querySelector<HTMLButtonElement>('[data-testid="batch-run"]')!.click();
    await settle();
    for (let i = 0; i < 50 && !panel.querySelector('[data-testid="batch-filters-count"]'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const requested = base.calls('libraryItems') as { ids: string[] }[];
    expect(requested.flatMap((r) => r.ids)).toHaveLength(500);

    const count = panel.querySelector('[data-testid="batch-filters-count"]')!;
    const text = panel.querySelector<HTMLInputElement>('[data-testid="batch-filters-text"]')!;
    text.value = 'wrist';
    text.dispatchEvent(new Event('input'));
    await new Promise((resolve) => setTimeout(resolve, 500)); // the text filter waits for typing to pause
    await settle();
    expect(count.textContent).toMatch(/^1 of 620/);
    expect(panel.querySelector('[data-testid="batch-table"]')!.textContent).toContain(id(600));
    // The origin filter sees row 600 (an upload) although its details were never fetched.
    text.value = '';
    text.dispatchEvent(new Event('input'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const origin = panel.querySelector<HTMLSelectElement>('[data-testid="batch-filters-origin"]')!;
    expect([...origin.options].map((o) => o.value)).toContain('upload');
    origin.value = 'upload';
    origin.dispatchEvent(new Event('change'));
    await settle();
    expect(count.textContent).toMatch(/^1 of 620/);
  });
});
