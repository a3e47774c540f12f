import type { OperationResponse } from '../../../shared/index.js';
import type { AppContext } from '../../app/context.js';
import { confusionMatrixPanel } from '../../components/confusionMatrix.js';
import { type Column, dataTable } from '../../components/dataTable.js';
import { openDialog } from '../../components/dialog.js';
import { el, field, formatNumber, replaceChildren, select } from '../../components/dom.js';
import { emptyState, loading } from '../../components/emptyState.js';
import { attempt, describeError } from '../../components/messages.js';
import { panel } from '../../components/panel.js';
import { perClassTable } from '../../components/perClassTable.js';
import { inlineError } from '../../components/viewHeader.js';
import {
  accuracyDescription,
  ablationView,
  budgetLabel,
  formatDuration,
  resolutionNote,
  type AblationRow,
} from './ablation-state.js';

const metric = (label: string, pick: (row: AblationRow) => number | null): Column<AblationRow> => ({
  label,
  value: pick,
  format: (row) => {
    const value = pick(row);
    return value === null ? 'missing' : formatNumber(value);
  },
  numeric: true,
  cellClass: (row) => (pick(row) === null ? 'missing' : undefined),
});

/** "8 ep · 12.5 min" (the device only when it is not the CPU), short so the table fits 1280 px. */
function runCost(row: AblationRow): string {
  if (row.trainingSeconds === null) return '—';
  const epochs = row.epochsRun === null ? '' : `${row.epochsRun} ep · `;
  const device = row.device && row.device !== 'cpu' ? ` · ${row.device}` : '';
  return `${epochs}${formatDuration(row.trainingSeconds)}${device}`;
}

/** Where and how long a configuration ran, for its dialog: "Trained 8 epochs in 12.5 min on cpu (AMD EPYC × 2) …". */
export function runDescription(row: AblationRow): string {
  const source = row.model === 'key-transformed' ? 'Its plain source trained' : 'Trained';
  const epochs = row.epochsRun === null ? '' : ` ${row.epochsRun} epoch${row.epochsRun === 1 ? '' : 's'}`;
  const accuracy = accuracyDescription(row);
  return `${source}${epochs} in ${formatDuration(row.trainingSeconds)} on ${row.device ?? 'an unknown device'} (${row.hardware ?? 'unknown hardware'}); evaluated on the full test split in ${formatDuration(row.evaluationSeconds)}.${accuracy ? ` ${accuracy}` : ''}`;
}

const COLUMNS: Column<AblationRow>[] = [
  { label: 'Condition', value: (r) => r.condition },
  {
    label: 'Architecture',
    value: (r) => (r.model === 'key-transformed' ? `${r.architecture}, transformed` : r.architecture),
  },
  metric('Accuracy', (r) => r.accuracy),
  metric('Macro F1', (r) => r.macroF1),
  metric('Weighted F1', (r) => r.weightedF1),
  metric('mAP', (r) => r.mAP),
  metric('P@10', (r) => r.precisionAt10),
  { label: 'Training', value: (r) => r.trainingSeconds, format: runCost, numeric: true },
  {
    label: 'Matrix',
    value: (r) => (r.hasConfusionMatrix ? 'open' : 'none'),
    cellClass: (r) => (r.hasConfusionMatrix ? 'pass' : 'missing'),
  },
];

type PairedTest = OperationResponse<'evaluateStudyConfig'>['pairedTests'][number];

const PAIRED_COLUMNS: Column<PairedTest>[] = [
  { label: 'A', value: (t) => t.a },
  { label: 'B', value: (t) => t.b },
  {
    label: 'Accuracy A → B',
    value: (t) => t.accuracyB - t.accuracyA,
    format: (t) => `${formatNumber(t.accuracyA)} → ${formatNumber(t.accuracyB)}`,
    numeric: true,
  },
  {
    label: 'Right only under A / B',
    value: (t) => t.onlyA - t.onlyB,
    format: (t) => `${t.onlyA} / ${t.onlyB}`,
    numeric: true,
  },
  {
    label: 'p',
    value: (t) => t.p,
    format: (t) => t.pText,
    numeric: true,
  },
  {
    label: 'Holm, α = 0.05',
    value: (t) => t.verdict,
    // Neutral emphasis: a resolved gap can be a loss or a gain, so it is not coloured good or bad.
    cellClass: (t) =>
      t.verdict === 'significant' ? 'emphasis' : t.verdict === 'not resolved' ? 'missing' : undefined,
  },
];

