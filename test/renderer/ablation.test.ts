// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import {
  ablationView,
  chooseBudget,
  formatDuration,
  resolutionNote,
  type AblationBudget,
  type AblationRow,
} from '../../src/renderer/views/evaluate/ablation-state.js';
import {
  createAblationSection,
  pairedTestsTable,
  runDescription,
} from '../../src/renderer/views/evaluate/ablation.js';
import { fakeContext, settle } from './harness.js';

function row(overrides: Partial<AblationRow>): AblationRow {
  return {
    id: 'x',
    dataset: 'mnist',
    condition: 'plain',
    architecture: 'dcnn',
    accuracy: null,
    macroF1: null,
    weightedF1: null,
    mAP: null,
    precisionAt10: null,
    mAPTestToTest: null,
    hasConfusionMatrix: false,
    testImages: null,
    accuracyInterval: null,
    budget: 'quick',
    model: 'trained',
    epochsRun: null,
    trainingSeconds: null,
    evaluationSeconds: null,
    device: null,
    hardware: null,
    ...overrides,
  };
}

const budget = (name: string, finished: number): AblationBudget => ({
  name,
  description: `${name} budget`,
  finished,
  expected: 3,
});

const response = (fullFinished: number) => ({
  available: true,
  problems: [],
  budgets: [budget('quick', 2), budget('full', fullFinished)],
  rows: [
    row({ id: 'q1', weightedF1: 0.9, hasConfusionMatrix: true, epochsRun: 2, trainingSeconds: 12 }),
    row({ id: 'q2', dataset: 'mednist', weightedF1: 0.99, hasConfusionMatrix: true }),
    row({ id: 'q3', dataset: 'mednist', model: 'key-transformed', condition: 'arnold+xor' }),
    row({
      id: 'f1',
      budget: 'full',
      ...(fullFinished > 0 && { weightedF1: 0.98, hasConfusionMatrix: true }),
    }),
    row({ id: 'f2', budget: 'full', dataset: 'mednist' }),
    row({ id: 'f3', budget: 'full', dataset: 'mednist', model: 'key-transformed' }),
  ],
});

describe('ablation state', () => {
  it('leads with the full budget once one of its runs finished, else the budget with most runs; a choice sticks', () => {
    expect(chooseBudget(response(0).budgets, null)?.name).toBe('quick');
    expect(chooseBudget(response(1).budgets, null)?.name).toBe('full');
    expect(chooseBudget(response(1).budgets, 'quick')?.name).toBe('quick');
    expect(chooseBudget(response(1).budgets, 'gone')?.name).toBe('full');
    expect(chooseBudget([], null)).toBeNull();
  });

  it('never mixes budgets in one table, and keeps each dataset apart', () => {
    const view = ablationView(response(1), null);
    expect(view.tables.map((t) => [t.dataset, t.rows.map((r) => r.id)])).toEqual([
      ['mnist', ['f1']],
      ['mednist', ['f2', 'f3']],
    ]);
    expect(ablationView(response(1), 'quick').tables.flatMap((t) => t.rows.map((r) => r.id))).toEqual([
      'q1',
      'q2',
      'q3',
    ]);
  });

  it('says where and how long a run took, for its dialog', () => {
    expect(
      runDescription(
        row({
          epochsRun: 8,
          trainingSeconds: 750,
          evaluationSeconds: 41,
          device: 'cpu',
          hardware: 'AMD EPYC × 2',
        }),
      ),
    ).toBe('Trained 8 epochs in 12.5 min on cpu (AMD EPYC × 2); evaluated on the full test split in 41 s.');
    expect(runDescription(row({ model: 'key-transformed', epochsRun: 1, trainingSeconds: 5 }))).toMatch(
      /^Its plain source trained 1 epoch in 5 s on an unknown device/,
    );
  });

  it("says how finely the test split resolves a table, from its rows' accuracy intervals", () => {
    const measured = (accuracy: number, low: number, high: number): AblationRow =>
      row({ accuracy, testImages: 10000, accuracyInterval: { low, high } });
    expect(resolutionNote([row({}), row({ accuracy: 0.9 })])).toBeNull();
    expect(
      resolutionNote([measured(0.9596, 0.9556, 0.9633), row({}), measured(0.9804, 0.9775, 0.9829)]),
    ).toBe(
      'Accuracy over 10,000 test images, 95 % intervals from 0.9775–0.9829 at 0.9804 to 0.9556–0.9633 at 0.9596. They are unpaired: open a row for its paired tests, which say which gaps this test split resolves.',
    );
    expect(resolutionNote([measured(0.98, 0.97, 0.99)])).toBe(
      'Accuracy over 10,000 test images, 95 % intervals 0.9700–0.9900 at 0.9800. They are unpaired: open a row for its paired tests, which say which gaps this test split resolves.',
    );
    expect(
      runDescription({
        ...measured(0.9804, 0.9775, 0.9829),
        epochsRun: 8,
        trainingSeconds: 60,
        device: 'cpu',
      }),
    ).toMatch(/ Accuracy 0\.9804 \(95 % interval 0\.9775–0\.9829, 10,000 test images\)\.$/);
  });

  it('formats run times', () => {
    expect([formatDuration(null), formatDuration(42), formatDuration(150), formatDuration(7200)]).toEqual([
      '—',
      '42 s',
      '2.5 min',
      '2.0 h',
    ]);
  });
});

