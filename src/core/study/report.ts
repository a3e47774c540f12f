import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  CONDITION_REGISTRY,
  DEFAULT_CONDITION,
  STUDY_CONDITIONS,
  type Condition,
} from '../crypto/condition.js';
import { accuracyInterval, confusionTotal } from '../evaluation/classification-metrics.js';
import { writeFileAtomic } from '../fs/atomic.js';
import {
  DEFAULT_STUDY_BUDGET_NAME,
  STUDY_ARCHITECTURES,
  STUDY_BUDGETS,
  STUDY_BUDGET_NAMES,
  STUDY_DATASETS,
  STUDY_GRID_CONDITIONS,
  TRANSFORMED_STUDY_ARCHITECTURES,
  budgetName,
  configurationLabel,
  describeBudget,
  studyConfigurations,
  type StudyArchitecture,
  type StudyBudgetName,
  type StudyDataset,
} from './configurations.js';
import { formatP, lookupFor, pairedTests, testedCount, verdictOf, type Lookup } from './paired.js';
import type { StudyResult } from './results.js';
import { securityResultPath, type SecurityStudyResult } from './security-study.js';
import { confusionHeatmap, correlationScatter, groupedBarChart, histogramPair } from './svg-charts.js';

/** The published figures (encrypted images, the paper's DCNN). */
export const PAPER = {
  mednist: { weightedF1: 0.9917, mAP: 0.9834 },
  mnist: { weightedF1: 0.9408, mAP: 0.9127 },
} as const;

interface Metric {
  key: string;
  title: string;
  value: (r: StudyResult) => number;
}

const METRICS: Metric[] = [
  { key: 'weighted-f1', title: 'Weighted F1 (test)', value: (r) => r.classification.weightedF1 },
  { key: 'accuracy', title: 'Accuracy (test)', value: (r) => r.classification.accuracy },
  { key: 'macro-f1', title: 'Macro F1 (test)', value: (r) => r.classification.macroF1 },
  {
    key: 'map-test-train',
    title: 'mAP, test queries vs train database',
    value: (r) => r.retrieval.testToTrain.mAP,
  },
  {
    key: 'map-test-test',
    title: 'mAP, test vs test (leave-one-out)',
    value: (r) => r.retrieval.testToTest.mAP,
  },
  {
    key: 'p-at-10',
    title: 'Precision@10, test vs train',
    value: (r) => r.retrieval.testToTrain.precisionAt10,
  },
];

const fmt = (v: number | undefined): string =>
  v === undefined || Number.isNaN(v) ? 'missing' : v.toFixed(4);

function metricTable(
  dataset: StudyDataset,
  metric: Metric,
  lookup: Lookup,
  conditions: readonly Condition[],
): string[] {
  const lines = [
    `| architecture | ${conditions.join(' | ')} |`,
    `| --- | ${conditions.map(() => '---:').join(' | ')} |`,
  ];
  for (const architecture of STUDY_ARCHITECTURES) {
    const cells = conditions.map((condition) => {
      const r = lookup(dataset, architecture, condition);
      return r ? fmt(metric.value(r)) : 'missing';
    });
    lines.push(`| ${architecture} | ${cells.join(' | ')} |`);
  }
  for (const architecture of TRANSFORMED_STUDY_ARCHITECTURES) {
    const cells = conditions.map((condition) => {
      if (condition !== DEFAULT_CONDITION) return '—';
      const r = lookup(dataset, architecture, condition, 'key-transform');
      return r ? fmt(metric.value(r)) : 'missing';
    });
    lines.push(`| ${architecture}, plain model key-transformed | ${cells.join(' | ')} |`);
  }
  return lines;
}

const formatDuration = (seconds: number): string =>
  seconds >= 3600
    ? `${(seconds / 3600).toFixed(1)} h`
    : seconds >= 60
      ? `${(seconds / 60).toFixed(1)} min`
      : `${seconds.toFixed(0)} s`;

