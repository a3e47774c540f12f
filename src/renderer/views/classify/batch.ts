import type { LibraryItem } from '../../../shared/index.js';
import type { AppContext } from '../../app/context.js';
import { isCancellation, type JobResult, reportJobEnd, startJob } from '../../app/jobs.js';
import { dataTable } from '../../components/dataTable.js';
import { button, el, field, formatPercent, replaceChildren, select } from '../../components/dom.js';
import { emptyState } from '../../components/emptyState.js';
import { imageGrid } from '../../components/imageGrid.js';
import { openItemDialog } from '../../components/itemDialog.js';
import { itemImages } from '../../components/libraryImages.js';
import { describeError } from '../../components/messages.js';
import { createFilterBar, entryMatches, facetsOf, type FilterEntry } from '../../components/filterBar.js';
import { panel } from '../../components/panel.js';
import { batchExportRows, fetchItemsById, saveRows } from '../../components/researchExport.js';
import { inlineError, stat } from '../../components/viewHeader.js';
import { batchSummary } from '../classify-state.js';
import { keyScope } from '../shared/keyScope.js';
import { runInfoText } from '../shared/runInfo.js';

type BatchResult = JobResult<'classify-batch'>;
type BatchRow = BatchResult['results'][number];

// Names and thumbnails are fetched for at most this many results; the table still lists every result.
const DETAIL_LIMIT = 500;

async function fetchItems(context: AppContext, ids: readonly string[]): Promise<Map<string, LibraryItem>> {
  const items = new Map<string, LibraryItem>();
  const wanted = ids.slice(0, DETAIL_LIMIT);
  if (wanted.length === 0) return items;
  const { items: found } = await context.api.libraryItems({ ids: [...wanted] });
  for (const item of found) items.set(item.id, item);
  return items;
}

function topPrediction(row: BatchRow): { label: string; probability: number } | undefined {
  return row.predictions[0];
}

/** What the result filters look at in one row: the row's own name, source and origin, so every row filters alike. */
function batchFilterEntry(row: BatchRow, item: LibraryItem | undefined): FilterEntry {
  const top = topPrediction(row);
  return {
    label: row.trueLabel,
    prediction: top?.label ?? null,
    probability: top?.probability ?? null,
    activeKey: true,
    origin: row.origin ?? item?.origin ?? null,
    text: `${row.id} ${row.name ?? item?.name ?? ''} ${row.source ?? item?.source ?? ''}`,
  };
}

function renderResults(
  context: AppContext,
  result: BatchResult,
  items: Map<string, LibraryItem>,
  visible: (row: BatchRow) => boolean = () => true,
): HTMLElement[] {
  const { wrong, unlike, calibrated } = batchSummary(result);
  const shownRows = result.results.filter(visible);
  const wrongItems = wrong.filter(visible).flatMap((row) => {
    const item = items.get(row.id);
    return item ? [{ row, item }] : [];
  });
  return [
    el(
      'div',
      { class: 'stat-row' },
      stat('Images classified', String(result.results.length), undefined, 'batch-count'),
      stat(
        'Top-1 accuracy',
        result.accuracy === null ? 'no labels' : formatPercent(result.accuracy, 2),
        'labelled images only',
        'batch-accuracy',
      ),
      stat('Misclassified', String(wrong.length)),
      stat('Skipped', String(result.skipped.length), result.skipped[0]?.reason),
      calibrated
        ? stat(
            'Unlike the training data',
            String(unlike),
            'unlike anything this model was trained on: predictions for these mean little',
            'batch-ood-count',
          )
        : null,
    ),
    el('p', { class: 'muted', text: runInfoText(result.run) }),
    wrongItems.length > 0
      ? imageGrid({
          title: 'Misclassified images',
          items: wrongItems.map(({ row, item }) => ({
            id: item.id,
            images: itemImages(item, true),
            title: `${row.trueLabel ?? '?'} → ${topPrediction(row)?.label ?? '?'}`,
            details: [item.name, formatPercent(topPrediction(row)?.probability ?? 0)],
            tone: 'miss',
          })),
          onOpen: (tile) => {
            const item = items.get(tile.id);
            if (item) openItemDialog(context, item, () => undefined);
          },
          testId: 'batch-misclassified',
        })
      : null,
    dataTable<BatchRow>({
      title: 'Batch classification results',
      testId: 'batch-table',
      rows: shownRows,
      exports: (['csv', 'json'] as const).map((format) => ({
        label: format.toUpperCase(),
        run: async () => {
          // Every row, with the details of every image (not only the first DETAIL_LIMIT shown).
          const all = await fetchItemsById(
            context.api,
            shownRows.map((row) => row.id),
          );
          const shown = { ...result, results: shownRows };
          saveRows(`batch-classification-${result.run.modelId}`, format, batchExportRows(shown, all), {
            kind: 'classify-batch',
            modelId: result.run.modelId,
            modelInput: result.run.input,
            provider: result.run.provider,
            classes: result.classes ?? null,
            accuracy: result.accuracy,
            images: shownRows.length,
            imagesClassified: result.results.length,
            skipped: result.skipped,
          });
        },
      })),
      columns: [
        { label: 'Image', value: (row) => items.get(row.id)?.name ?? row.id },
        { label: 'True label', value: (row) => row.trueLabel },
        { label: 'Predicted', value: (row) => topPrediction(row)?.label },
        {
          label: 'Probability',
          value: (row) => topPrediction(row)?.probability,
          format: (row) => formatPercent(topPrediction(row)?.probability ?? 0),
          numeric: true,
        },
        {
          label: 'Correct',
          value: (row) => (row.trueLabel === null ? null : topPrediction(row)?.label === row.trueLabel),
          format: (row) =>
            row.trueLabel === null ? '—' : topPrediction(row)?.label === row.trueLabel ? 'yes' : 'no',
          cellClass: (row) =>
            row.trueLabel === null
              ? undefined
              : topPrediction(row)?.label === row.trueLabel
                ? 'pass'
                : 'fail',
        },
        {
          label: 'In distribution',
          value: (row) => (row.outOfDistribution ? !row.outOfDistribution.flag : null),
          format: (row) =>
            !row.outOfDistribution
              ? '—'
              : row.outOfDistribution.flag
                ? 'no: unlike anything this model was trained on'
                : 'yes',
          cellClass: (row) => (row.outOfDistribution?.flag ? 'ood' : undefined),
        },
        {
          label: 'Other classes',
          value: (row) =>
            row.predictions
              .slice(1)
              .map((p) => `${p.label} ${formatPercent(p.probability)}`)
              .join(', '),
        },
        // File names repeat across class folders: the source (path or dataset/split/index) tells rows apart.
        { label: 'Source', value: (row) => items.get(row.id)?.source ?? `item ${row.id}` },
      ],
    }),
  ].filter((node): node is HTMLElement => node !== null);
}

