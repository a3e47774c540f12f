import type { ConditionName, SecurityReport } from '../../shared/index.js';
import { CONDITION_LABELS, CONDITION_NAMES, DEFAULT_CONDITION_NAME } from '../../shared/index.js';
import type { AppContext, View } from '../app/context.js';
import { destroyCharts, palette } from '../components/charts.js';
import { dataTable } from '../components/dataTable.js';
import { button, el, field, formatNumber, replaceChildren, select } from '../components/dom.js';
import { emptyState, loading } from '../components/emptyState.js';
import { imageFigure } from '../components/figures.js';
import { describeError, reportError } from '../components/messages.js';
import { panel } from '../components/panel.js';
import { type PickedImage, sourcePicker } from '../components/sourcePicker.js';
import { inlineError, stat, viewHeader } from '../components/viewHeader.js';
import { correlationScatterGrid, DIRECTIONS, histogramChart } from './security/charts.js';
import { attacksPanel } from './security/attacks.js';
import { threatModelPanel } from './security/threatModel.js';
import {
  coefficient,
  changeDescription,
  percent,
  sensitivityRows,
  verdictCell,
  type RoundTrip,
  type Sensitivity,
  type SensitivityRow,
} from './security-state.js';

function sensitivityTable(report: SecurityReport): HTMLElement {
  return dataTable<SensitivityRow>({
    title: 'NPCR and UACI against Wu critical values',
    caption: `Ideal for 8-bit images: NPCR ${percent(report.idealNpcr)}, UACI ${percent(report.idealUaci)}. Critical values for ${report.size}×${report.size} (Wu, Noonan & Agaian 2011).`,
    rows: sensitivityRows(report),
    testId: 'npcr-table',
    columns: [
      { label: 'Test', value: (r) => r.test },
      { label: 'α', value: (r) => r.critical.alpha, numeric: true },
      { label: 'NPCR', value: (r) => r.npcr, format: (r) => percent(r.npcr), numeric: true },
      {
        label: 'NPCR* (critical)',
        value: (r) => r.critical.npcrCritical,
        format: (r) => percent(r.critical.npcrCritical),
        numeric: true,
      },
      {
        label: 'NPCR verdict',
        value: (r) => verdictCell(r.critical.npcrPass),
        cellClass: (r) => verdictCell(r.critical.npcrPass),
      },
      { label: 'UACI', value: (r) => r.uaci, format: (r) => percent(r.uaci), numeric: true },
      {
        label: 'UACI interval',
        value: (r) => `${r.critical.uaciLow}–${r.critical.uaciHigh}`,
        format: (r) => `${r.critical.uaciLow.toFixed(4)}–${r.critical.uaciHigh.toFixed(4)}%`,
        numeric: true,
      },
      {
        label: 'UACI verdict',
        value: (r) => verdictCell(r.critical.uaciPass),
        cellClass: (r) => verdictCell(r.critical.uaciPass),
      },
    ],
  });
}

function correlationTable(report: SecurityReport): HTMLElement {
  return dataTable({
    title: 'Adjacent-pixel correlation',
    caption: `Natural images correlate strongly (close to 1); a good cipher image is close to 0. "All pairs" uses every adjacent pair; "sampled" uses random pairs, as most papers report.`,
    rows: DIRECTIONS,
    testId: 'correlation-table',
    columns: [
      { label: 'Direction', value: (d) => d.title },
      {
        label: 'Plain, all pairs',
        value: (d) => report.plain.correlation[d.key],
        format: (d) => coefficient(report.plain.correlation[d.key]),
        numeric: true,
      },
      {
        label: 'Cipher, all pairs',
        value: (d) => report.encrypted.correlation[d.key],
        format: (d) => coefficient(report.encrypted.correlation[d.key]),
        numeric: true,
      },
      {
        label: 'Plain, sampled',
        value: (d) => report.plain.sampledCorrelation[d.key].coefficient,
        format: (d) => coefficient(report.plain.sampledCorrelation[d.key].coefficient),
        numeric: true,
      },
      {
        label: 'Cipher, sampled',
        value: (d) => report.encrypted.sampledCorrelation[d.key].coefficient,
        format: (d) => coefficient(report.encrypted.sampledCorrelation[d.key].coefficient),
        numeric: true,
      },
      {
        label: 'Pairs sampled',
        value: (d) => report.encrypted.sampledCorrelation[d.key].pairs,
        numeric: true,
      },
    ],
  });
}