/** Budget, hardware and time of every stored run: what each number in the tables cost and where it ran. */
function runsTable(results: StudyResult[]): string[] {
  const rows = [...results].sort(
    (a, b) =>
      (budgetName(a.configuration.budget) ?? '').localeCompare(budgetName(b.configuration.budget) ?? '') ||
      configurationLabel(a.configuration).localeCompare(configurationLabel(b.configuration)),
  );
  return [
    '| configuration | budget | epochs run | training | evaluation | device | hardware | finished |',
    '| --- | --- | ---: | ---: | ---: | --- | --- | --- |',
    ...rows.map((r) => {
      const t = r.training;
      const transformed = r.configuration.derivation === 'key-transform';
      return `| ${configurationLabel(r.configuration)} | ${budgetName(r.configuration.budget) ?? 'other'} | ${t.epochsRun ?? 'n/a'} | ${formatDuration(t.durationSeconds)}${transformed ? ' (its plain source)' : ''} | ${formatDuration(r.evaluationSeconds)} | ${t.device} | ${r.hardware.cpu.replace(/\|/g, '/')} × ${r.hardware.cores} | ${r.createdAt.slice(0, 16).replace('T', ' ')} |`;
    }),
  ];
}

/** Observations computed from the numbers, so the discussion can never disagree with the tables. */
function observations(dataset: StudyDataset, lookup: Lookup, conditions: readonly Condition[]): string[] {
  const out: string[] = [];
  const f1 = (a: StudyArchitecture, c: Condition): number | undefined =>
    lookup(dataset, a, c)?.classification.weightedF1;
  for (const architecture of STUDY_ARCHITECTURES) {
    const plain = f1(architecture, 'plain');
    if (plain === undefined) continue;
    const parts = conditions
      .filter((c) => c !== 'plain')
      .map((c) => {
        const v = f1(architecture, c);
        return v === undefined
          ? `${c}: missing`
          : `${c} ${v - plain >= 0 ? '+' : ''}${(v - plain).toFixed(4)}`;
      });
    out.push(
      `- **${architecture}**: weighted F1 ${plain.toFixed(4)} on plain images; change under ${parts.join(', ')}.`,
    );
  }
  // What a stronger permutation costs: each extra permuting condition of the grid against the Arnold one with the
  // same XOR (uniform+xor against arnold+xor), architecture by architecture.
  for (const extra of conditions.filter((c) => !STUDY_CONDITIONS.includes(c))) {
    const baseline = CONDITION_REGISTRY[extra].xor ? DEFAULT_CONDITION : 'arnold';
    const parts = STUDY_ARCHITECTURES.flatMap((architecture) => {
      const v = f1(architecture, extra);
      const b = f1(architecture, baseline);
      if (v === undefined || b === undefined) return [];
      return [
        `${architecture} ${v.toFixed(4)} vs ${b.toFixed(4)} (${v - b >= 0 ? '+' : ''}${(v - b).toFixed(4)})`,
      ];
    });
    if (parts.length > 0) {
      out.push(`- **${extra} against ${baseline}**, weighted F1: ${parts.join('; ')}.`);
    }
  }
  for (const architecture of TRANSFORMED_STUDY_ARCHITECTURES) {
    const transformed = lookup(dataset, architecture, DEFAULT_CONDITION, 'key-transform');
    const plain = lookup(dataset, architecture, 'plain');
    const trained = lookup(dataset, architecture, DEFAULT_CONDITION);
    if (!transformed || !plain) continue;
    const t = transformed.classification.weightedF1;
    const versus = (r: StudyResult | undefined, what: string): string =>
      r ? `${what} ${r.classification.weightedF1.toFixed(4)}` : `${what}: missing`;
    out.push(
      `- **${architecture}, key-transformed**: weighted F1 ${t.toFixed(4)} on ${DEFAULT_CONDITION} images without ever training on them (${versus(plain, 'its plain source on plain images')}; ${versus(trained, `trained on ${DEFAULT_CONDITION}`)}).`,
    );
  }
  let best: { architecture: StudyArchitecture; value: number } | null = null;
  for (const architecture of STUDY_ARCHITECTURES) {
    const v = f1(architecture, DEFAULT_CONDITION);
    if (v !== undefined && (!best || v > best.value)) best = { architecture, value: v };
  }
  if (best) {
    const paper = PAPER[dataset].weightedF1;
    const finished = STUDY_ARCHITECTURES.filter((a) => f1(a, DEFAULT_CONDITION) !== undefined).length;
    const among =
      finished === STUDY_ARCHITECTURES.length
        ? ''
        : ` of the ${finished} of ${STUDY_ARCHITECTURES.length} architectures finished so far`;
    out.push(
      `- Best encrypted (${DEFAULT_CONDITION}) model${among}: **${best.architecture}**, weighted F1 ${best.value.toFixed(4)} vs the paper's ${paper} (${best.value >= paper ? 'above' : 'below'} by ${Math.abs(best.value - paper).toFixed(4)}).`,
    );
    const resolution = testResolution(
      lookup(dataset, best.architecture, DEFAULT_CONDITION)!,
      lookup,
      dataset,
      conditions,
    );
    if (resolution) out.push(resolution);
  }
  return out;
}

