/**
 * Small SVG chart builders for the generated study report. SVG is rendered to PNG by sharp (librsvg), so report
 * generation needs no browser and no canvas package.
 */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function frame(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}

const text = (x: number, y: number, content: string, attributes = ''): string =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`;

export interface GroupedBars {
  title: string;
  groups: string[];
  series: { name: string; values: (number | null)[] }[];
  yMin: number;
  yMax: number;
  yLabel: string;
}

/** Grouped bar chart; a missing value (null) is drawn as a hatched "n/a" slot, never as zero. */
export function groupedBarChart(spec: GroupedBars): string {
  const width = 860;
  const height = 420;
  const left = 70;
  const right = 170;
  const top = 50;
  const bottom = 60;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const y = (v: number): number =>
    top +
    plotHeight -
    ((Math.min(Math.max(v, spec.yMin), spec.yMax) - spec.yMin) / (spec.yMax - spec.yMin)) * plotHeight;
  const body: string[] = [
    text(width / 2, 28, spec.title, 'font-size="18" text-anchor="middle" font-weight="bold"'),
  ];
  for (let i = 0; i <= 5; i++) {
    const v = spec.yMin + ((spec.yMax - spec.yMin) * i) / 5;
    body.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#dddddd"/>`);
    body.push(text(left - 8, y(v) + 4, v.toFixed(3), 'font-size="11" text-anchor="end"'));
  }
  body.push(
    text(
      18,
      top + plotHeight / 2,
      spec.yLabel,
      `font-size="12" text-anchor="middle" transform="rotate(-90 18 ${top + plotHeight / 2})"`,
    ),
  );
  const groupWidth = plotWidth / spec.groups.length;
  const barWidth = (groupWidth * 0.8) / spec.series.length;
  spec.groups.forEach((group, g) => {
    const x0 = left + g * groupWidth + groupWidth * 0.1;
    body.push(
      text(x0 + groupWidth * 0.4, top + plotHeight + 20, group, 'font-size="13" text-anchor="middle"'),
    );
    spec.series.forEach((series, s) => {
      const value = series.values[g];
      const x = x0 + s * barWidth;
      if (value === null || value === undefined) {
        body.push(
          `<rect x="${x}" y="${top + plotHeight - 30}" width="${barWidth - 2}" height="30" fill="none" stroke="#999" stroke-dasharray="3,2"/>`,
        );
        body.push(
          text(
            x + barWidth / 2,
            top + plotHeight - 35,
            'n/a',
            'font-size="9" text-anchor="middle" fill="#999"',
          ),
        );
        return;
      }
      const yTop = y(value);
      body.push(
        `<rect x="${x}" y="${yTop}" width="${barWidth - 2}" height="${top + plotHeight - yTop}" fill="${PALETTE[s % PALETTE.length]}"/>`,
      );
    });
  });
  body.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#333"/>`);
  spec.series.forEach((series, s) => {
    const ly = top + 10 + s * 22;
    body.push(
      `<rect x="${width - right + 20}" y="${ly - 11}" width="14" height="14" fill="${PALETTE[s % PALETTE.length]}"/>`,
    );
    body.push(text(width - right + 40, ly, series.name, 'font-size="13"'));
  });
  return frame(width, height, body);
}