function flatnessTable(report: SecurityReport): HTMLElement {
  const rows = [
    { image: 'Plain', stats: report.plain },
    { image: 'Cipher', stats: report.encrypted },
  ];
  return dataTable({
    title: 'Entropy and histogram flatness',
    caption: `χ² test of a flat histogram (${report.encrypted.flatness.degreesOfFreedom} degrees of freedom). Block entropy over ${report.encrypted.blockEntropy.blockSize}×${report.encrypted.blockEntropy.blockSize} blocks; uniform noise would give ${report.uniformBlockEntropyExpectation.toFixed(4)}.`,
    rows,
    testId: 'flatness-table',
    columns: [
      { label: 'Image', value: (r) => r.image },
      {
        label: 'Entropy (bits)',
        value: (r) => r.stats.entropy,
        format: (r) => formatNumber(r.stats.entropy),
        numeric: true,
      },
      {
        label: 'Block entropy, mean',
        value: (r) => r.stats.blockEntropy.mean,
        format: (r) => formatNumber(r.stats.blockEntropy.mean),
        numeric: true,
      },
      {
        label: 'χ²',
        value: (r) => r.stats.flatness.statistic,
        format: (r) => r.stats.flatness.statistic.toFixed(1),
        numeric: true,
      },
      {
        label: 'p-value',
        value: (r) => r.stats.flatness.pValue,
        format: (r) => r.stats.flatness.pValue.toPrecision(3),
        numeric: true,
      },
      {
        label: `Flat at α = ${report.encrypted.flatness.alpha}`,
        value: (r) => r.stats.flatness.flat,
        format: (r) => (r.stats.flatness.flat ? 'yes' : 'no'),
        cellClass: (r) => (r.stats.flatness.flat ? 'pass' : 'fail'),
      },
    ],
  });
}

function verdictBlock(title: string, sensitivity: Sensitivity): HTMLElement {
  return el(
    'div',
    {
      class: 'verdict-block',
      attrs: { 'data-testid': `verdict-${title.toLowerCase().replace(/\s+/g, '-')}` },
    },
    el(
      'h4',
      {},
      `${title}: `,
      el('span', {
        class: `verdict ${sensitivity.pass ? 'verdict-pass' : 'verdict-fail'}`,
        text: sensitivity.pass ? 'PASS' : 'FAIL',
      }),
      el('span', { class: 'muted', text: ' (Wu test, α = 0.05)' }),
    ),
    el('p', { text: sensitivity.verdict }),
    el('p', {
      class: 'muted',
      text: `${changeDescription(sensitivity)} · NPCR ${percent(sensitivity.npcr)} (p = ${sensitivity.npcrPValue.toPrecision(3)}) · UACI ${percent(sensitivity.uaci)} (p = ${sensitivity.uaciPValue.toPrecision(3)}) · ${sensitivity.changedPixels} cipher pixels changed`,
    }),
  );
}

/** Plain, cipher and decrypted images, and whether decryption gave back the plain bytes exactly. */
function imagesPanel(report: SecurityReport, roundTrip: RoundTrip): HTMLElement {
  return panel('Images', [
    el(
      'div',
      { class: 'result-images' },
      imageFigure(report.images.plain, 'plain', 'large'),
      imageFigure(report.images.encrypted, `cipher (${CONDITION_LABELS[report.condition]})`, 'large'),
      imageFigure(roundTrip.decrypted, 'decrypted again', 'large'),
    ),
    el(
      'p',
      { attrs: { 'data-testid': 'round-trip' } },
      roundTrip.roundTripExact
        ? el('span', { class: 'badge badge-ok', text: 'Round trip exact: decrypt(encrypt(image)) = image' })
        : el('span', { class: 'badge badge-bad', text: 'Round trip NOT exact' }),
      ` ${report.size}×${report.size} pixels · key ${report.keyFingerprint}`,
    ),
  ]);
}

