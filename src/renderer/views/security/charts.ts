import type { SecurityReport } from '../../../shared/index.js';
import { chartPanel, palette } from '../../components/charts.js';
import { el } from '../../components/dom.js';

type Statistics = SecurityReport['plain'];
type Direction = keyof Statistics['correlation'];

export const DIRECTIONS: readonly { key: Direction; title: string }[] = [
  { key: 'horizontal', title: 'Horizontal' },
  { key: 'vertical', title: 'Vertical' },
  { key: 'diagonal', title: 'Diagonal' },
];

const GREY_LEVELS = Array.from({ length: 256 }, (_, level) => String(level));

export function histogramChart(
  title: string,
  histogram: readonly number[],
  colour: string,
  testId: string,
): HTMLElement {
  return chartPanel(
    title,
    {
      type: 'bar',
      data: {
        labels: GREY_LEVELS,
        datasets: [
          {
            label: 'pixels',
            data: [...histogram],
            backgroundColor: colour,
            barPercentage: 1,
            categoryPercentage: 1,
          },
        ],
      },
      options: {
        plugins: { legend: { display: false } },
        scales: {
          x: {
            title: { display: true, text: 'grey level' },
            // Ticks at multiples of 32 read as grey levels; chart.js's auto-skip picks 29, 58, …
            ticks: {
              autoSkip: false,
              maxRotation: 0,
              callback: (_value, index) => (index % 32 === 0 || index === 255 ? String(index) : null),
            },
            grid: { display: false },
          },
          y: { title: { display: true, text: 'pixels' }, beginAtZero: true },
        },
      },
    },
    { testId, size: 'small' },
  ).element;
}

export function scatterChart(
  title: string,
  pairs: { x: readonly number[]; y: readonly number[] },
  colour: string,
  testId: string,
): HTMLElement {
  const points = pairs.x.map((x, index) => ({ x, y: pairs.y[index] ?? 0 }));
  return chartPanel(
    title,
    {
      type: 'scatter',
      data: {
        datasets: [
          {
            label: 'adjacent pixel pairs',
            data: points,
            backgroundColor: colour,
            pointRadius: 1,
            pointHoverRadius: 2,
          },
        ],
      },
      options: {
        parsing: false,
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
        scales: {
          x: { type: 'linear', min: 0, max: 255, title: { display: true, text: 'pixel (x, y)' } },
          y: { type: 'linear', min: 0, max: 255, title: { display: true, text: 'neighbour' } },
        },
      },
    },
    { testId, size: 'square' },
  ).element;
}

/** Six scatter plots: plain on the first row, cipher on the second, one column per direction. */
export function correlationScatterGrid(report: SecurityReport): HTMLElement {
  const row = (which: 'plain' | 'encrypted', colour: string): HTMLElement =>
    el(
      'div',
      { class: 'columns-3' },
      ...DIRECTIONS.map(({ key, title }) =>
        scatterChart(
          `${which === 'plain' ? 'Plain' : 'Cipher'} ${title.toLowerCase()} r = ${report[which].correlation[key]?.toFixed(4) ?? 'undefined'}`,
          report[which].pairs[key],
          colour,
          `scatter-${which}-${key}`,
        ),
      ),
    );
  return el(
    'div',
    { class: 'scatter-grid' },
    row('plain', palette.plain()),
    row('encrypted', palette.cipher()),
  );
}