describe('ablation section (happy-dom)', () => {
  it('shows the chosen budget with its note, marks missing runs, and switches budget from the picker', async () => {
    const context = fakeContext({ evaluateAblation: () => response(1) });
    const section = createAblationSection(context);
    document.body.append(section.element);
    await section.load();
    const picker = section.element.querySelector<HTMLSelectElement>('[data-testid="ablation-budget"]')!;
    expect(picker.value).toBe('full');
    expect([...picker.options].map((o) => o.textContent)).toEqual([
      'quick — 2 of 3 finished',
      'full — 1 of 3 finished',
    ]);
    const note = section.element.querySelector('[data-testid="ablation-budget-note"]')!.textContent;
    expect(note).toContain('Every row of this table: full budget; 1 of 3 configurations finished');
    const mednist = section.element.querySelector('[data-testid="ablation-mednist"]')!;
    expect(mednist.textContent).toContain('missing');
    expect(mednist.textContent).toContain('dcnn, transformed');

    picker.value = 'quick';
    picker.dispatchEvent(new Event('change'));
    await settle();
    const again = section.element.querySelector<HTMLSelectElement>('[data-testid="ablation-budget"]')!;
    expect(again.value).toBe('quick');
    const mnist = section.element.querySelector('[data-testid="ablation-mnist"]')!;
    expect(mnist.textContent).toContain('0.9000');
    expect(mnist.textContent).toContain('2 ep · 12 s');
    section.element.remove();
  });
});

describe('paired tests of a configuration (happy-dom)', () => {
  const config = (pairedTests: Parameters<typeof pairedTestsTable>[0]['pairedTests']) => ({
    row: row({ testImages: 10000 }),
    labels: ['a', 'b'],
    matrix: [
      [1, 0],
      [0, 1],
    ],
    perClass: [],
    pairedTests,
  });

  it('shows each comparison with its counts, p and verdict, and says what the verdicts mean', () => {
    const table = pairedTestsTable(
      config([
        {
          a: 'plain',
          b: 'arnold',
          accuracyA: 0.9927,
          accuracyB: 0.9851,
          onlyA: 104,
          onlyB: 28,
          p: 1.8e-11,
          pText: '1.8e-11',
          verdict: 'significant',
          comparisons: 22,
        },
        {
          a: 'plain',
          b: 'xor',
          accuracyA: 0.9927,
          accuracyB: 0.9925,
          onlyA: 5,
          onlyB: 3,
          p: 0.7266,
          pText: '0.7266',
          verdict: 'not resolved',
          comparisons: 22,
        },
      ]),
    );
    expect(table.textContent).toContain("McNemar's exact test on the same 10,000 test images");
    expect(table.textContent).toContain('22 comparisons of this table');
    const cells = [...table.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent),
    );
    expect(cells).toEqual([
      ['plain', 'arnold', '0.9927 → 0.9851', '104 / 28', '1.8e-11', 'significant'],
      ['plain', 'xor', '0.9927 → 0.9925', '5 / 3', '0.7266', 'not resolved'],
    ]);
  });

  it('says why there are none rather than showing nothing', () => {
    expect(pairedTestsTable(config([])).textContent).toMatch(/^No paired tests for this configuration/);
  });
});
