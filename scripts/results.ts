/**
 * Reproduces docs/results.md and docs/results.json: evaluates every shipped model (resources/models/*.json) on
 * its dataset export (data/exports/<dataset>-<condition>/, from `cipherlens export-dataset`) — classification of
 * the test split, retrieval with test queries against the train split and test leave-one-out — and tabulates
 * the numbers next to the paper's.
 *   npm run results                      (node --import tsx scripts/results.ts)
 *   … -- --models id1,id2 --threads 2    (a subset; the other models' rows are kept from docs/results.json)
 *   … -- --models-dir D --exports-dir E --out-dir O   (other folders; defaults resources/models, data/exports, docs)
 *   … -- --fresh-key K   also evaluates every transformable plain model transformed for key K (a freshly generated
 *        key), on data/exports/<dataset>-arnold+xor-<fingerprint of K> (`cipherlens export-dataset --dataset D
 *        --condition arnold+xor --key K --out …`), and measures access control: each model on images of another key
 *        (the demo-key exports) and on plain images (data/exports/<dataset>-plain), where it must be near chance.
 *   … -- --markdown-only   re-renders results.md from docs/results.json and docs/ood.json, evaluating nothing.
 * The out-of-distribution section summarises docs/ood.json, written by scripts/calibrate-ood.ts.
 */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createProgressBar, type ProgressBar } from '../src/cli/progress.js';
import { defaultExportDir } from '../src/core/datasets/data-dir.js';
import { describeError } from '../src/core/errors.js';
import {
  evaluateModel,
  type EvaluationStage,
  type ModelEvaluation,
} from '../src/core/evaluation/evaluate-model.js';
import { formatMetric } from '../src/core/evaluation/report-markdown.js';
import { writeFileAtomic } from '../src/core/fs/atomic.js';
import { listModels, type ModelFiles } from '../src/core/inference/model-files.js';
import { loadKeyFile } from '../src/core/crypto/keys.js';
import { classificationMetrics } from '../src/core/evaluation/classification-metrics.js';
import { readExportedSplit, readExportManifest } from '../src/core/inference/exported-split.js';
import { createInferenceEngine } from '../src/core/inference/engine.js';
import { isTransformable } from '../src/core/inference/key-transform.js';
import { deriveTransformedModel, describeModelInput } from '../src/core/inference/model-catalog.js';
import { CONDITIONS, DEFAULT_CONDITION } from '../src/core/crypto/condition.js';
import { ARCHITECTURES } from '../src/core/training/architectures.js';

const DOCS_DIR = fileURLToPath(new URL('../docs', import.meta.url));

/** The published abstract's numbers (encrypted images, the proposed DCNN); see docs/results.md for caveats. */
const PAPER: Record<string, { weightedF1: number; mAP: number }> = {
  mednist: { weightedF1: 0.9917, mAP: 0.9834 },
  mnist: { weightedF1: 0.9408, mAP: 0.9127 },
};
const TARGETS: Record<string, { weightedF1: number; mAP: number }> = {
  mednist: { weightedF1: 0.995, mAP: 0.99 },
  mnist: { weightedF1: 0.98, mAP: 0.97 },
};
// Table order: the registries' order.
const CONDITION_ORDER: readonly string[] = CONDITIONS;
const ARCHITECTURE_ORDER: readonly string[] = ARCHITECTURES;

interface Row {
  id: string;
  status: 'evaluated' | 'failed';
  error?: string;
  evaluation?: ModelEvaluation;
}

/** A model fed images it was not made for: encrypted under another key, or plain. */
interface AccessRow {
  model: string;
  reads: string;
  input: string;
  accuracy: number;
  weightedF1: number;
  images: number;
}

interface ResultsFile {
  format: 'cipherlens-results';
  version: 1;
  createdAt: string;
  command: string;
  machine: { cpu: string; cores: number; loadAverage: number[] };
  protocol: Record<string, string>;
  paper: typeof PAPER;
  targets: typeof TARGETS;
  models: Row[];
  /** Fingerprint of the fresh key the transformed rows were measured with (null: not measured). */
  freshKeyFingerprint?: string | null;
  accessControl?: AccessRow[];
}

