import type { Chart, ChartEvent, Plugin } from 'chart.js';
import type { MatrixDataPoint } from 'chartjs-chart-matrix';
import { chartPanel, palette, rootScale } from './charts.js';
import { toCsv } from './csv.js';
import { el } from './dom.js';
import { saveJson, saveText, slug } from './download.js';

export interface ConfusionMatrixData {
  labels: readonly string[];
  /** matrix[actual][predicted] */
  matrix: readonly (readonly number[])[];
}

interface Cell extends MatrixDataPoint {
  x: string;
  y: string;
  v: number;
  /** Share of the actual class's images that landed in this cell: the colour, so rare classes stay visible. */
  share: number;
}

function cells({ labels, matrix }: ConfusionMatrixData): Cell[] {
  return labels.flatMap((actual, row) => {
    const counts = matrix[row] ?? [];
    const rowTotal = counts.reduce((sum, value) => sum + value, 0);
    return labels.map((predicted, column) => {
      const v = counts[column] ?? 0;
      return { x: predicted, y: actual, v, share: rowTotal > 0 ? v / rowTotal : 0 };
    });
  });
}

function cellColour(share: number, diagonal: boolean): string {
  // Blue for correct predictions, orange for confusions; alpha grows with the row share.
  const alpha = share === 0 ? 0.03 : 0.15 + 0.85 * share;
  return diagonal ? `rgba(31, 111, 139, ${alpha})` : `rgba(194, 87, 43, ${alpha})`;
}

/** Writes each cell's count on top of it: colour alone is not enough to read a matrix. */
const countLabels: Plugin<'matrix'> = {
  id: 'confusionCounts',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const meta = chart.getDatasetMeta(0);
    const data = chart.data.datasets[0]?.data as Cell[] | undefined;
    if (!data) return;
    ctx.save();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const side = Math.min(chart.chartArea.width, chart.chartArea.height) / Math.sqrt(data.length);
    const scale = rootScale();
    ctx.font = `600 ${Math.max(10 * scale, Math.min(18 * scale, side / 3.2))}px sans-serif`;
    meta.data.forEach((element, index) => {
      const cell = data[index];
      if (!cell) return;
      const { x, y, width, height } = element.getProps(['x', 'y', 'width', 'height'], true) as {
        x: number;
        y: number;
        width: number;
        height: number;
      };
      // Zeros recede so the confusions stand out; dark cells get white text.
      ctx.globalAlpha = cell.v === 0 ? 0.35 : 1;
      ctx.fillStyle = cell.share > 0.55 ? '#ffffff' : palette.text();
      ctx.fillText(String(cell.v), x + width / 2, y + height / 2);
    });
    ctx.restore();
  },
};

/** Publishes the plot area on the canvas, so automation can aim at a cell like a person does. */
const plotAreaAttribute: Plugin<'matrix'> = {
  id: 'plotAreaAttribute',
  afterLayout(chart) {
    const { left, top, width, height } = chart.chartArea;
    chart.canvas.dataset['plotArea'] = [left, top, width, height].map((n) => n.toFixed(1)).join(',');
  },
};

function matrixCsv(title: string, data: ConfusionMatrixData): void {
  const header = ['actual \\ predicted', ...data.labels];
  const rows = data.labels.map((label, row) => [label, ...(data.matrix[row] ?? [])]);
  saveText(`${slug(title)}.csv`, toCsv(header, rows), 'text/csv');
}

/** The same counts as a table of buttons: keyboard users open a cell with Tab and Enter. */
function matrixTable(
  data: ConfusionMatrixData,
  onCell?: (actual: string, predicted: string) => void,
): HTMLElement {
  return el(
    'div',
    { class: 'table-scroll' },
    el(
      'table',
      { class: 'data-table matrix-table', attrs: { 'data-testid': 'confusion-table' } },
      el('caption', { text: 'Rows: actual class. Columns: predicted class.' }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { text: 'actual \\ predicted' }),
          ...data.labels.map((label) => el('th', { class: 'num', text: label, attrs: { scope: 'col' } })),
        ),
      ),
      el(
        'tbody',
        {},
        ...data.labels.map((actual, row) =>
          el(
            'tr',
            {},
            el('th', { text: actual, attrs: { scope: 'row' } }),
            ...data.labels.map((predicted, column) => {
              const count = data.matrix[row]?.[column] ?? 0;
              const cellClass = row === column ? 'num diagonal' : count > 0 ? 'num confused' : 'num';
              return el(
                'td',
                { class: cellClass },
                onCell && count > 0
                  ? el('button', {
                      class: 'btn btn-small cell-button',
                      text: String(count),
                      attrs: {
                        type: 'button',
                        'aria-label': `${count} images of ${actual} predicted as ${predicted}`,
                      },
                      on: { click: () => onCell(actual, predicted) },
                    })
                  : String(count),
              );
            }),
          ),
        ),
      ),
    ),
  );
}

