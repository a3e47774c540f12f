import type { LibraryItem, MapGetResponse, MapMethod, MapPoint } from '../../shared/index.js';
import type { AppContext, View } from '../app/context.js';
import { isCancellation, reportJobEnd, startJob } from '../app/jobs.js';
import { toCsv } from '../components/csv.js';
import { button, el, field, formatPercent, replaceChildren, select } from '../components/dom.js';
import { saveCanvasPng, saveJson, saveText, slug } from '../components/download.js';
import { emptyState, loading } from '../components/emptyState.js';
import { createFilterBar, entryMatches, facetsOf, type FilterEntry } from '../components/filterBar.js';
import { imageGrid } from '../components/imageGrid.js';
import { openItemDialog } from '../components/itemDialog.js';
import { libraryGridItem } from '../components/libraryImages.js';
import { describeError, reportError } from '../components/messages.js';
import { modelNotice } from '../components/modelNotice.js';
import { exportMenu, panel } from '../components/panel.js';
import { inlineError, viewHeader } from '../components/viewHeader.js';
import { createMapCanvas, type MapMode } from './map/canvas.js';
import { type ColourBy, colourPoints } from './map/colours.js';
import { mapDescription, METHOD_TITLES, selectionSummary } from './map/summary.js';

/** libraryItems answers at most this many ids per call; the selection grid shows one call's worth. */
const SELECTION_LIMIT = 500;
const EXPORT_RATIO = 2;

/**
 * The embedding map: every indexed image of the active key as a point, laid out by PCA (instant) or UMAP (a job),
 * coloured by label, prediction or correctness. Hover shows the image (decrypted only for the key holder), a click
 * searches for images like it, a box or lasso opens the grid of exactly the images inside.
 */