const PROTOCOL = {
  classification:
    'test split of the export (stratified, seed 42), argmax of the logits; scikit-learn definitions',
  retrievalMain:
    'test images as queries against the train split as database, cosine similarity of the 512-d embeddings, relevant = same class, AP over the full ranking (scikit-learn average_precision_score), mAP = mean over queries',
  retrievalLeaveOneOut: 'each test image queries the rest of the test split',
};

/** Rows of the headline table: the paper's architecture (DCNN) and the best model, both on Arnold+XOR images. */
function headline(rows: Row[], dataset: string): { role: string; evaluation: ModelEvaluation | undefined }[] {
  const encrypted = rows
    .map((r) => r.evaluation)
    .filter(
      (e): e is ModelEvaluation =>
        e?.model.dataset === dataset && e.model.condition === DEFAULT_CONDITION && !e.model.transformedFrom,
    );
  const dcnn = encrypted.find((e) => e.model.architecture === 'dcnn');
  const best = [...encrypted].sort((a, b) => b.classification.weighted.f1 - a.classification.weighted.f1)[0];
  const result = [{ role: "DCNN (the paper's method)", evaluation: dcnn }];
  if (best && best !== dcnn) result.push({ role: `best: ${best.model.architecture}`, evaluation: best });
  return result;
}

const metric = (value: number | undefined): string => (value === undefined ? '—' : formatMetric(value));
const verdict = (value: number, target: number): string =>
  value >= target ? `${formatMetric(value)} ✓` : `${formatMetric(value)} ✗`;
const at = (list: { k: number; value: number }[], k: number): number | undefined =>
  list.find((m) => m.k === k)?.value;

/** The parts of docs/ood.json (scripts/calibrate-ood.ts) the results page summarises. */
interface OodFile {
  command: string;
  createdAt: string;
  percentile: number;
  models: {
    model: string;
    otherDataset: string;
    chosen: string;
    methods: { method: string; testFalsePositiveRate: number; otherTestDetected: number; auroc: number }[];
  }[];
}

async function readOod(outDir: string): Promise<OodFile | null> {
  try {
    return JSON.parse(await readFile(join(outDir, 'ood.json'), 'utf8')) as OodFile;
  } catch {
    return null;
  }
}

const percent = (value: number): string => `${(value * 100).toFixed(1)} %`;

/** A summary of the out-of-distribution calibration measured by scripts/calibrate-ood.ts (docs/ood.md). */
function oodSection(ood: OodFile | null): string[] {
  const lines = ['', '## Out-of-distribution detection', ''];
  if (!ood) {
    lines.push(
      'Not measured: run `node --import tsx scripts/calibrate-ood.ts` (writes docs/ood.md and docs/ood.json).',
    );
    return lines;
  }
  lines.push(
    `Measured by \`${ood.command}\` on ${ood.createdAt.slice(0, 10)}; method, protocol and every score in [docs/ood.md](ood.md). ` +
      `Threshold: the ${ood.percentile}th percentile of the validation split's scores; false positives on the test split, ` +
      "detections on the other dataset's test images resized to the model's input and encrypted for its key.",
    '',
    '| model | method kept | false positives (own test) | detected (other dataset test) | AUROC |',
    '| --- | --- | ---: | ---: | ---: |',
  );
  for (const row of ood.models) {
    const m = row.methods.find((x) => x.method === row.chosen);
    if (!m) continue;
    lines.push(
      `| ${row.model} | ${row.chosen} | ${percent(m.testFalsePositiveRate)} | ${percent(m.otherTestDetected)} (${row.otherDataset}) | ${m.auroc.toFixed(4)} |`,
    );
  }
  return lines;
}