function renderReport(report: SecurityReport, roundTrip: RoundTrip): HTMLElement[] {
  return [
    imagesPanel(report, roundTrip),
    el(
      'div',
      { class: 'stat-row', attrs: { 'data-testid': 'entropy' } },
      stat('Entropy, plain', `${report.plain.entropy.toFixed(4)} bits`, 'of 8 possible', 'entropy-plain'),
      stat(
        'Entropy, cipher',
        `${report.encrypted.entropy.toFixed(4)} bits`,
        `uniform noise of this size: ${report.uniformEntropyExpectation.toFixed(4)}`,
        'entropy-cipher',
      ),
      stat(
        'Uniform-noise expectation',
        `${report.uniformEntropyExpectation.toFixed(4)} bits`,
        'sample entropy is biased below 8 on small images',
      ),
      stat(
        'Plain → cipher change',
        `NPCR ${report.plainVsCipher.npcr.toFixed(2)}%`,
        `UACI ${report.plainVsCipher.uaci.toFixed(2)}% (a description, not a test)`,
      ),
    ),
    el(
      'div',
      { class: 'columns' },
      histogramChart('Histogram, plain', report.plain.histogram, palette.plain(), 'histogram-plain'),
      histogramChart('Histogram, cipher', report.encrypted.histogram, palette.cipher(), 'histogram-cipher'),
    ),
    panel('Adjacent-pixel pairs', [correlationScatterGrid(report)], {
      subtitle:
        'Each dot is a pixel and its right, lower or lower-right neighbour. Plain images line up on the diagonal; cipher images fill the square.',
      testId: 'scatter-panel',
    }),
    correlationTable(report),
    flatnessTable(report),
    panel(
      'Differential analysis',
      [
        el(
          'div',
          { class: 'columns' },
          verdictBlock('Key sensitivity', report.keySensitivity),
          verdictBlock('Plaintext sensitivity', report.plaintextSensitivity),
        ),
      ],
      { testId: 'sensitivity-verdicts' },
    ),
    sensitivityTable(report),
    report.notes.length > 0
      ? panel(
          'Notes',
          [el('ul', { class: 'threat-list' }, ...report.notes.map((note) => el('li', { text: note })))],
          { testId: 'security-notes' },
        )
      : el('span'),
  ];
}

export function createSecurityView(context: AppContext): View {
  let picked: PickedImage | null = null;
  let condition: ConditionName = DEFAULT_CONDITION_NAME;
  let sequence = 0;
  const output = el('div', { class: 'security-output', attrs: { 'data-testid': 'security-output' } });

  const analyze = async (): Promise<void> => {
    if (!picked) {
      reportError('Upload an image or pick one from the library first.', 'No image to analyse');
      return;
    }
    const current = picked;
    const run = ++sequence;
    destroyCharts(output);
    replaceChildren(output, loading('Encrypting, flipping key bits and pixels, measuring…'));
    try {
      const [report, roundTrip] = await Promise.all([
        context.api.securityAnalyze({ source: current.source, condition }),
        context.api.previewCipher({ source: current.source, condition }),
      ]);
      if (run !== sequence) return;
      destroyCharts(output);
      replaceChildren(output, ...renderReport(report, roundTrip));
    } catch (error) {
      if (run === sequence)
        replaceChildren(output, inlineError(`Security analysis failed: ${describeError(error)}`));
    }
  };

  const picker = sourcePicker(
    context.api,
    (image) => {
      picked = image;
      void analyze();
    },
    'security-source',
  );
  replaceChildren(
    output,
    emptyState(
      'No analysis yet',
      'Choose an image: its plain and cipher versions are compared pixel by pixel.',
    ),
  );

  const element = el(
    'section',
    { attrs: { 'aria-label': 'Security' } },
    viewHeader(
      'Security analysis',
      'How the cipher image differs from the plain one — histogram, neighbour correlation, entropy — and how much it changes when one key bit or one pixel changes (NPCR/UACI).',
    ),
    panel('Image and condition', [
      picker.element,
      el(
        'div',
        { class: 'toolbar' },
        field(
          'Encryption condition',
          select<ConditionName>(
            CONDITION_NAMES.map((value) => ({ value, label: CONDITION_LABELS[value] })),
            condition,
            (value) => {
              condition = value;
              if (picked) void analyze();
            },
            'security-condition',
          ),
        ),
        button('Analyse', () => void analyze(), { class: 'btn btn-primary', testId: 'security-run' }),
      ),
    ]),
    output,
    attacksPanel(context),
    threatModelPanel(),
  );

  return {
    element,
    show: (params) => {
      if (!params.itemId) return;
      void picker.setItem(params.itemId);
    },
  };
}
