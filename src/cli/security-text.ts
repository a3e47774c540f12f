import type { AggregateMetric, AggregateReport, PassRates, SecurityReport } from '../core/security/index.js';
import type { WuVerdict } from '../core/security/wu-test.js';
import { formatTable, wrapText } from './table.js';

// Text rendering of security reports for `cipherlens analyze`; the JSON form is the report itself.

const TEXT_COLUMNS = 110;
const fixed = (value: number | null | undefined, digits = 4): string =>
  value === null || value === undefined ? 'n/a' : value.toFixed(digits);
const probability = (p: number): string =>
  p === 0 ? '<1e-300' : p < 0.001 ? p.toExponential(1) : p.toFixed(3);
const verdictWord = (verdict: WuVerdict | undefined): string => {
  if (!verdict) return '';
  if (verdict.pass) return 'PASS';
  const failed = [verdict.npcrPass ? '' : 'NPCR', verdict.uaciPass ? '' : 'UACI'].filter(Boolean).join('+');
  return `FAIL ${failed}`;
};
const share = (fraction: number): string => `${(100 * fraction).toFixed(1)}%`;

export interface AnalyzedImage {
  file: string;
  source: { width: number; height: number; format: string };
  conversion: string[];
  report: SecurityReport;
}

function statisticsRows(report: SecurityReport): string[][] {
  const { plain, cipher, reference, settings } = report;
  const noiseBound = `0 ± ${(3 / (report.size - 1)).toFixed(4)}`;
  const rows: string[][] = [
    [
      'entropy (bits)',
      fixed(plain.entropy),
      fixed(cipher.entropy),
      `${fixed(reference.uniformEntropy)} (ideal 8)`,
    ],
    [
      `local entropy, ${cipher.blockEntropy.blocks} blocks ${settings.blockSize}×${settings.blockSize}`,
      fixed(plain.blockEntropy.mean),
      fixed(cipher.blockEntropy.mean),
      fixed(reference.uniformBlockEntropy),
    ],
    [
      'histogram χ² (255 dof)',
      plain.flatness.statistic.toFixed(1),
      cipher.flatness.statistic.toFixed(1),
      '255 (sd 22.6)',
    ],
    [
      '  p-value (flat if ≥ 0.05)',
      probability(plain.flatness.pValue),
      probability(cipher.flatness.pValue),
      '',
    ],
  ];
  for (const direction of ['horizontal', 'vertical', 'diagonal'] as const) {
    rows.push([
      `correlation ${direction}, all pairs`,
      fixed(plain.correlation[direction]),
      fixed(cipher.correlation[direction]),
      noiseBound,
    ]);
  }
  for (const direction of ['horizontal', 'vertical', 'diagonal'] as const) {
    const sampled = cipher.sampledCorrelation[direction];
    const label = sampled.exhaustive ? `all ${sampled.pairs} pairs` : `${sampled.pairs} random pairs`;
    rows.push([
      `correlation ${direction}, ${label}`,
      fixed(plain.sampledCorrelation[direction].coefficient),
      fixed(sampled.coefficient),
      `0 ± ${(3 / Math.sqrt(sampled.pairs)).toFixed(4)}`,
    ]);
  }
  rows.push(['mean grey level', plain.mean.toFixed(2), cipher.mean.toFixed(2), '127.50']);
  return rows;
}

function differentialRows(report: SecurityReport): string[][] {
  const { plaintextSensitivity: plaintext, keySensitivity: key, plainVsCipher } = report;
  const { row, col, from, to } = plaintext.changedPixel;
  return [
    [
      `plaintext: pixel row ${row} col ${col}, ${from}→${to}`,
      fixed(plaintext.npcrPercent),
      fixed(plaintext.uaciPercent),
      ...plaintext.wu.verdicts.map(verdictWord),
    ],
    [
      `key: bit ${key.flippedBit} flipped`,
      fixed(key.npcrPercent),
      fixed(key.uaciPercent),
      ...key.wu.verdicts.map(verdictWord),
    ],
    ['plain vs its cipher (not a test)', fixed(plainVsCipher.npcrPercent), fixed(plainVsCipher.uaciPercent)],
    [
      'ideal (independent uniform)',
      fixed(report.reference.idealNpcrPercent),
      fixed(report.reference.idealUaciPercent),
    ],
    ['Wu critical: NPCR ≥', '', '', ...report.reference.wuCritical.map((c) => fixed(c.npcrCriticalPercent))],
    [
      'Wu critical: UACI in',
      '',
      '',
      ...report.reference.wuCritical.map((c) => `${fixed(c.uaciLowerPercent)}–${fixed(c.uaciUpperPercent)}`),
    ],
  ];
}