function markdown(file: ResultsFile, ood: OodFile | null = null): string {
  const evaluated = file.models.filter((r) => r.evaluation).map((r) => r.evaluation!);
  const lines = [
    '# Reproduced results',
    '',
    `Produced by \`${file.command}\` on ${file.createdAt.slice(0, 10)} (${file.machine.cpu}, ${file.machine.cores} cores). Every number below was measured by that command from the shipped models in \`resources/models/\` and the tensor exports in \`data/exports/\`; docs/results.json holds the full reports (per-class metrics, confusion matrices, PR curves).`,
    '',
    '## Protocol',
    '',
    `- Classification: ${file.protocol.classification}.`,
    `- Retrieval (main): ${file.protocol.retrievalMain}.`,
    `- Retrieval (leave-one-out): ${file.protocol.retrievalLeaveOneOut}. Definitions: docs/retrieval.md.`,
    '- The paper does not state its splits or which set it queried against which; its numbers are quoted from the abstract.',
    '',
    '## Encrypted images (Arnold + XOR) next to the paper',
    '',
    '| dataset | model | weighted F1 | paper | target | mAP test→train | paper | target | mAP leave-one-out | accuracy |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const dataset of Object.keys(PAPER)) {
    const paper = PAPER[dataset]!;
    const target = TARGETS[dataset]!;
    for (const { role, evaluation: e } of headline(file.models, dataset)) {
      if (!e) {
        lines.push(
          `| ${dataset} | ${role}: not evaluated | — | ${formatMetric(paper.weightedF1)} | ≥ ${target.weightedF1} | — | ${formatMetric(paper.mAP)} | ≥ ${target.mAP} | — | — |`,
        );
        continue;
      }
      const wf1 = e.classification.weighted.f1;
      const map = e.retrieval.queryVsDatabase.mAP;
      lines.push(
        `| ${dataset} | ${role} (${e.model.id}) | ${verdict(wf1, target.weightedF1)} | ${formatMetric(paper.weightedF1)} | ≥ ${target.weightedF1} | ${verdict(map, target.mAP)} | ${formatMetric(paper.mAP)} | ≥ ${target.mAP} | ${formatMetric(e.retrieval.leaveOneOut.mAP)} | ${formatMetric(e.classification.accuracy)} |`,
      );
    }
  }
  lines.push('', '✓ / ✗: target met or missed.', '', '## Every shipped model', '');
  lines.push(
    '| model | dataset | condition | architecture | accuracy | weighted F1 | macro F1 | mAP test→train | mAP@10 | P@10 | mAP leave-one-out | reported by training (test wF1) |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const order = (e: ModelEvaluation): number =>
    Object.keys(PAPER).indexOf(e.model.dataset) * 100 +
    CONDITION_ORDER.indexOf(e.model.condition) * 10 +
    ARCHITECTURE_ORDER.indexOf(e.model.architecture);
  for (const e of [...evaluated].sort((a, b) => order(a) - order(b))) {
    const c = e.classification;
    const r = e.retrieval.queryVsDatabase;
    lines.push(
      `| ${e.model.id} | ${e.model.dataset} | ${e.model.condition} | ${e.model.architecture} | ${formatMetric(c.accuracy)} | ${formatMetric(c.weighted.f1)} | ${formatMetric(c.macro.f1)} | ${formatMetric(r.mAP)} | ${metric(at(r.mAPAtK, 10))} | ${metric(at(r.precisionAtK, 10))} | ${formatMetric(e.retrieval.leaveOneOut.mAP)} | ${metric(e.model.reportedTest?.weightedF1)} |`,
    );
  }
  const transformed = evaluated.filter((e) => e.model.transformedFrom);
  if (transformed.length > 0) {
    const fresh = file.freshKeyFingerprint ?? '?';
    lines.push(
      '',
      `## Transformed models (any key, no training) — fresh key ${fresh}`,
      '',
      `A plain bit-plane model, trained on plain images with plaintext augmentation, turned into a model for images encrypted under a freshly generated key (fingerprint ${fresh}) by the key transform (docs/keys-and-models.md); the test split was exported encrypted with that key. Targets for these models: weighted F1 ≥ 0.9995 (MedNIST) / ≥ 0.990 (MNIST), mAP ≥ 0.999 / ≥ 0.985.`,
      '',
      '| dataset | model | weighted F1 | target | mAP test→train | target | mAP leave-one-out | accuracy | encrypted-trained best (wF1 / mAP) | paper (wF1 / mAP) |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    const transformTargets: Record<string, { weightedF1: number; mAP: number }> = {
      mednist: { weightedF1: 0.9995, mAP: 0.999 },
      mnist: { weightedF1: 0.99, mAP: 0.985 },
    };
    for (const e of transformed) {
      const target = transformTargets[e.model.dataset];
      const wf1 = e.classification.weighted.f1;
      const map = e.retrieval.queryVsDatabase.mAP;
      const best = headline(file.models, e.model.dataset)
        .map((h) => h.evaluation)
        .filter((h): h is ModelEvaluation => h !== undefined && !h.model.transformedFrom)
        .sort((a, b) => b.classification.weighted.f1 - a.classification.weighted.f1)[0];
      const paper = PAPER[e.model.dataset];
      lines.push(
        `| ${e.model.dataset} | ${e.model.id} (from ${e.model.transformedFrom}) | ${target ? verdict(wf1, target.weightedF1) : formatMetric(wf1)} | ${target ? `≥ ${target.weightedF1}` : '—'} | ${target ? verdict(map, target.mAP) : formatMetric(map)} | ${target ? `≥ ${target.mAP}` : '—'} | ${formatMetric(e.retrieval.leaveOneOut.mAP)} | ${formatMetric(e.classification.accuracy)} | ${best ? `${formatMetric(best.classification.weighted.f1)} / ${formatMetric(best.retrieval.queryVsDatabase.mAP)}` : '—'} | ${paper ? `${formatMetric(paper.weightedF1)} / ${formatMetric(paper.mAP)}` : '—'} |`,
      );
    }
  }
  if (file.accessControl && file.accessControl.length > 0) {
    lines.push(
      '',
      '## Access control: a model on images it was not made for',
      '',
      'Each encrypted model classifies the test split encrypted under another key, and the plain test split. Chance is 1/6 (MedNIST) and 1/10 (MNIST); a weighted F1 near or below chance means the images stay closed to a model that does not hold their key.',
      '',
      '| model | reads | input | accuracy | weighted F1 | images |',
      '| --- | --- | --- | ---: | ---: | ---: |',
    );
    for (const row of file.accessControl) {
      lines.push(
        `| ${row.model} | ${row.reads} | ${row.input} | ${formatMetric(row.accuracy)} | ${formatMetric(row.weightedF1)} | ${row.images} |`,
      );
    }
  }
  const failed = file.models.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    lines.push('', '### Not evaluated', '');
    for (const row of failed) lines.push(`- ${row.id}: ${row.error}`);
  }
  lines.push(
    '',
    '## Run times',
    '',
    '| model | queries | database | inference s (images/s) | retrieval test→train s | leave-one-out s | retrieval CPU s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const e of evaluated) {
    const s = e.run.seconds;
    lines.push(
      `| ${e.model.id} | ${e.data.queries} | ${e.data.database} | ${s.inference.toFixed(1)} (${e.run.imagesPerSecond.toFixed(0)}) | ${s.retrievalVsDatabase.toFixed(2)} | ${s.retrievalLeaveOneOut.toFixed(2)} | ${e.run.retrievalCpuSeconds.toFixed(1)} |`,
    );
  }
  lines.push(
    '',
    `Load average while running: ${file.machine.loadAverage.map((l) => l.toFixed(2)).join(', ')} (the machine is shared; times are not benchmarks).`,
  );
  lines.push(...oodSection(ood), '');
  return lines.join('\n');
}