/**
 * Confusion matrix heat map (chartjs-chart-matrix) with counts written in the cells; clicking a cell
 * calls `onCell(actual, predicted)`. Exports as PNG, CSV and JSON.
 */
export function confusionMatrixPanel(
  title: string,
  data: ConfusionMatrixData,
  options: {
    onCell?: (actual: string, predicted: string) => void;
    testId?: string;
    /** The PNG's title, naming the model, the dataset and n. */
    exportTitle?: string;
  } = {},
): HTMLElement {
  const n = data.labels.length;
  const { element } = chartPanel<'matrix'>(
    title,
    {
      type: 'matrix',
      data: {
        datasets: [
          {
            label: title,
            data: cells(data),
            backgroundColor: (context) => {
              const cell = context.dataset.data[context.dataIndex] as Cell | undefined;
              return cell ? cellColour(cell.share, cell.x === cell.y) : 'transparent';
            },
            borderColor: palette.grid(),
            borderWidth: 1,
            width: ({ chart: c }) => (c.chartArea?.width ?? 0) / n - 2,
            height: ({ chart: c }) => (c.chartArea?.height ?? 0) / n - 2,
          },
        ],
      },
      options: {
        onClick: (event: ChartEvent, _elements, c: Chart) => {
          const hit = c.getElementsAtEventForMode(
            event as unknown as Event,
            'nearest',
            { intersect: true },
            false,
          )[0];
          const cell = hit ? (c.data.datasets[0]?.data[hit.index] as Cell | undefined) : undefined;
          if (cell && options.onCell) options.onCell(cell.y, cell.x);
        },
        onHover: (event, elements) => {
          const target = event.native?.target as HTMLElement | undefined;
          if (target) target.style.cursor = elements.length > 0 && options.onCell ? 'pointer' : 'default';
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: () => '',
              label: (context) => {
                const cell = context.raw as Cell;
                return [
                  `actual ${cell.y}`,
                  `predicted ${cell.x}`,
                  `${cell.v} images (${(cell.share * 100).toFixed(1)}% of ${cell.y})`,
                ];
              },
            },
          },
        },
        scales: {
          x: {
            type: 'category',
            labels: [...data.labels],
            offset: true,
            position: 'top',
            title: { display: true, text: 'predicted' },
            grid: { display: false },
            // Chart.js's own rotation leaves neighbouring names touching at a slant of ~30°; word labels
            // (MedNIST's "AbdomenCT", "BreastMRI") start at 45°, which clears the next column, and every label
            // is drawn (none skipped). Digit labels stay level.
            ticks: {
              autoSkip: false,
              minRotation: Math.max(...data.labels.map((label) => label.length)) > 3 ? 45 : 0,
              maxRotation: 90,
            },
          },
          y: {
            type: 'category',
            labels: [...data.labels],
            offset: true,
            reverse: false,
            title: { display: true, text: 'actual' },
            grid: { display: false },
          },
        },
      },
      plugins: [countLabels, plotAreaAttribute],
    },
    {
      testId: options.testId,
      size: 'square',
      ...(options.exportTitle !== undefined && { exportTitle: options.exportTitle }),
      exports: [
        { label: 'CSV', run: () => matrixCsv(title, data) },
        {
          label: 'JSON',
          run: () => saveJson(`${slug(title)}.json`, { labels: data.labels, matrix: data.matrix }),
        },
      ],
    },
  );
  element.dataset['labels'] = JSON.stringify(data.labels);
  element.appendChild(
    el(
      'details',
      { class: 'matrix-details' },
      el('summary', { text: 'Counts as a table (keyboard: open a cell with Enter)' }),
      matrixTable(data, options.onCell),
    ),
  );
  return element;
}