/**
 * How finely the test split tells cells apart: its size, and the 95 % Wilson interval of the best encrypted
 * model's accuracy and of the table's lowest accuracy. Gaps between cells below these half-widths are not
 * resolved. The bound is unpaired; every cell uses the same test images, so the paired tests (pairedTests) are
 * sharper where both results keep their per-image outcomes.
 */
function testResolution(
  best: StudyResult,
  lookup: Lookup,
  dataset: StudyDataset,
  conditions: readonly Condition[],
): string | null {
  const cells = STUDY_ARCHITECTURES.flatMap((a) => conditions.map((c) => lookup(dataset, a, c))).filter(
    (r): r is StudyResult => r !== undefined,
  );
  const worst = cells.reduce(
    (low, r) => (r.classification.accuracy < low.classification.accuracy ? r : low),
    best,
  );
  const describe = (r: StudyResult): string => {
    const { low, high } = accuracyInterval(r.classification.confusionMatrix)!;
    return `${r.configuration.architecture} on ${r.configuration.condition}, accuracy ${r.classification.accuracy.toFixed(4)}: ${low.toFixed(4)}–${high.toFixed(4)}`;
  };
  const n = testImages(best);
  if (n === 0) return null;
  const intervals = worst === best ? describe(best) : `${describe(best)}; ${describe(worst)}`;
  return `- **Accuracy intervals**: ${n.toLocaleString('en-US')} test images, so one image is ${(1 / n).toFixed(5)} of accuracy. 95 % Wilson intervals (the best encrypted model above and the lowest cell): ${intervals}. They are unpaired, so they do not say which gaps between cells are real: the paired tests below compare cells image by image.`;
}

const testImages = (r: StudyResult): number => confusionTotal(r.classification.confusionMatrix);

/** The paired tests of one dataset's table (paired.ts) as markdown. */
function pairedTestsMarkdown(
  dataset: StudyDataset,
  lookup: Lookup,
  conditions: readonly Condition[],
): string[] {
  const tests = pairedTests(dataset, lookup, conditions);
  const tested = testedCount(tests);
  if (tested === 0) return [];
  const resolved = tests.filter((t) => typeof t.outcome !== 'string' && t.outcome.significant);
  const names = resolved.map((t) => `${t.architecture} ${t.a} → ${t.b}`).join('; ');
  const summary =
    resolved.length === 0
      ? `None of the ${tested} gaps tested is resolved by this test split.`
      : resolved.length === tested
        ? `All ${tested} gaps tested are resolved by this test split: ${names}.`
        : `${resolved.length} of the ${tested} gaps tested are resolved by this test split: ${names}. The others are not.`;
  return [
    `#### Paired tests: which gaps the test split resolves`,
    '',
    `McNemar's exact test on the same test images: only images right under one configuration and wrong under the other count. p is two-sided; "Holm" marks the gaps significant at α = 0.05 after Holm's correction over the ${tested} comparisons of this table. "missing": a configuration has not finished; "no per-image outcomes": a result stored before they were kept (\`cipherlens study outcomes\` adds them); "different test images": the two outcomes are about different test splits or orders and cannot be paired.`,
    '',
    summary,
    '',
    '| architecture | A | B | accuracy A → B | right only under A / only under B | p | Holm, α = 0.05 |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
    ...tests.map(({ architecture, a, b, resultA, resultB, outcome }) => {
      const accuracy =
        resultA && resultB
          ? `${resultA.classification.accuracy.toFixed(4)} → ${resultB.classification.accuracy.toFixed(4)}`
          : '—';
      const head = `| ${architecture} | ${a} | ${b} | ${accuracy} |`;
      if (typeof outcome === 'string') return `${head} ${outcome} | — | — |`;
      const verdict = verdictOf(outcome) === 'significant' ? '**significant**' : verdictOf(outcome);
      return `${head} ${outcome.onlyA} / ${outcome.onlyB} | ${formatP(outcome.p)} | ${verdict} |`;
    }),
    '',
  ];
}