async function previousResults(outDir: string): Promise<ResultsFile | null> {
  try {
    return JSON.parse(await readFile(join(outDir, 'results.json'), 'utf8')) as ResultsFile;
  } catch {
    return null;
  }
}

/** The dataset an access-control row belongs to, from the model rows of the same results file. */
function datasetOfAccessRow(row: AccessRow, file: ResultsFile | null): string {
  const known = file?.models.find((model) => model.id === row.model)?.evaluation?.model.dataset;
  return known ?? row.model.split('-')[0]!;
}

function exportDirFor(
  exportsDir: string | undefined,
  dataset: string,
  condition: string,
  suffix = '',
): string {
  return exportsDir
    ? join(exportsDir, `${dataset}-${condition}${suffix}`)
    : `${defaultExportDir(dataset, condition)}${suffix}`;
}

/** The model's classification of an export's test split that it was NOT made for (no key check: on purpose). */
async function accessRow(
  model: ModelFiles,
  exportDir: string,
  input: string,
  threads: number | undefined,
): Promise<AccessRow> {
  const manifest = await readExportManifest(exportDir, `cipherlens export-dataset (${input})`);
  const split = await readExportedSplit(exportDir, manifest, 'test');
  const engine = await createInferenceEngine({ model, checkKey: false, provider: 'cpu', threads });
  try {
    const { logits } = await engine.infer(split.images);
    const metrics = classificationMetrics(split.labels, logits, model.card.classes);
    return {
      model: model.card.id,
      reads: describeModelInput(model.card),
      input,
      accuracy: metrics.accuracy,
      weightedF1: metrics.weighted.f1,
      images: split.count,
    };
  } finally {
    await engine.close();
  }
}