/** Confusion-matrix heat map with counts in each cell. Rows = true class, columns = predicted class. */
export function confusionHeatmap(title: string, labels: string[], matrix: number[][]): string {
  const cell = Math.max(36, Math.min(60, Math.floor(480 / labels.length)));
  const left = 120;
  const top = 70;
  const size = cell * labels.length;
  const width = left + size + 30;
  const height = top + size + 90;
  const max = Math.max(1, ...matrix.flat());
  const body: string[] = [
    text(width / 2, 28, title, 'font-size="16" text-anchor="middle" font-weight="bold"'),
  ];
  matrix.forEach((row, r) => {
    const rowTotal = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, c) => {
      // Colour by row-normalised rate so small classes are as visible as large ones.
      const intensity = count / rowTotal;
      const shade = Math.round(255 - intensity * 200);
      body.push(
        `<rect x="${left + c * cell}" y="${top + r * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#ffffff"/>`,
      );
      body.push(
        text(
          left + c * cell + cell / 2,
          top + r * cell + cell / 2 + 4,
          String(count),
          `font-size="${cell > 45 ? 12 : 10}" text-anchor="middle" fill="${intensity > 0.6 ? '#ffffff' : '#000000'}"`,
        ),
      );
    });
  });
  labels.forEach((label, i) => {
    body.push(text(left - 6, top + i * cell + cell / 2 + 4, label, 'font-size="11" text-anchor="end"'));
    const x = left + i * cell + cell / 2;
    const yLabel = top + size + 12;
    body.push(
      text(x, yLabel, label, `font-size="11" text-anchor="end" transform="rotate(-45 ${x} ${yLabel})"`),
    );
  });
  body.push(
    text(left + size / 2, height - 8, `predicted (max cell ${max})`, 'font-size="12" text-anchor="middle"'),
  );
  body.push(
    text(
      16,
      top + size / 2,
      'true',
      `font-size="12" text-anchor="middle" transform="rotate(-90 16 ${top + size / 2})"`,
    ),
  );
  return frame(width, height, body);
}

/** Two 256-bin histograms side by side (plain vs cipher). */
export function histogramPair(title: string, plain: number[], cipher: number[]): string {
  const width = 860;
  const height = 300;
  const panel = (x0: number, label: string, counts: number[], colour: string): string[] => {
    const max = Math.max(1, ...counts);
    const w = 380;
    const h = 200;
    const out = [text(x0 + w / 2, 60, label, 'font-size="13" text-anchor="middle"')];
    counts.forEach((count, i) => {
      const barHeight = (count / max) * h;
      out.push(
        `<rect x="${(x0 + (i * w) / 256).toFixed(2)}" y="${(70 + h - barHeight).toFixed(2)}" width="${(w / 256).toFixed(2)}" height="${barHeight.toFixed(2)}" fill="${colour}"/>`,
      );
    });
    out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${70 + h}" y2="${70 + h}" stroke="#333"/>`);
    out.push(
      text(x0, 70 + h + 16, '0', 'font-size="10"'),
      text(x0 + w, 70 + h + 16, '255', 'font-size="10" text-anchor="end"'),
    );
    return out;
  };
  return frame(width, height, [
    text(width / 2, 26, title, 'font-size="16" text-anchor="middle" font-weight="bold"'),
    ...panel(30, 'plain', plain, '#1f77b4'),
    ...panel(450, 'cipher', cipher, '#d62728'),
  ]);
}

/** Adjacent-pixel scatter plots (value at p vs its neighbour), one panel per (image, direction). */
export function correlationScatter(
  title: string,
  panels: { label: string; pairs: [number, number][]; coefficient: number | null }[],
): string {
  const size = 190;
  const gap = 30;
  const width = panels.length * (size + gap) + gap;
  const height = size + 110;
  const body: string[] = [
    text(width / 2, 26, title, 'font-size="16" text-anchor="middle" font-weight="bold"'),
  ];
  panels.forEach((panel, p) => {
    const x0 = gap + p * (size + gap);
    const y0 = 55;
    body.push(`<rect x="${x0}" y="${y0}" width="${size}" height="${size}" fill="none" stroke="#333"/>`);
    for (const [a, b] of panel.pairs) {
      body.push(
        `<circle cx="${(x0 + (a / 255) * size).toFixed(1)}" cy="${(y0 + size - (b / 255) * size).toFixed(1)}" r="1.2" fill="#1f77b4" fill-opacity="0.5"/>`,
      );
    }
    const r = panel.coefficient === null ? 'n/a' : panel.coefficient.toFixed(4);
    body.push(
      text(x0 + size / 2, y0 + size + 18, `${panel.label}  r = ${r}`, 'font-size="12" text-anchor="middle"'),
    );
  });
  return frame(width, height, body);
}
