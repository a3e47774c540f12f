import { modelAwareIntro, modelReadsPlain } from '../components/modelInput.js';
import type { EvaluationReport, LibraryItem } from '../../shared/index.js';
import type { AppContext, View } from '../app/context.js';
import { reportJobEnd, startJob } from '../app/jobs.js';
import { chartPanel, destroyCharts, palette } from '../components/charts.js';
import { confusionMatrixPanel } from '../components/confusionMatrix.js';
import { dataTable } from '../components/dataTable.js';
import { button, el, formatNumber, replaceChildren } from '../components/dom.js';
import { emptyState, loading } from '../components/emptyState.js';
import { createFilterBar, entryMatches, facetsOf, type FilterEntry } from '../components/filterBar.js';
import { imageGrid } from '../components/imageGrid.js';
import { openItemDialog } from '../components/itemDialog.js';
import { libraryGridItem } from '../components/libraryImages.js';
import { describeError } from '../components/messages.js';
import { modelNotice } from '../components/modelNotice.js';
import { perClassTable } from '../components/perClassTable.js';
import { inlineError, stat, viewHeader } from '../components/viewHeader.js';
import { createAblationSection } from './evaluate/ablation.js';
import { keyScope } from './shared/keyScope.js';
import {
  cellModel,
  cellSubtitle,
  headlineStats,
  retrievalCaption,
  retrievalRows,
  staleNote,
  type Retrieval,
} from './evaluate-state.js';
import { runInfoText } from './shared/runInfo.js';

/** What the report was computed on, and warnings when that is not a fair test (backend/evaluation-provenance.ts). */
function provenanceNotes(report: EvaluationReport): HTMLElement[] {
  const provenance = report.provenance;
  if (!provenance) return [];
  const notes: HTMLElement[] = [
    el(
      'p',
      { attrs: { 'data-testid': 'evaluate-provenance' } },
      el('strong', { text: 'Evaluated on: ' }),
      provenance.summary,
    ),
  ];
  if (provenance.trainingSplit > 0) {
    notes.push(
      el('div', {
        class: 'inline-note warning-note',
        attrs: { role: 'note', 'data-testid': 'evaluate-training-warning' },
        text: `${provenance.trainingSplit} of the ${report.itemCount} images come from the training split of ${report.modelId}: the model has seen them, so its scores on them are no test and overstate it. Evaluate on the test split.`,
      }),
    );
  }
  if (provenance.unknownOrigin > 0) {
    notes.push(
      el('div', {
        class: 'inline-note',
        attrs: { role: 'note', 'data-testid': 'evaluate-unknown-origin' },
        text: `${provenance.unknownOrigin} image${provenance.unknownOrigin === 1 ? ' is' : 's are'} your own files, origin unknown: if any come from the model's training data, the scores overstate it.`,
      }),
    );
  }
  if (provenance.excluded.length > 0) {
    notes.push(
      el('p', {
        class: 'muted',
        attrs: { 'data-testid': 'evaluate-excluded' },
        text: `Not evaluated: ${provenance.excluded.map((entry) => `${entry.count} ${entry.reason}`).join('; ')}.`,
      }),
    );
  }
  return notes;
}

/** "model mednist-dcnn, dataset mednist, n = 120": what an exported figure must name. */
function figureSubject(context: AppContext, report: EvaluationReport): string {
  const dataset = context.store.models?.models.find((model) => model.id === report.modelId)?.dataset;
  return `model ${report.modelId}, dataset ${dataset ?? 'unknown'}, n = ${report.itemCount}`;
}

function prCurve(retrieval: Retrieval, subject: string): HTMLElement {
  return chartPanel(
    'Precision–recall curve',
    {
      type: 'line',
      data: {
        datasets: [
          {
            label: `mAP ${retrieval.mAP.toFixed(4)}`,
            data: retrieval.prCurve.map((point) => ({ x: point.recall, y: point.precision })),
            borderColor: palette.accent(),
            backgroundColor: palette.accent(),
            pointRadius: 0,
            borderWidth: 2,
            fill: false,
            tension: 0,
          },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'recall' } },
          y: { type: 'linear', min: 0, max: 1.02, title: { display: true, text: 'precision' } },
        },
        plugins: { legend: { display: true } },
      },
    },
    {
      testId: 'pr-curve',
      exportTitle: `Precision–recall curve (mAP ${retrieval.mAP.toFixed(4)}) — ${subject}`,
      caption: 'Leave-one-out retrieval over the evaluated images; relevant = same class.',
    },
  ).element;
}

