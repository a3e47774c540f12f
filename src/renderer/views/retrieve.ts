import type { AppContext, View } from '../app/context.js';
import { reportJobEnd, startJob } from '../app/jobs.js';
import { dataTable } from '../components/dataTable.js';
import {
  button,
  el,
  field,
  formatNumber,
  formatPercent,
  keepScrollPosition,
  replaceChildren,
} from '../components/dom.js';
import { emptyState, loading } from '../components/emptyState.js';
import { imageFigure } from '../components/figures.js';
import { imageGrid } from '../components/imageGrid.js';
import { openItemDialog } from '../components/itemDialog.js';
import { describeError, reportError } from '../components/messages.js';
import { modelNotice } from '../components/modelNotice.js';
import { createFilterBar, entryMatches, facetsOf, type FilterEntry } from '../components/filterBar.js';
import { panel } from '../components/panel.js';
import { fetchItemsById, retrievalExportRows, saveRows } from '../components/researchExport.js';
import { type PickedImage, sourcePicker } from '../components/sourcePicker.js';
import { inlineError, stat, viewHeader } from '../components/viewHeader.js';
import {
  clampK,
  K_MAX,
  LatestOnly,
  resultsSubtitle,
  resultTiles,
  type Hit,
  type QueryResult,
} from './retrieve-state.js';
import { runInfoText } from './shared/runInfo.js';
import { modelAwareIntro } from '../components/modelInput.js';

type Engine = QueryResult['engine'];

/** Which backend answered and how exact it is (docs/retrieval.md), in words: a short name and the details. */
function engineName(engine: Engine): string {
  switch (engine.kind) {
    case 'exact':
      return 'Exact scan';
    case 'ann':
      return 'HNSW';
    default:
      return 'pgvector';
  }
}

function engineDetail(engine: Engine): string {
  switch (engine.kind) {
    case 'exact':
      return engine.precision === 'i8' ? 'int8 scan, float32 re-rank' : 'float32';
    case 'ann':
      return `usearch graph, ${engine.precision} vectors`;
    default:
      return 'shared PostgreSQL server';
  }
}

const engineRecall = (engine: Engine): string =>
  engine.recall === 'exact' ? 'exact: every stored image compared' : `approximate: ${engine.recall}`;

function queryCard(picked: PickedImage, result: QueryResult): HTMLElement {
  return el(
    'div',
    { class: 'result-images', attrs: { 'data-testid': 'retrieve-query' } },
    imageFigure(result.query.plain, 'query (plain)'),
    imageFigure(
      result.query.encrypted,
      result.run.input === 'encrypted'
        ? 'query as searched (encrypted)'
        : 'query as searched (decrypted — plain model)',
    ),
    el(
      'div',
      {},
      el('strong', { text: picked.name }),
      el('p', {
        class: 'muted',
        text: result.query.label ? `label: ${result.query.label}` : 'no label: relevance unknown',
      }),
    ),
  );
}

/** Every hit with the query, item ids, sources, keys and unrounded scores (components/researchExport.ts). */
async function exportRetrieval(
  context: AppContext,
  shown: { picked: PickedImage; result: QueryResult },
  format: 'csv' | 'json',
): Promise<void> {
  const { picked, result } = shown;
  const ids = [...result.results.map((hit) => hit.id), ...(result.query.id ? [result.query.id] : [])];
  const items = await fetchItemsById(context.api, ids);
  const query = { name: picked.name, item: result.query.id ? (items.get(result.query.id) ?? null) : null };
  saveRows(
    `retrieval-${picked.name}-${result.run.modelId}`,
    format,
    retrievalExportRows(result, query, items),
    {
      kind: 'retrieve-query',
      modelId: result.run.modelId,
      modelInput: result.run.input,
      query: {
        id: result.query.id,
        name: picked.name,
        label: result.query.label,
        source: query.item?.source ?? null,
      },
      k: result.results.length,
      indexSize: result.indexSize,
      precisionAtK: result.precisionAtK,
    },
  );
}

/** What the result filters look at in one hit: its class, and its id for the text search. */
const hitFilterEntry = (hit: Hit): FilterEntry => ({
  label: hit.label,
  prediction: null,
  probability: null,
  activeKey: null,
  origin: null,
  text: hit.id,
});