/** The configuration's paired tests against the others of its table, or why there are none. */
export function pairedTestsTable(config: OperationResponse<'evaluateStudyConfig'>): HTMLElement {
  if (config.pairedTests.length === 0) {
    return el('p', {
      class: 'muted',
      attrs: { 'data-testid': 'study-paired-none' },
      text: 'No paired tests for this configuration: no finished configuration of its table shares per-image test outcomes with it. Results stored before outcomes were kept have none; `cipherlens study outcomes` adds them while the model is still in the work folder.',
    });
  }
  return dataTable<PairedTest>({
    title: 'Paired tests',
    caption: `McNemar's exact test on the same ${config.row.testImages === null ? '' : `${config.row.testImages.toLocaleString('en-US')} `}test images: only images right under one and wrong under the other count. "significant" after Holm's correction over the ${config.pairedTests[0]!.comparisons} comparisons of this table (docs/study.md); "not resolved" means this test split cannot tell the two apart, not that they are equal.`,
    columns: PAIRED_COLUMNS,
    rows: config.pairedTests,
    testId: 'study-paired-tests',
  });
}

async function openConfiguration(context: AppContext, row: AblationRow): Promise<void> {
  if (!row.hasConfusionMatrix) return;
  const config = await attempt(`Could not load ${row.id}`, () =>
    context.api.evaluateStudyConfig({ id: row.id }),
  );
  if (!config) return;
  const macroF1 = config.row.macroF1 ?? Number.NaN;
  const weightedF1 = config.row.weightedF1 ?? Number.NaN;
  openDialog(
    `${row.dataset} · ${row.condition} · ${row.architecture}${row.model === 'key-transformed' ? ' (key-transformed)' : ''} · ${row.budget} budget`,
    el('p', { class: 'muted', attrs: { 'data-testid': 'study-run' }, text: runDescription(config.row) }),
    el(
      'div',
      { class: 'columns' },
      confusionMatrixPanel(`Confusion matrix ${row.dataset} ${row.condition} ${row.architecture}`, config, {
        testId: 'study-matrix',
      }),
      perClassTable(`Per-class ${row.dataset} ${row.condition} ${row.architecture}`, config.perClass, {
        macroF1,
        weightedF1,
      }),
    ),
    pairedTestsTable(config),
  );
}

/** The ablation study (datasets × conditions × architectures) from study/results, with click-through. */
export function createAblationSection(context: AppContext): {
  element: HTMLElement;
  load: () => Promise<void>;
} {
  const body = el('div', { class: 'ablation-body' });
  const element = panel('Ablation study', [body], {
    testId: 'ablation',
    subtitle:
      'Each configuration trained and evaluated on the full test split (study/results). Open a row for its confusion matrix and paired tests.',
  });
  let wanted: string | null = null;
  const load = async (): Promise<void> => {
    replaceChildren(body, loading('Reading the study results…'));
    try {
      const study = await context.api.evaluateAblation();
      const problems = study.problems.length
        ? el(
            'div',
            { class: 'inline-note' },
            el('strong', { text: 'Some result files could not be read:' }),
            el('ul', {}, ...study.problems.map((p) => el('li', { text: p }))),
          )
        : null;
      if (!study.available || study.rows.length === 0) {
        replaceChildren(
          body,
          emptyState(
            'No study results yet',
            'Run `npm run cli -- study` to train and evaluate every configuration; its results appear here as they finish.',
          ),
          problems,
        );
        return;
      }
      const view = ablationView(study, wanted);
      const budget = view.budget!;
      const picker = select(
        view.budgets.map((b) => ({ value: b.name, label: budgetLabel(b) })),
        budget.name,
        (name) => {
          wanted = name;
          void load();
        },
        'ablation-budget',
      );
      replaceChildren(
        body,
        problems,
        el(
          'div',
          { class: 'ablation-budget' },
          field('Training budget', picker),
          // Why these numbers differ from the shipped models': every configuration got this same budget.
          el('p', {
            class: 'inline-note',
            attrs: { 'data-testid': 'ablation-budget-note' },
            text:
              `Every row of this table: ${budget.description}; ${budget.finished} of ${budget.expected} configurations finished. ` +
              'Each architecture is compared at equal cost, so a row can sit below the shipped model of the same ' +
              'architecture (docs/results.md), which was trained with its own, longer budget (docs/training.md). ' +
              '"transformed": the plain model rewritten for the study key, never trained on cipher images.',
          }),
        ),
        // One scroll box for all datasets (sized to the viewport), not one per table: each table's header
        // sticks to its top while that table is in view, and the panel fits the screen at 1280×800.
        el(
          'div',
          {
            class: 'ablation-scroll',
            attrs: { tabindex: 0, role: 'region', 'aria-label': 'Ablation tables' },
          },
          ...view.tables.map(({ dataset, rows }) =>
            dataTable<AblationRow>({
              title: `Ablation ${dataset} (${budget.name} budget)`,
              caption: [
                resolutionNote(rows),
                'missing = the configuration has not finished; it is never estimated.',
              ]
                .filter(Boolean)
                .join(' '),
              columns: COLUMNS,
              rows,
              onOpen: (row) => void openConfiguration(context, row),
              testId: `ablation-${dataset}`,
            }),
          ),
        ),
      );
    } catch (error) {
      replaceChildren(body, inlineError(`Could not read the study results: ${describeError(error)}`));
    }
  };
  return { element, load };
}