/** What the cell grid's filters look at: where the image came from, its name, source and id. */
const cellFilterEntry = (item: LibraryItem): FilterEntry => ({
  label: item.label,
  prediction: item.prediction?.label ?? null,
  probability: item.prediction?.probability ?? null,
  activeKey: item.canDecrypt,
  origin: item.origin ?? null,
  text: `${item.id} ${item.name} ${item.source}`,
});

export function createEvaluateView(context: AppContext): View {
  const reportArea = el('div', { class: 'evaluate-report', attrs: { 'data-testid': 'evaluate-report' } });
  const progress = el('div');
  const cellArea = el('div', { attrs: { 'data-testid': 'cell-images' } });
  const ablation = createAblationSection(context);

  const openCell = async (actual: string, predicted: string): Promise<void> => {
    replaceChildren(cellArea, loading(`Loading images of ${actual} predicted as ${predicted}…`));
    try {
      const { ids } = await context.api.evaluateCell({ actual, predicted });
      const cell = cellModel(actual, predicted, ids);
      const title = cell.title;
      if (ids.length === 0) {
        replaceChildren(cellArea, emptyState(title, 'No image of the evaluated set fell into this cell.'));
        return;
      }
      const { items, missing } = await context.api.libraryItems({ ids: cell.shownIds });
      const byId = new Map(items.map((item) => [item.id, item]));
      // Class and prediction are the cell itself; what is left to narrow by is where an image came from and
      // its name. Only the grid is redrawn on a change, so the filter row keeps the focus.
      const entries = new Map(items.map((item) => [item.id, cellFilterEntry(item)]));
      const gridArea = el('div');
      const filters = createFilterBar({
        fields: ['origin', 'text'],
        testId: 'cell-filters',
        noun: 'images',
        onChange: () => drawGrid(),
      });
      filters.setFacets(facetsOf([...entries.values()]));
      const drawGrid = (): void => {
        const visible = items.filter((item) => entryMatches(entries.get(item.id)!, filters.state));
        filters.setCount(visible.length, items.length);
        replaceChildren(
          gridArea,
          imageGrid({
            title,
            subtitle: cellSubtitle(ids.length, missing.length),
            items: visible.map((item) => ({ ...libraryGridItem(item, true), tone: cell.tone })),
            onOpen: (tile) => {
              const item = byId.get(tile.id);
              if (item) openItemDialog(context, item, () => undefined);
            },
            testId: 'cell-grid',
          }),
        );
      };
      replaceChildren(cellArea, filters.element, gridArea);
      drawGrid();
      cellArea.scrollIntoView({ behavior: 'smooth', block: 'start' });
    } catch (error) {
      replaceChildren(cellArea, inlineError(`Could not open the cell: ${describeError(error)}`));
    }
  };

  let shown: EvaluationReport | null = null;
  const renderReport = (report: EvaluationReport | null): void => {
    shown = report;
    destroyCharts(reportArea);
    replaceChildren(cellArea);
    reportArea.removeAttribute('data-stale');
    if (!report) {
      replaceChildren(
        reportArea,
        emptyState(
          'No evaluation yet',
          'Evaluate the active model on the labelled images of the library (import a MedNIST sample first for a labelled set).',
          button('Open Library', () => context.navigate('library')),
        ),
      );
      return;
    }
    const { classification, retrieval } = report;
    const activeModel = context.store.activeModel;
    const stale = staleNote(report, {
      modelId: activeModel?.id ?? null,
      keyFingerprint: context.store.keys?.active?.fingerprint ?? null,
      readsPlain: modelReadsPlain(activeModel),
    });
    if (stale) reportArea.setAttribute('data-stale', 'true');
    replaceChildren(
      reportArea,
      stale
        ? el('div', {
            class: 'inline-note warning-note',
            attrs: { role: 'note', 'data-testid': 'evaluate-stale' },
            text: stale,
          })
        : null,
      // Re-windowed DICOM items: the model saw their old input when this report was made.
      report.changedItems?.length
        ? el('div', {
            class: 'inline-note warning-note',
            attrs: { role: 'note', 'data-testid': 'evaluate-inputs-changed' },
            text: `${report.changedItems.length} evaluated image${report.changedItems.length === 1 ? '' : 's'} got a new model input after this report (re-windowed in the item dialog): run the evaluation again for numbers that include ${report.changedItems.length === 1 ? 'it' : 'them'}.`,
          })
        : null,
      el(
        'p',
        { class: 'muted', attrs: { 'data-testid': 'evaluate-meta' } },
        `${report.itemCount} labelled images · ${new Date(report.createdAt).toLocaleString()} · key ${report.keyFingerprint} · ${runInfoText(report.run)}`,
      ),
      ...provenanceNotes(report),
      el(
        'div',
        { class: 'stat-row' },
        ...headlineStats(report).map((s) => stat(s.label, s.value, s.note, s.testId)),
      ),
      el(
        'div',
        { class: 'columns' },
        confusionMatrixPanel('Confusion matrix', classification, {
          onCell: (actual, predicted) => void openCell(actual, predicted),
          testId: 'confusion-matrix',
          exportTitle: `Confusion matrix — ${figureSubject(context, report)}`,
        }),
        perClassTable('Per-class metrics', classification.perClass, classification, 'per-class-table'),
      ),
      cellArea,
      retrieval
        ? el(
            'div',
            { class: 'columns' },
            prCurve(retrieval, figureSubject(context, report)),
            el(
              'div',
              { class: 'stack' },
              dataTable({
                title: 'Retrieval metrics',
                caption: retrievalCaption(retrieval),
                rows: retrievalRows(retrieval),
                columns: [
                  { label: 'Metric', value: (row) => row.metric },
                  {
                    label: 'Value',
                    value: (row) => row.value,
                    format: (row) => formatNumber(row.value),
                    numeric: true,
                  },
                ],
                testId: 'retrieval-table',
              }),
              dataTable({
                title: 'Retrieval mAP per class',
                rows: retrieval.perClass,
                columns: [
                  { label: 'Class', value: (row) => row.label },
                  { label: 'Queries', value: (row) => row.queries, numeric: true },
                  {
                    label: 'mAP',
                    value: (row) => row.mAP,
                    format: (row) => formatNumber(row.mAP),
                    numeric: true,
                  },
                ],
                testId: 'retrieval-per-class',
              }),
            ),
          )
        : null,
    );
  };

  // A key or model change makes the shown report stale (or current again): re-render its notice.
  context.store.on('models', () => shown && renderReport(shown));
  context.store.on('keys', () => shown && renderReport(shown));

  const load = async (): Promise<void> => {
    if (!reportArea.firstChild) replaceChildren(reportArea, loading('Loading the latest evaluation…'));
    try {
      const { report } = await context.api.evaluateGet();
      renderReport(report);
    } catch (error) {
      replaceChildren(reportArea, inlineError(`Could not load the evaluation: ${describeError(error)}`));
    }
  };

  const runButton = button(
    'Evaluate on labelled library images',
    () =>
      void (async () => {
        runButton.disabled = true;
        try {
          const job = await startJob(context.api, 'evaluate', 'Evaluating the model', () =>
            context.api.evaluateRun({}),
          );
          replaceChildren(progress, job.element);
          renderReport(await job.result);
          void context.store.refresh('settings');
        } catch (error) {
          reportJobEnd(error, 'Evaluation');
        } finally {
          runButton.disabled = false;
        }
      })(),
    { class: 'btn btn-primary', testId: 'evaluate-run' },
  );

  // Said before the run, not only in the report: images under another key are left out.
  const scopeNote = el('p', { class: 'inline-note', attrs: { 'data-testid': 'evaluate-scope' } });
  const renderScope = (): void => {
    const { note } = keyScope(context.store.workspace, context.store.keys?.active?.fingerprint ?? null);
    scopeNote.hidden = note === null;
    scopeNote.textContent = note ?? '';
  };
  context.store.on('workspace', renderScope);
  context.store.on('keys', renderScope);
  renderScope();

  const element = el(
    'section',
    { attrs: { 'aria-label': 'Evaluate' } },
    viewHeader(
      'Evaluate',
      modelAwareIntro(
        context,
        'Classification and retrieval quality of the active model on the labelled images of the library, computed on encrypted images.',
        'Classification and retrieval quality of the active model on the labelled images of the library. A PLAIN model is active: it is computed on DECRYPTED images.',
      ),
      runButton,
    ),
    modelNotice(context),
    scopeNote,
    progress,
    reportArea,
    ablation.element,
  );
  let ablationLoaded = false;
  return {
    element,
    show: () => {
      void load();
      if (!ablationLoaded) {
        ablationLoaded = true;
        void ablation.load();
      }
    },
  };
}