export function createRetrieveView(context: AppContext): View {
  let picked: PickedImage | null = null;
  let k = 10;
  let decrypted = true;
  let last: { picked: PickedImage; result: QueryResult } | null = null;
  const queries = new LatestOnly();
  const output = el('div', { class: 'retrieve-output', attrs: { 'data-testid': 'retrieve-output' } });
  const indexStatus = el('div', { class: 'index-status', attrs: { 'data-testid': 'index-status' } });

  const filters = createFilterBar({
    fields: ['class', 'text'],
    testId: 'retrieve-filters',
    noun: 'results',
    onChange: () => render(),
  });
  filters.element.hidden = true;

  const render = (): void => {
    if (!last) return;
    const { result } = last;
    const byId = new Map(result.results.map((hit) => [hit.id, hit]));
    // The filter row lives in the query panel (never redrawn here), so typing in it keeps the focus.
    const shown = result.results.filter((hit) => entryMatches(hitFilterEntry(hit), filters.state));
    filters.element.hidden = result.results.length === 0;
    filters.setFacets(facetsOf(result.results.map(hitFilterEntry)));
    filters.setCount(shown.length, result.results.length);
    replaceChildren(
      output,
      panel('Query', [
        queryCard(last.picked, result),
        el(
          'div',
          { class: 'stat-row' },
          stat(
            `Precision@${result.results.length}`,
            result.precisionAtK === null ? '—' : formatPercent(result.precisionAtK, 1),
            result.precisionAtK === null ? 'the query has no label' : 'share of results in the query’s class',
            'precision-at-k',
          ),
          stat(
            'Results',
            String(result.results.length),
            `of ${result.indexSize} indexed images`,
            'result-count',
          ),
          stat(
            'Best similarity',
            result.results[0] ? formatNumber(result.results[0].score) : '—',
            'cosine similarity of the embeddings',
          ),
          stat(
            'Answered by',
            engineName(result.engine),
            `${engineDetail(result.engine)}; ${engineRecall(result.engine)}`,
            'retrieve-engine',
          ),
        ),
        el('p', { class: 'muted', text: runInfoText(result.run) }),
      ]),
      result.results.length === 0
        ? emptyState(
            'No results',
            'The index holds no images this key can search. Import images in the Library.',
          )
        : imageGrid({
            title: `Top ${result.results.length} most similar`,
            subtitle: resultsSubtitle(result.run.input),
            items: resultTiles({ ...result, results: shown }, decrypted),
            testId: 'retrieve-grid',
            onOpen: (tile) => {
              if (!byId.has(tile.id)) return;
              context.api
                .libraryItems({ ids: [tile.id] })
                .then(({ items }) => {
                  const item = items[0];
                  if (item) openItemDialog(context, item, () => undefined);
                })
                .catch((error: unknown) => reportError(error, 'Could not open the image'));
            },
          }),
      dataTable<Hit>({
        title: 'Retrieval results',
        rows: shown,
        testId: 'retrieve-table',
        exports: (['csv', 'json'] as const).map((format) => ({
          label: format.toUpperCase(),
          run: () => exportRetrieval(context, last!, format),
        })),
        columns: [
          { label: 'Rank', value: (hit) => hit.rank, numeric: true },
          { label: 'Item', value: (hit) => hit.id },
          { label: 'Label', value: (hit) => hit.label },
          {
            label: 'Similarity',
            value: (hit) => hit.score,
            format: (hit) => formatNumber(hit.score),
            numeric: true,
          },
          {
            label: 'Relevant',
            value: (hit) => hit.relevant,
            format: (hit) => (hit.relevant === null ? '—' : hit.relevant ? 'yes' : 'no'),
            cellClass: (hit) => (hit.relevant === null ? undefined : hit.relevant ? 'pass' : 'fail'),
          },
        ],
      }),
    );
  };

  const refreshIndexStatus = async (): Promise<void> => {
    try {
      const status = await context.api.retrieveIndexStatus();
      replaceChildren(
        indexStatus,
        el(
          'span',
          { class: 'muted' },
          status.modelId
            ? `Index: ${status.indexed} images embedded with ${status.modelId}${status.engine ? ` in ${engineName(status.engine)} (${engineDetail(status.engine)}), ${engineRecall(status.engine)}` : ''}${status.missing > 0 ? `, ${status.missing} not yet (embedded on the next query)` : ''}.`
            : 'No index yet: it is built from the library on the first query.',
        ),
        status.missing > 0 ? buildButton : null,
      );
    } catch (error) {
      replaceChildren(
        indexStatus,
        el('span', { class: 'muted', text: `Index status unavailable: ${describeError(error)}` }),
      );
    }
  };

  const buildButton = button(
    'Build index now',
    () =>
      void (async () => {
        buildButton.disabled = true;
        try {
          const job = await startJob(context.api, 'index-build', 'Building the retrieval index', () =>
            context.api.retrieveBuildIndex(),
          );
          replaceChildren(indexStatus, job.element);
          await job.result;
        } catch (error) {
          reportJobEnd(error, 'Index build');
        } finally {
          buildButton.disabled = false;
          void refreshIndexStatus();
        }
      })(),
    { class: 'btn btn-small' },
  );

  const query = async (): Promise<void> => {
    if (!picked) return;
    const current = picked;
    const run = queries.begin();
    replaceChildren(output, loading(`Searching the ${k} most similar images…`));
    try {
      const result = await context.api.retrieveQuery({ source: current.source, k });
      // A newer query replaces this one; its answer must not land on top.
      if (!queries.isLatest(run)) return;
      last = { picked: current, result };
      render();
      void refreshIndexStatus();
      void context.store.refresh('settings');
    } catch (error) {
      if (queries.isLatest(run))
        replaceChildren(output, inlineError(`Retrieval failed: ${describeError(error)}`));
    }
  };

  const picker = sourcePicker(
    context.api,
    (image) => {
      picked = image;
      void query();
    },
    'retrieve-source',
  );

  const kNumber = el('input', {
    attrs: { type: 'number', min: 1, max: K_MAX, value: k, 'data-testid': 'retrieve-k', 'aria-label': 'k' },
  });
  const kRange = el('input', {
    attrs: { type: 'range', min: 1, max: K_MAX, value: k, 'aria-label': 'k slider' },
  });
  const setK = (value: number, rerun: boolean): void => {
    k = clampK(value);
    kNumber.value = String(k);
    kRange.value = String(k);
    if (rerun && picked) void query();
  };
  kNumber.addEventListener('change', () => setK(Number(kNumber.value), true));
  kRange.addEventListener('input', () => setK(Number(kRange.value), false));
  kRange.addEventListener('change', () => setK(Number(kRange.value), true));

  const toggle = el('input', {
    attrs: { type: 'checkbox', checked: decrypted, 'data-testid': 'retrieve-decrypted' },
  });
  toggle.addEventListener('change', () => {
    decrypted = toggle.checked;
    keepScrollPosition(output, render);
  });

  replaceChildren(
    output,
    emptyState(
      'No query yet',
      'Upload an image or pick one from the library: the most similar encrypted images are listed here.',
    ),
  );

  const element = el(
    'section',
    { attrs: { 'aria-label': 'Retrieve' } },
    viewHeader(
      'Retrieve',
      modelAwareIntro(
        context,
        'Content-based search over encrypted images: the query is encrypted, embedded by the model, and compared by cosine similarity with the embeddings of the stored cipher images.',
        'A PLAIN model is active: the query and the stored images are decrypted before the model embeds them, so it sees them in the clear. Choose an encrypted or transformed model in Settings → Models for privacy.',
      ),
    ),
    modelNotice(context),
    panel(
      'Query image',
      [
        picker.element,
        el(
          'div',
          { class: 'toolbar' },
          field('Results (k)', el('span', { class: 'k-control' }, kRange, kNumber)),
          el('label', { class: 'checkbox' }, toggle, 'Show results decrypted'),
        ),
        indexStatus,
        filters.element,
      ],
      { testId: 'retrieve-controls' },
    ),
    output,
  );

  return {
    element,
    show: (params) => {
      void refreshIndexStatus();
      if (!params.itemId) return;
      void picker.setItem(params.itemId);
    },
  };
}
