import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  type ChartType,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
} from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import { el } from './dom.js';
import { saveCanvasPng, slug } from './download.js';
import { type ExportAction, exportMenu } from './panel.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Filler,
  Legend,
  Title,
  Tooltip,
  MatrixController,
  MatrixElement,
);

/** Colours come from the stylesheet so charts follow the light/dark theme. */
export function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export const palette = {
  plain: () => themeColor('--chart-plain', '#3b6fb6'),
  cipher: () => themeColor('--chart-cipher', '#c2572b'),
  accent: () => themeColor('--accent', '#2f6f8f'),
  text: () => themeColor('--text', '#1d2733'),
  grid: () => themeColor('--chart-grid', 'rgba(0,0,0,0.08)'),
  surface: () => themeColor('--surface', '#ffffff'),
};

/** Root font size relative to the browser default of 16 px. */
export function rootScale(): number {
  return Number.parseFloat(getComputedStyle(document.documentElement).fontSize) / 16 || 1;
}

function applyThemeDefaults(): void {
  Chart.defaults.color = palette.text();
  Chart.defaults.borderColor = palette.grid();
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  // Chart text follows the root size, which grows on 4K screens (see styles.css).
  Chart.defaults.font.size = Math.round(13 * rootScale());
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;
}

/**
 * Copies the chart onto an opaque canvas under its title: a transparent PNG is unreadable in dark
 * viewers, and an exported figure must say what it shows.
 */
function exportCopy(source: HTMLCanvasElement, title: string): HTMLCanvasElement {
  const scale = source.width / (source.clientWidth || source.width);
  const titleHeight = Math.round(32 * scale);
  const copy = document.createElement('canvas');
  copy.width = source.width;
  copy.height = source.height + titleHeight;
  const context = copy.getContext('2d');
  if (!context) throw new Error('canvas 2D context unavailable');
  context.fillStyle = palette.surface();
  context.fillRect(0, 0, copy.width, copy.height);
  context.fillStyle = palette.text();
  context.font = `bold ${Math.round(16 * scale)}px sans-serif`;
  context.textBaseline = 'middle';
  context.fillText(title, Math.round(8 * scale), titleHeight / 2, copy.width - 16 * scale);
  context.drawImage(source, 0, titleHeight);
  return copy;
}

/** Exported charts are drawn at this many device pixels per CSS pixel at least (print and papers). */
export const EXPORT_PIXEL_RATIO = 2;

/**
 * Saves the chart as PNG at ≥ 2× device pixels: chart.js redraws at the export ratio, the copy is taken, and the
 * chart goes back to the screen's ratio.
 */
async function exportChartPng<T extends ChartType>(
  chart: Chart<T>,
  canvas: HTMLCanvasElement,
  fileTitle: string,
  title: string,
): Promise<void> {
  const options = chart.options as { devicePixelRatio?: number };
  const screenRatio = options.devicePixelRatio;
  options.devicePixelRatio = Math.max(EXPORT_PIXEL_RATIO, window.devicePixelRatio || 1);
  chart.resize();
  let copy: HTMLCanvasElement;
  try {
    copy = exportCopy(canvas, title);
  } finally {
    options.devicePixelRatio = screenRatio;
    chart.resize();
  }
  await saveCanvasPng(`${slug(fileTitle)}.png`, copy);
}

export interface ChartPanel<T extends ChartType> {
  element: HTMLElement;
  chart: Chart<T>;
}

/**
 * A chart in a titled card with PNG export. Charts are created after the card is in the document
 * (chart.js needs a sized parent), so callers append `element` before the next animation frame.
 */
export function chartPanel<T extends ChartType>(
  title: string,
  config: ChartConfiguration<T>,
  options: {
    testId?: string;
    size?: 'small' | 'medium' | 'large' | 'square';
    caption?: string;
    /** More export formats beside PNG, e.g. the numbers behind the chart. */
    exports?: readonly ExportAction[];
    /** The exported PNG's title when it should say more than the card's, e.g. the model, the dataset and n. */
    exportTitle?: string;
  } = {},
): ChartPanel<T> {
  applyThemeDefaults();
  const canvas = el('canvas', { attrs: { role: 'img', 'aria-label': title } });
  const chart = new Chart(canvas, config);
  const element = el(
    'figure',
    {
      class: `panel chart-panel chart-${options.size ?? 'medium'}`,
      attrs: { 'data-testid': options.testId, 'aria-label': title },
    },
    el(
      'header',
      { class: 'panel-header' },
      el('h3', { text: title }),
      exportMenu(title, [
        {
          label: 'PNG',
          run: () => exportChartPng(chart, canvas, title, options.exportTitle ?? title),
        },
        ...(options.exports ?? []),
      ]),
    ),
    el('div', { class: 'chart-box' }, canvas),
    options.caption ? el('figcaption', { class: 'muted', text: options.caption }) : null,
  );
  return { element, chart };
}

/** Destroys every chart inside a subtree: views call this before replacing their content. */
export function destroyCharts(root: Element): void {
  for (const canvas of root.querySelectorAll('canvas')) Chart.getChart(canvas)?.destroy();
}