/** How much of each architecture's score is budget: the lead budget against another, cell by cell. */
function budgetComparison(
  dataset: StudyDataset,
  lead: Lookup,
  leadName: string,
  other: Lookup,
  otherName: string,
): string[] {
  const out: string[] = [];
  for (const architecture of STUDY_ARCHITECTURES) {
    const parts = STUDY_CONDITIONS.flatMap((c) => {
      const a = lead(dataset, architecture, c)?.classification.weightedF1;
      const b = other(dataset, architecture, c)?.classification.weightedF1;
      if (a === undefined || b === undefined) return [];
      return [`${c} ${b.toFixed(4)} → ${a.toFixed(4)}`];
    });
    if (parts.length > 0) {
      out.push(`- **${architecture}**, weighted F1 ${otherName} → ${leadName} budget: ${parts.join(', ')}.`);
    }
  }
  return out;
}

async function writePng(svg: string, path: string): Promise<void> {
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  await writeFileAtomic(path, png);
}

async function readSecurity(resultsDir: string, dataset: StudyDataset): Promise<SecurityStudyResult | null> {
  try {
    return JSON.parse(await readFile(securityResultPath(resultsDir, dataset), 'utf8')) as SecurityStudyResult;
  } catch {
    return null;
  }
}

const zipPairs = (s: { x: number[]; y: number[] }): [number, number][] => s.x.map((x, i) => [x, s.y[i] ?? 0]);

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function securitySection(security: SecurityStudyResult, plotPrefix: string): string[] {
  const lines = [
    `#### Security statistics, ${security.dataset} (${security.sample.size} test images per condition, ${security.imageSize}×${security.imageSize}, key ${security.keyFingerprint})`,
    '',
    '| condition | entropy plain | entropy cipher | uniform-noise expectation | corr H / V / D (cipher, all pairs) | χ² flat (α=0.05) | key sens. NPCR+UACI pass α=0.05 / 0.01 / 0.001 | plaintext sens. NPCR (mean) | plaintext sens. pass α=0.05 |',
    '| --- | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: |',
  ];
  for (const { condition, aggregate } of security.conditions) {
    const m = aggregate.metrics;
    const mean = (name: keyof typeof m): string => (m[name] ? m[name].mean.toFixed(4) : 'n/a');
    const key = aggregate.keySensitivityPassRates.map((p) => pct(p.both)).join(' / ');
    const plainPass = aggregate.plaintextSensitivityPassRates.find((p) => p.alpha === 0.05);
    lines.push(
      `| ${condition} | ${mean('plainEntropy')} | ${mean('cipherEntropy')} | ${mean('uniformEntropy')} | ${mean('cipherCorrelationHorizontal')} / ${mean('cipherCorrelationVertical')} / ${mean('cipherCorrelationDiagonal')} | ${pct(aggregate.cipherFlatRate)} | ${key} | ${m.plaintextNpcrPercent ? `${m.plaintextNpcrPercent.mean.toFixed(4)}%` : 'n/a'} | ${plainPass ? pct(plainPass.both) : 'n/a'} |`,
    );
  }
  lines.push(
    '',
    `![Histograms](study/${plotPrefix}-histograms.png)`,
    '',
    `![Correlation scatter](study/${plotPrefix}-scatter.png)`,
    '',
  );
  return lines;
}

export interface ReportOptions {
  results: StudyResult[];
  problems: string[];
  resultsDir: string;
  docsDir: string;
  /** The budget the tables and charts show (default the full one); the others get a comparison table. */
  lead?: StudyBudgetName;
  command: string;
}