async function evaluateWithProgress(
  model: ModelFiles,
  exportsDir: string | undefined,
  threads: number | undefined,
  exportDir = exportDirFor(exportsDir, model.card.dataset, model.card.condition),
): Promise<ModelEvaluation> {
  let bar: ProgressBar | null = null;
  let stage: EvaluationStage | null = null;
  const evaluation = await evaluateModel({
    model,
    exportDir,
    threads,
    provider: 'cpu',
    onProgress(next, done, total) {
      if (next !== stage) {
        bar?.finish();
        bar = createProgressBar(`${model.card.id}: ${next}`, total);
        stage = next;
      }
      bar?.update(done, total);
    },
  });
  (bar as ProgressBar | null)?.finish();
  return evaluation;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      threads: { type: 'string' },
      'models-dir': { type: 'string' },
      'exports-dir': { type: 'string' },
      'out-dir': { type: 'string' },
      'fresh-key': { type: 'string' },
      'markdown-only': { type: 'boolean', default: false },
    },
  });
  const threads = values.threads ? Number(values.threads) : undefined;
  const outDir = values['out-dir'] ?? DOCS_DIR;
  if (values['markdown-only']) {
    // Re-renders results.md from results.json and ood.json, evaluating nothing.
    const file = JSON.parse(await readFile(join(outDir, 'results.json'), 'utf8')) as ResultsFile;
    await writeFileAtomic(join(outDir, 'results.md'), markdown(file, await readOod(outDir)));
    process.stderr.write(`wrote ${join(outDir, 'results.md')} from results.json and ood.json\n`);
    return;
  }
  const wanted = values.models?.split(',').filter(Boolean);
  const models = (await listModels(values['models-dir'])).filter(
    (m) => !wanted || wanted.includes(m.card.id),
  );
  if (models.length === 0) {
    process.stderr.write('results: no models in resources/models (train them first: cipherlens train …)\n');
    process.exitCode = 1;
    return;
  }
  const previous = wanted ? await previousResults(outDir) : null;
  const rows = new Map((previous?.models ?? []).map((row) => [row.id, row]));
  for (const model of models) {
    try {
      const evaluation = await evaluateWithProgress(model, values['exports-dir'], threads);
      rows.set(model.card.id, { id: model.card.id, status: 'evaluated', evaluation });
      const c = evaluation.classification;
      process.stderr.write(
        `${model.card.id}: weighted F1 ${formatMetric(c.weighted.f1)}, mAP ${formatMetric(evaluation.retrieval.queryVsDatabase.mAP)} (leave-one-out ${formatMetric(evaluation.retrieval.leaveOneOut.mAP)})\n`,
      );
    } catch (error) {
      rows.set(model.card.id, { id: model.card.id, status: 'failed', error: describeError(error) });
      process.stderr.write(`${model.card.id}: not evaluated: ${describeError(error)}\n`);
    }
  }
  let freshKeyFingerprint: string | null = null;
  const accessControl: AccessRow[] = [];
  // With --models, the access rows of transformable models not measured again are kept from the last run.
  const remeasured = new Set(models.filter((m) => isTransformable(m.card)).map((m) => m.card.dataset));
  const keptAccess = values['fresh-key']
    ? (previous?.accessControl ?? []).filter((row) => !remeasured.has(datasetOfAccessRow(row, previous)))
    : (previous?.accessControl ?? []);
  if (values['fresh-key']) {
    const fresh = await loadKeyFile(values['fresh-key']);
    freshKeyFingerprint = fresh.fingerprint;
    const suffix = `-${fresh.fingerprint}`;
    for (const plain of models.filter((m) => isTransformable(m.card))) {
      const derived = await deriveTransformedModel(plain, fresh);
      const { dataset } = derived.card;
      const id = derived.card.id;
      try {
        const freshDir = exportDirFor(values['exports-dir'], dataset, DEFAULT_CONDITION, suffix);
        const evaluation = await evaluateWithProgress(derived, values['exports-dir'], threads, freshDir);
        rows.set(id, { id, status: 'evaluated', evaluation });
        process.stderr.write(
          `${id}: weighted F1 ${formatMetric(evaluation.classification.weighted.f1)}, mAP ${formatMetric(evaluation.retrieval.queryVsDatabase.mAP)}\n`,
        );
        const otherKey = exportDirFor(values['exports-dir'], dataset, DEFAULT_CONDITION);
        accessControl.push(
          await accessRow(derived, otherKey, 'test split encrypted with another key (demo key)', threads),
        );
        accessControl.push(
          await accessRow(
            derived,
            exportDirFor(values['exports-dir'], dataset, 'plain'),
            'plain test split',
            threads,
          ),
        );
        // Every encrypted-trained model of the dataset, also when --models named a subset.
        for (const trained of (await listModels(values['models-dir'])).filter(
          (m) => m.card.dataset === dataset && m.card.condition === DEFAULT_CONDITION,
        )) {
          accessControl.push(
            await accessRow(
              trained,
              freshDir,
              `test split encrypted with another key (${fresh.fingerprint})`,
              threads,
            ),
          );
          accessControl.push(
            await accessRow(
              trained,
              exportDirFor(values['exports-dir'], dataset, 'plain'),
              'plain test split',
              threads,
            ),
          );
        }
      } catch (error) {
        rows.set(id, { id, status: 'failed', error: describeError(error) });
        process.stderr.write(`${id}: not evaluated: ${describeError(error)}\n`);
      }
    }
  }
  const file: ResultsFile = {
    format: 'cipherlens-results',
    version: 1,
    createdAt: new Date().toISOString(),
    command: 'npm run results',
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage: loadavg() },
    protocol: PROTOCOL,
    paper: PAPER,
    targets: TARGETS,
    models: [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    freshKeyFingerprint: freshKeyFingerprint ?? previous?.freshKeyFingerprint ?? null,
    accessControl: [...keptAccess, ...accessControl],
  };
  await writeFileAtomic(join(outDir, 'results.json'), `${JSON.stringify(file, null, 2)}\n`);
  await writeFileAtomic(join(outDir, 'results.md'), markdown(file, await readOod(outDir)));
  process.stderr.write(
    `wrote ${join(outDir, 'results.md')} and results.json (${file.models.length} models)\n`,
  );
}

await main();