/** Classify many library images as one job: progress bar, Cancel, then accuracy and the mistakes. */
export function createBatchClassify(context: AppContext): HTMLElement {
  const choice = { label: '', topK: 3 };
  const classField = el('span');
  const progress = el('div');
  const output = el('div', { class: 'batch-output', attrs: { 'data-testid': 'batch-output' } });
  let running = false;

  const scopeNote = el('p', { class: 'inline-note', attrs: { 'data-testid': 'batch-scope' } });
  const renderClassSelect = (): void => {
    const classes = context.store.workspace?.classes ?? [];
    const scope = keyScope(context.store.workspace, context.store.keys?.active?.fingerprint ?? null);
    scopeNote.hidden = scope.note === null;
    scopeNote.textContent = scope.note ?? '';
    replaceChildren(
      classField,
      field(
        'Images',
        select(
          [
            { value: '', label: scope.allLabel },
            ...classes.map((c) => ({ value: c.label, label: `${c.label} (${c.count})` })),
          ],
          choice.label,
          (value) => {
            choice.label = value;
          },
          'batch-class',
        ),
      ),
    );
  };
  context.store.on('workspace', renderClassSelect);
  context.store.on('keys', renderClassSelect);
  renderClassSelect();

  /** The results under a filter bar; a filter change redraws only what is below the bar. */
  const showResults = (result: BatchResult, items: Map<string, LibraryItem>): void => {
    const entries = new Map(result.results.map((row) => [row.id, batchFilterEntry(row, items.get(row.id))]));
    const body = el('div', { class: 'batch-results' });
    const redraw = (): void => {
      const visible = (row: BatchRow): boolean => entryMatches(entries.get(row.id)!, filters.state);
      filters.setCount(result.results.filter(visible).length, result.results.length);
      replaceChildren(body, ...renderResults(context, result, items, visible));
    };
    const filters = createFilterBar({
      fields: ['class', 'prediction', 'mismatch', 'confidence', 'origin', 'text'],
      testId: 'batch-filters',
      noun: 'results',
      onChange: redraw,
    });
    filters.setFacets(facetsOf([...entries.values()]));
    replaceChildren(output, filters.element, body);
    redraw();
  };

  const runBatch = async (): Promise<void> => {
    if (running) return;
    if ((context.store.workspace?.itemCount ?? 0) === 0) {
      replaceChildren(
        output,
        emptyState(
          'No images to classify',
          'Import images or a dataset sample in the Library first.',
          button('Open Library', () => context.navigate('library')),
        ),
      );
      return;
    }
    running = true;
    runButton.disabled = true;
    try {
      const job = await startJob(context.api, 'classify-batch', 'Classifying images', () =>
        context.api.classifyBatch({ topK: choice.topK, ...(choice.label ? { label: choice.label } : {}) }),
      );
      replaceChildren(progress, job.element);
      const result = await job.result;
      const items = await fetchItems(
        context,
        result.results.map((row) => row.id),
      );
      showResults(result, items);
      void context.store.refresh('settings', 'workspace');
    } catch (error) {
      if (isCancellation(error)) reportJobEnd(error, 'Batch classification');
      else replaceChildren(output, inlineError(`Batch classification failed: ${describeError(error)}`));
    } finally {
      running = false;
      runButton.disabled = false;
    }
  };

  const topK = el('input', {
    attrs: { type: 'number', min: 1, max: 100, value: choice.topK, 'aria-label': 'Top-k' },
  });
  topK.addEventListener('change', () => {
    choice.topK = Math.min(100, Math.max(1, Math.floor(Number(topK.value) || 1)));
  });
  const runButton = button('Classify batch', () => void runBatch(), {
    class: 'btn btn-primary',
    testId: 'batch-run',
  });
  replaceChildren(
    output,
    el('p', {
      class: 'muted',
      text: 'Classifies every chosen library image with the active model and compares with its label.',
    }),
  );

  return panel(
    'Batch',
    [
      el('div', { class: 'toolbar' }, classField, field('Top-k', topK), runButton),
      scopeNote,
      progress,
      output,
    ],
    {
      testId: 'classify-batch',
    },
  );
}