export function createMapView(context: AppContext): View {
  let method: MapMethod = 'pca';
  let colourBy: ColourBy = 'label';
  let mode: MapMode = 'pan';
  let current: MapGetResponse | null = null;
  let points: MapPoint[] = [];
  let sequence = 0;
  let building = false;
  const itemCache = new Map<string, LibraryItem>();

  const status = el('div', { class: 'map-status', attrs: { 'data-testid': 'map-status' } });
  const umapArea = el('div', { class: 'map-umap', attrs: { 'data-testid': 'map-umap' } });
  const legend = el('ul', {
    class: 'map-legend',
    attrs: { 'data-testid': 'map-legend', 'aria-label': 'Legend' },
  });
  const tooltip = el('div', {
    class: 'map-tooltip',
    attrs: { 'data-testid': 'map-tooltip', role: 'status' },
  });
  tooltip.hidden = true;
  const selectionArea = el('div', { attrs: { 'data-testid': 'map-selection' } });

  let hovered: string | null = null;
  const showTooltip = (index: number | null, clientX: number, clientY: number): void => {
    const point = index === null ? undefined : points[index];
    if (!point) {
      hovered = null;
      tooltip.hidden = true;
      return;
    }
    const box = surface.getBoundingClientRect();
    // Kept inside the map: flipped to the left of the pointer near the right edge.
    const left = clientX - box.left;
    const top = clientY - box.top;
    tooltip.style.left = `${left > box.width - 220 ? left - 212 : left + 14}px`;
    tooltip.style.top = `${Math.min(top + 14, box.height - 120)}px`;
    if (hovered === point.id && !tooltip.hidden) return;
    hovered = point.id;
    tooltip.hidden = false;
    const render = (item: LibraryItem | null): void => {
      if (hovered !== point.id) return;
      const plain = item?.thumbnails.plain ?? null;
      replaceChildren(
        tooltip,
        item
          ? el('img', {
              attrs: {
                src: plain ?? item.thumbnails.encrypted,
                alt: plain ? `${item.name}, decrypted` : `${item.name}, encrypted`,
              },
            })
          : el('span', { class: 'spinner' }),
        el(
          'div',
          {},
          el('strong', { text: point.label ?? 'unlabelled' }),
          el('div', { class: 'muted', text: item?.name ?? point.id }),
          point.prediction
            ? el('div', {
                text: `predicted ${point.prediction.label} ${formatPercent(point.prediction.probability)}`,
              })
            : null,
          item && !plain ? el('div', { class: 'muted', text: 'encrypted: another key holds it' }) : null,
          el('div', { class: 'muted', text: 'click: find similar images' }),
        ),
      );
    };
    const cached = itemCache.get(point.id);
    render(cached ?? null);
    if (cached) return;
    context.api
      .libraryItems({ ids: [point.id] })
      .then(({ items }) => {
        const item = items[0];
        if (!item) return;
        itemCache.set(item.id, item);
        render(item);
      })
      .catch(() => render(null));
  };

  const showSelection = async (indices: number[]): Promise<void> => {
    const chosen = indices.map((index) => points[index]!).filter(Boolean);
    map.setSelection(indices.length > 0 ? indices : null);
    if (chosen.length === 0) {
      replaceChildren(
        selectionArea,
        emptyState('Nothing selected', 'The box or lasso held no points: draw it around a group of points.'),
      );
      return;
    }
    replaceChildren(selectionArea, loading(`Opening ${chosen.length} selected images…`));
    try {
      const shown = chosen.slice(0, SELECTION_LIMIT);
      const { items } = await context.api.libraryItems({ ids: shown.map((point) => point.id) });
      for (const item of items) itemCache.set(item.id, item);
      const byId = new Map(items.map((item) => [item.id, item]));
      const summary = selectionSummary(chosen);
      const entries = new Map(
        shown.map((point): [string, FilterEntry] => {
          const item = byId.get(point.id);
          return [
            point.id,
            {
              label: point.label,
              prediction: point.prediction?.label ?? null,
              probability: point.prediction?.probability ?? null,
              activeKey: true,
              origin: item?.origin ?? null,
              text: `${point.id} ${item?.name ?? ''} ${item?.source ?? ''}`,
            },
          ];
        }),
      );
      const gridArea = el('div');
      const filters = createFilterBar({
        fields: ['class', 'prediction', 'mismatch', 'confidence', 'origin', 'text'],
        testId: 'map-selection-filters',
        onChange: () => drawGrid(),
      });
      filters.setFacets(facetsOf([...entries.values()]));
      const drawGrid = (): void => {
        const visible = shown.filter((point) => entryMatches(entries.get(point.id)!, filters.state));
        filters.setCount(visible.length, shown.length);
        replaceChildren(gridArea, selectionGrid(visible));
      };
      // Only the grid is redrawn when a filter changes, so the filter row keeps the focus.
      const selectionGrid = (visible: MapPoint[]): HTMLElement =>
        imageGrid({
          title: `Selected: ${chosen.length} image${chosen.length === 1 ? '' : 's'}`,
          subtitle:
            chosen.length > SELECTION_LIMIT
              ? `${summary}. Showing the first ${SELECTION_LIMIT}; draw a smaller selection to see the rest.`
              : summary,
          items: visible.flatMap((point) => {
            const item = byId.get(point.id);
            return item ? [libraryGridItem(item, true)] : [];
          }),
          testId: 'map-selection-grid',
          controls: button(
            'Clear selection',
            () => {
              map.setSelection(null);
              replaceChildren(selectionArea);
            },
            { class: 'btn btn-small' },
          ),
          onOpen: (tile) => {
            const item = byId.get(tile.id);
            if (item) openItemDialog(context, item, () => void load());
          },
        });
      replaceChildren(selectionArea, el('div', { class: 'panel filter-bar' }, filters.element), gridArea);
      drawGrid();
    } catch (error) {
      replaceChildren(selectionArea, inlineError(`Could not open the selection: ${describeError(error)}`));
    }
  };

  const map = createMapCanvas({
    label: 'Embedding map: each point is an image; drag to pan, wheel or +/− to zoom, 0 to fit',
    onHover: showTooltip,
    onPick: (index) => {
      const point = points[index];
      if (point) context.navigate('retrieve', { itemId: point.id });
    },
    onSelect: (indices) => void showSelection(indices),
  });
  const surface = el('div', { class: 'map-surface' }, map.element, tooltip);

  const recolour = (): void => {
    const colouring = colourPoints(points, colourBy);
    map.setColours(colouring.indices, colouring.palette);
    replaceChildren(
      legend,
      ...colouring.legend.map((entry) =>
        el(
          'li',
          { attrs: { 'data-testid': 'map-legend-entry' } },
          el('span', { class: 'map-swatch', attrs: { 'aria-hidden': 'true' } }),
          `${entry.name} (${entry.count})`,
        ),
      ),
    );
    // Swatch colours are set as properties (CSP forbids inline style attributes, not the CSSOM).
    colouring.legend.forEach((entry, index) => {
      const swatch = legend.children[index]?.querySelector<HTMLElement>('.map-swatch');
      if (swatch) swatch.style.backgroundColor = entry.colour;
    });
  };

  const setPoints = (next: MapPoint[]): void => {
    const sameLayout =
      next.length === points.length &&
      next.length > 0 &&
      next.every((point, index) => {
        const before = points[index]!;
        return point.id === before.id && point.x === before.x && point.y === before.y;
      });
    if (sameLayout) {
      // Back from another view (a retrieval from a click, a batch run): keep the zoom, the pan and the selection,
      // and only recolour for labels and predictions that may have changed.
      points = next;
      recolour();
      return;
    }
    points = next;
    const xs = Float32Array.from(next, (point) => point.x);
    const ys = Float32Array.from(next, (point) => point.y);
    const colouring = colourPoints(next, colourBy);
    map.setPoints(xs, ys, colouring.indices, colouring.palette);
    recolour();
    replaceChildren(selectionArea);
  };

  const describe = (response: MapGetResponse): HTMLElement =>
    el('p', { class: 'muted', text: mapDescription(response) });

  const runUmap = async (join?: string): Promise<void> => {
    if (building) return;
    building = true;
    try {
      const job = await startJob(context.api, 'map-umap', 'Computing the UMAP layout', () =>
        join ? Promise.resolve({ jobId: join }) : context.api.mapBuild(),
      );
      replaceChildren(umapArea, job.element);
      await job.result;
      building = false;
      await load();
    } catch (error) {
      building = false;
      if (isCancellation(error)) reportJobEnd(error, 'UMAP layout');
      else replaceChildren(umapArea, inlineError(`UMAP failed: ${describeError(error)}`));
    }
  };

  const umapButton = (label: string): HTMLButtonElement =>
    button(label, () => void runUmap(), { class: 'btn btn-primary', testId: 'map-umap-run' });

  const load = async (): Promise<void> => {
    const run = ++sequence;
    replaceChildren(status, loading('Reading the embeddings…'));
    let response: MapGetResponse;
    try {
      response = await context.api.mapGet({ method });
    } catch (error) {
      if (run === sequence)
        replaceChildren(status, inlineError(`The map is unavailable: ${describeError(error)}`));
      return;
    }
    if (run !== sequence) return;
    current = response;
    const indexButton =
      response.notIndexed > 0
        ? button(
            `Embed ${response.notIndexed} image${response.notIndexed === 1 ? '' : 's'} now`,
            () =>
              void (async () => {
                try {
                  const job = await startJob(context.api, 'index-build', 'Building the retrieval index', () =>
                    context.api.retrieveBuildIndex(),
                  );
                  replaceChildren(status, job.element);
                  await job.result;
                } catch (error) {
                  reportJobEnd(error, 'Index build');
                }
                await load();
              })(),
            { class: 'btn btn-small', testId: 'map-embed-missing' },
          )
        : null;
    replaceChildren(status, describe(response), indexButton);
    if (!building) replaceChildren(umapArea);
    if (response.method === 'umap' && response.points === null) {
      setPoints([]);
      if (response.umap.jobId) void runUmap(response.umap.jobId);
      else if (!building) {
        replaceChildren(
          umapArea,
          el(
            'div',
            { class: 'inline-note', attrs: { role: 'note' } },
            el('p', {
              text: response.umap.stale
                ? 'The images or the index changed since the last UMAP layout, so it is not shown: compute it again.'
                : 'UMAP has not been computed for these images under this model. It runs as a job (a few seconds for hundreds of images, minutes for tens of thousands); the PCA map is available at once.',
            }),
            umapButton(response.umap.stale ? 'Recompute UMAP' : 'Compute UMAP'),
          ),
        );
      }
      return;
    }
    const next = response.points ?? [];
    setPoints(next);
    if (next.length === 0 && response.modelId) {
      replaceChildren(
        umapArea,
        emptyState(
          'No images on the map',
          'The map shows the embedded images of the active key. Import images in the Library, then embed them.',
          button('Open Library', () => context.navigate('library')),
        ),
      );
    }
  };

  const modeButtons = (['pan', 'box', 'lasso'] as const).map((value) =>
    button(
      { pan: 'Pan', box: 'Box select', lasso: 'Lasso select' }[value],
      () => {
        mode = value;
        map.setMode(value);
        for (const other of modeButtons)
          other.setAttribute('aria-pressed', String(other.dataset['mode'] === value));
      },
      { class: 'btn btn-small', testId: `map-mode-${value}` },
    ),
  );
  modeButtons.forEach((node, index) => {
    node.dataset['mode'] = (['pan', 'box', 'lasso'] as const)[index]!;
    node.setAttribute('aria-pressed', String(index === 0));
  });
  map.setMode(mode);

  const exportPoints = (format: 'csv' | 'json'): void => {
    if (!current || points.length === 0) throw new Error('the map has no points to export');
    const name = `embedding-map-${current.method}-${current.modelId ?? 'model'}`;
    const rows = points.map((point) => ({
      id: point.id,
      x: point.x,
      y: point.y,
      label: point.label,
      prediction: point.prediction?.label ?? null,
      probability: point.prediction?.probability ?? null,
      method: current!.method,
      modelId: current!.modelId,
      keyFingerprint: current!.keyFingerprint,
      indexVersion: current!.indexVersion,
    }));
    if (format === 'json') saveJson(`${slug(name)}.json`, rows);
    else {
      const header = Object.keys(rows[0]!);
      saveText(
        `${slug(name)}.csv`,
        toCsv(
          header,
          rows.map((row) => Object.values(row)),
        ),
        'text/csv',
      );
    }
  };

  const exportPng = async (): Promise<void> => {
    if (!current || points.length === 0) throw new Error('the map has no points to export');
    const ratio = Math.max(EXPORT_RATIO, Math.ceil(window.devicePixelRatio || 1) * EXPORT_RATIO);
    const picture = map.snapshot(ratio);
    const titleHeight = 34 * ratio;
    const output = document.createElement('canvas');
    output.width = picture.width;
    output.height = picture.height + titleHeight;
    const ctx = output.getContext('2d');
    if (!ctx) throw new Error('canvas 2D context unavailable');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, output.width, output.height);
    ctx.drawImage(picture, 0, titleHeight);
    ctx.fillStyle = '#1d2733';
    ctx.font = `bold ${15 * ratio}px sans-serif`;
    ctx.fillText(
      `Embedding map (${METHOD_TITLES[current.method]}) — model ${current.modelId ?? '?'}, key ${current.keyFingerprint ?? '?'}, n = ${points.length}, coloured by ${colourBy}`,
      10 * ratio,
      22 * ratio,
      output.width - 20 * ratio,
    );
    await saveCanvasPng(`${slug(`embedding-map-${current.method}-${current.modelId ?? ''}`)}.png`, output);
  };

  const toolbar = el(
    'div',
    { class: 'toolbar map-toolbar' },
    field(
      'Layout',
      select(
        [
          { value: 'pca', label: 'PCA (instant)' },
          { value: 'umap', label: 'UMAP (job)' },
        ],
        method,
        (value) => {
          method = value;
          void load();
        },
        'map-method',
      ),
    ),
    field(
      'Colour by',
      select(
        [
          { value: 'label', label: 'Label' },
          { value: 'prediction', label: 'Prediction' },
          { value: 'correct', label: 'Correct / incorrect' },
        ],
        colourBy,
        (value) => {
          colourBy = value;
          recolour();
        },
        'map-colour',
      ),
    ),
    el('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Pointer tool' } }, ...modeButtons),
    button('Fit', () => map.fit(), { class: 'btn btn-small', testId: 'map-fit' }),
  );

  const element = el(
    'section',
    { attrs: { 'aria-label': 'Map' } },
    viewHeader(
      'Map',
      'Every embedded image of the active key as a point: images the model finds alike lie close together. Hover for the image, click a point to find images like it, draw a box or lasso to open exactly those images.',
    ),
    modelNotice(context),
    panel('Embedding map', [toolbar, status, umapArea, surface, legend], {
      testId: 'map-panel',
      actions: exportMenu('embedding map', [
        { label: 'CSV', run: () => exportPoints('csv') },
        { label: 'JSON', run: () => exportPoints('json') },
        { label: 'PNG', run: exportPng },
      ]),
    }),
    selectionArea,
  );

  const reload = (): void => {
    itemCache.clear();
    if (!element.closest('.view')?.hasAttribute('hidden')) void load();
  };
  context.store.on('models', reload);
  context.store.on('keys', reload);

  return {
    element,
    show: () => {
      load().catch((error: unknown) => reportError(error, 'Could not load the map'));
    },
  };
}