/** Writes docs/study.md and docs/study/*.png from the stored results; returns the Markdown path. */
export async function writeStudyReport(options: ReportOptions): Promise<string> {
  const { results, docsDir } = options;
  const leadName = options.lead ?? DEFAULT_STUDY_BUDGET_NAME;
  const b = STUDY_BUDGETS[leadName];
  const lookup = lookupFor(results, b);
  const leadConditions = STUDY_GRID_CONDITIONS[leadName];
  const plotsDir = join(docsDir, 'study');
  /** Finished configurations of a budget's own grid, and the grid's size. */
  const count = (name: StudyBudgetName): { finished: number; expected: number } => {
    const grid = studyConfigurations('', STUDY_BUDGETS[name]);
    const find = lookupFor(results, STUDY_BUDGETS[name]);
    const finished = grid.filter((c) => find(c.dataset, c.architecture, c.condition, c.derivation)).length;
    return { finished, expected: grid.length };
  };
  const md: string[] = [
    '# Ablation and security study',
    '',
    `Generated by \`${options.command}\` from \`study/results/*.json\` — do not edit by hand.`,
    '',
    `Configurations with results: ${STUDY_BUDGET_NAMES.map((name) => `**${count(name).finished} of ${count(name).expected}** at the ${name} budget`).join(', ')}.`,
    `The tables below show the **${leadName}** budget; a configuration that has not finished at it is shown as "missing",`,
    'never estimated or filled in from another budget.',
    '',
    '## Protocol',
    '',
    `- Datasets: MedNIST (6 classes, 64×64) and MNIST (10 classes, 28×28); splits fixed with seed 42 (docs/datasets.md).`,
    `- Conditions: ${STUDY_CONDITIONS.map((c) => `${c} (${CONDITION_REGISTRY[c].label})`).join(', ')}; the full budget adds ${STUDY_GRID_CONDITIONS.full
      .filter((c) => !STUDY_CONDITIONS.includes(c))
      .map((c) => `${c} (${CONDITION_REGISTRY[c].label})`)
      .join(', ')}, the permutation the SL2 attacks cannot enumerate (docs/security.md); one key for`,
    '  the whole study (the public demo key), so each condition is a fixed, learnable transform.',
    `- Key-transformed rows (${TRANSFORMED_STUDY_ARCHITECTURES.join(', ')}): the plain row's model, never trained on cipher images,`,
    `  rewritten for the study key (docs/keys-and-models.md) and evaluated on ${DEFAULT_CONDITION} images.`,
    '- One training budget for every configuration of a table, with early stopping on the validation split',
    '  (best-validation weights kept) and no augmentation:',
    ...STUDY_BUDGET_NAMES.map((name) => `  - **${name}**: ${describeBudget(STUDY_BUDGETS[name])}.`),
    '  The quick budget was the first study (all runs fit on a 2-core CPU in about an hour); the full budget is the',
    '  one to quote. Each run\'s budget, epochs, time and hardware are in "Runs" at the end.',
    '- Evaluation: the FULL test split. Retrieval uses the 512-d embedding and cosine similarity; relevance = same',
    '  class; mAP over the full ranking; "test vs train" queries every test image against the full training split,',
    '  "test vs test" is leave-one-out within the test split.',
    '',
  ];
  if (options.problems.length > 0) {
    md.push(
      'Result files that could not be read (ignored):',
      '',
      ...options.problems.map((p) => `- ${p}`),
      '',
    );
  }
  for (const dataset of STUDY_DATASETS) {
    const paper = PAPER[dataset];
    md.push(
      `## ${dataset === 'mednist' ? 'MedNIST' : 'MNIST'}`,
      '',
      `Paper (DCNN on Arnold+XOR-encrypted images): weighted F1 **${paper.weightedF1}**, mAP **${paper.mAP}**.`,
      '',
    );
    for (const metric of METRICS) {
      md.push(`### ${metric.title}`, '', ...metricTable(dataset, metric, lookup, leadConditions), '');
    }
    for (const other of STUDY_BUDGET_NAMES.filter((name) => name !== leadName)) {
      const otherLookup = lookupFor(results, STUDY_BUDGETS[other]);
      for (const metric of METRICS.filter((m) => m.key === 'weighted-f1' || m.key === 'map-test-train')) {
        md.push(
          `### ${metric.title} at the ${other} budget, for comparison`,
          '',
          ...metricTable(dataset, metric, otherLookup, STUDY_GRID_CONDITIONS[other]),
          '',
        );
      }
    }
    const chartPath = `${dataset}-weighted-f1.png`;
    await writePng(
      groupedBarChart({
        title: `${dataset}: weighted F1 by encryption condition (${leadName} budget)`,
        groups: [...leadConditions],
        series: STUDY_ARCHITECTURES.map((architecture) => ({
          name: architecture,
          values: leadConditions.map(
            (c) => lookup(dataset, architecture, c)?.classification.weightedF1 ?? null,
          ),
        })),
        yMin: dataset === 'mednist' ? 0.8 : 0.5,
        yMax: 1,
        yLabel: 'weighted F1',
      }),
      join(plotsDir, chartPath),
    );
    const mapChartPath = `${dataset}-map.png`;
    await writePng(
      groupedBarChart({
        title: `${dataset}: mAP (test vs train) by encryption condition (${leadName} budget)`,
        groups: [...leadConditions],
        series: STUDY_ARCHITECTURES.map((architecture) => ({
          name: architecture,
          values: leadConditions.map(
            (c) => lookup(dataset, architecture, c)?.retrieval.testToTrain.mAP ?? null,
          ),
        })),
        yMin: 0,
        yMax: 1,
        yLabel: 'mAP',
      }),
      join(plotsDir, mapChartPath),
    );
    md.push(`![Weighted F1](study/${chartPath})`, '', `![mAP](study/${mapChartPath})`, '');

    const encrypted = STUDY_ARCHITECTURES.map((a) => lookup(dataset, a, DEFAULT_CONDITION)).filter(
      (r): r is StudyResult => r !== undefined,
    );
    encrypted.sort((x, y) => y.classification.weightedF1 - x.classification.weightedF1);
    const bestTwo = encrypted.slice(0, 2);
    for (const r of bestTwo) {
      const name = `${configurationLabel(r.configuration)}-confusion.png`;
      await writePng(
        confusionHeatmap(
          `${r.configuration.architecture} on ${DEFAULT_CONDITION} ${dataset} (weighted F1 ${r.classification.weightedF1.toFixed(4)})`,
          r.classification.classes,
          r.classification.confusionMatrix,
        ),
        join(plotsDir, name),
      );
      md.push(`![Confusion matrix](study/${name})`, '');
    }
    md.push(
      `### What the numbers show (${leadName} budget)`,
      '',
      ...observations(dataset, lookup, leadConditions),
    );
    for (const other of STUDY_BUDGET_NAMES.filter((name) => name !== leadName)) {
      md.push(
        ...budgetComparison(dataset, lookup, leadName, lookupFor(results, STUDY_BUDGETS[other]), other),
      );
    }
    md.push('', ...pairedTestsMarkdown(dataset, lookup, leadConditions));

    const security = await readSecurity(options.resultsDir, dataset);
    if (security) {
      const example = security.example.reports;
      const plain = example.plain;
      const cipher = example[DEFAULT_CONDITION];
      await writePng(
        histogramPair(
          `${dataset} test image #0 (${security.example.label}): histograms`,
          plain.plain.histogram,
          cipher.cipher.histogram,
        ),
        join(plotsDir, `${dataset}-histograms.png`),
      );
      const panels = (['horizontal', 'vertical', 'diagonal'] as const).flatMap((d) => [
        {
          label: `plain ${d[0]!.toUpperCase()}`,
          pairs: zipPairs(plain.plain.sampledCorrelation[d].samples),
          coefficient: plain.plain.correlation[d],
        },
        {
          label: `cipher ${d[0]!.toUpperCase()}`,
          pairs: zipPairs(cipher.cipher.sampledCorrelation[d].samples),
          coefficient: cipher.cipher.correlation[d],
        },
      ]);
      await writePng(
        correlationScatter(
          `${dataset} test image #0: adjacent-pixel pairs, plain vs ${DEFAULT_CONDITION}`,
          panels,
        ),
        join(plotsDir, `${dataset}-scatter.png`),
      );
      md.push(...securitySection(security, dataset));
    } else {
      md.push(
        `Security statistics for ${dataset}: missing (run \`cipherlens study security --dataset ${dataset}\`).`,
        '',
      );
    }
  }
  md.push(await discussion(), '', '## Runs', '', ...runsTable(results), '');
  const path = join(docsDir, 'study.md');
  await writeFileAtomic(path, `${md.join('\n')}\n`);
  return path;
}

/** Mechanism-level discussion (why each architecture reacts as it does), kept beside the generator. */
async function discussion(): Promise<string> {
  return readFile(new URL('./discussion.md', import.meta.url), 'utf8').catch(() => '');
}