export function renderImageReport(image: AnalyzedImage): string {
  const { report } = image;
  const alphas = report.reference.wuCritical.map((c) => `Wu α=${c.alpha}`);
  const lines = [
    `file        ${image.file}`,
    `source      ${image.source.format} ${image.source.width}×${image.source.height}` +
      (image.conversion.length ? `; ${image.conversion.join('; ')}` : '; no conversion'),
    `analysed    ${report.size}×${report.size} (${report.pixels} pixels), condition ${report.condition}, ` +
      `key ${report.keyFingerprint}`,
    '',
    ...formatTable(['statistic', 'plain', 'cipher', 'uniform noise'], statisticsRows(report), [
      'left',
      'right',
      'right',
      'right',
    ]),
    '',
    ...formatTable(['differential', 'NPCR %', 'UACI %', ...alphas], differentialRows(report), [
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
    ]),
    '',
    'notes',
    ...report.notes.flatMap((note) => wrapText(note, TEXT_COLUMNS, '  - ', 4)),
  ];
  return `${lines.join('\n')}\n`;
}

export const FOLDER_HEADER = [
  'file',
  'N',
  'H plain',
  'H cipher',
  'H noise',
  'r H',
  'r V',
  'r D',
  'χ² p',
  'key NPCR',
  'key UACI',
  'key (α=0.05)',
  'pt NPCR',
  'pt (α=0.05)',
];
export const FOLDER_ALIGN = FOLDER_HEADER.map((_, i) => (i === 0 ? 'left' : 'right') as 'left' | 'right');

export function folderRow(image: AnalyzedImage): string[] {
  const { report } = image;
  const { cipher } = report;
  return [
    image.file,
    String(report.size),
    fixed(report.plain.entropy),
    fixed(cipher.entropy),
    fixed(report.reference.uniformEntropy),
    fixed(cipher.correlation.horizontal),
    fixed(cipher.correlation.vertical),
    fixed(cipher.correlation.diagonal),
    probability(cipher.flatness.pValue),
    fixed(report.keySensitivity.npcrPercent),
    fixed(report.keySensitivity.uaciPercent),
    verdictWord(report.keySensitivity.wu.verdicts[0]),
    fixed(report.plaintextSensitivity.npcrPercent),
    verdictWord(report.plaintextSensitivity.wu.verdicts[0]),
  ];
}

const AGGREGATE_LABELS: [AggregateMetric, string][] = [
  ['plainEntropy', 'plain entropy (bits)'],
  ['cipherEntropy', 'cipher entropy (bits)'],
  ['uniformEntropy', 'uniform-noise expectation (bits)'],
  ['cipherBlockEntropy', 'cipher local entropy (bits)'],
  ['cipherFlatnessPValue', 'cipher histogram χ² p-value'],
  ['plainCorrelationHorizontal', 'plain correlation H'],
  ['plainCorrelationVertical', 'plain correlation V'],
  ['plainCorrelationDiagonal', 'plain correlation D'],
  ['cipherCorrelationHorizontal', 'cipher correlation H'],
  ['cipherCorrelationVertical', 'cipher correlation V'],
  ['cipherCorrelationDiagonal', 'cipher correlation D'],
  ['cipherSampledCorrelationHorizontal', 'cipher correlation H (sampled)'],
  ['cipherSampledCorrelationVertical', 'cipher correlation V (sampled)'],
  ['cipherSampledCorrelationDiagonal', 'cipher correlation D (sampled)'],
  ['keyNpcrPercent', 'key sensitivity NPCR %'],
  ['keyUaciPercent', 'key sensitivity UACI %'],
  ['plaintextNpcrPercent', 'plaintext sensitivity NPCR %'],
  ['plaintextUaciPercent', 'plaintext sensitivity UACI %'],
];

const rateCells = (rates: PassRates[], pick: (r: PassRates) => number): string[] =>
  rates.map((r) => share(pick(r)));

export function renderAggregate(aggregate: AggregateReport): string {
  const metricRows = AGGREGATE_LABELS.map(([name, label]) => {
    const summary = aggregate.metrics[name];
    return summary
      ? [label, fixed(summary.mean), fixed(summary.min), fixed(summary.max), String(summary.count)]
      : [label, 'n/a', 'n/a', 'n/a', '0'];
  });
  const alphas = aggregate.keySensitivityPassRates.map((r) => `α=${r.alpha}`);
  const key = aggregate.keySensitivityPassRates;
  const plaintext = aggregate.plaintextSensitivityPassRates;
  const lines = [
    `aggregate over ${aggregate.images} image${aggregate.images === 1 ? '' : 's'} ` +
      `(size${aggregate.sizes.length === 1 ? '' : 's'} ${aggregate.sizes.join(', ')}; ${aggregate.conditions.join(', ')})`,
    '',
    ...formatTable(['metric', 'mean', 'min', 'max', 'images'], metricRows, [
      'left',
      'right',
      'right',
      'right',
      'right',
    ]),
    '',
    ...formatTable(
      ['Wu test pass rate', ...alphas],
      [
        ['key sensitivity, NPCR and UACI', ...rateCells(key, (r) => r.both)],
        ['key sensitivity, NPCR only', ...rateCells(key, (r) => r.npcr)],
        ['key sensitivity, UACI only', ...rateCells(key, (r) => r.uaci)],
        ['plaintext sensitivity (fails by design)', ...rateCells(plaintext, (r) => r.both)],
      ],
      ['left', 'right', 'right', 'right'],
    ),
    '',
    `cipher histograms consistent with flat (χ², α=0.05): ${share(aggregate.cipherFlatRate)}`,
  ];
  return `${lines.join('\n')}\n`;
}
