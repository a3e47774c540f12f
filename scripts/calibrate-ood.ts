/**
 * Calibrates the out-of-distribution detector of every shipped model (resources/models/*.json) and measures it
 * (docs/ood.md, docs/ood.json):
 *   node --import tsx scripts/calibrate-ood.ts [--models id1,id2] [--threads 2] [--percentile 99] [--dry-run]
 *
 * For each model, on its export data/exports/<dataset>-<condition>/ (`cipherlens export-dataset`):
 * - class centroids from the TRAIN split's embeddings;
 * - each method's threshold at the 99th percentile of the VALIDATION split's scores;
 * - the other dataset's VALIDATION images (MNIST digits resized to 64×64 for MedNIST models, MedNIST images
 *   resized to 28×28 for MNIST models, from data/exports/<other>-plain, encrypted for the model's key and
 *   condition by encryptForModel) choose the method that flags the most of them;
 * - reported: the false-positive rate on the TEST split and the detection rate on the other dataset's TEST images.
 * The chosen method and threshold are written into the model card as `ood` (the card is otherwise unchanged).
 */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resizeSquare } from '../src/backend/images.js';
import { loadKeyFile } from '../src/core/crypto/keys.js';
import { defaultExportDir } from '../src/core/datasets/data-dir.js';
import {
  openExportForModel,
  readExportedSplit,
  readExportManifest,
  type ExportedSplit,
} from '../src/core/inference/exported-split.js';
import { writeFileAtomic } from '../src/core/fs/atomic.js';
import { inferAll } from '../src/core/inference/batch.js';
import { parseModelCard } from '../src/core/inference/model-card.js';
import { listModels, type ModelFiles } from '../src/core/inference/model-files.js';
import { encryptForModel } from '../src/core/inference/model-input.js';
import {
  CENTROID_ENCODING,
  classCentroids,
  encodeCentroids,
  flaggedRate,
  OOD_METHODS,
  oodScores,
  percentileThreshold,
  type OodCalibration,
  type OodMethod,
  type OodOutputs,
} from '../src/core/inference/ood.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DOCS_DIR = join(ROOT, 'docs');
const OTHER: Record<string, string> = { mnist: 'mednist', mednist: 'mnist' };

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    'models-dir': { type: 'string', default: join(ROOT, 'resources', 'models') },
    'key-file': { type: 'string', default: join(ROOT, 'resources', 'keys', 'demo.key') },
    threads: { type: 'string', default: '2' },
    percentile: { type: 'string', default: '99' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads);
const percentile = Number(values.percentile);

interface MethodResult {
  method: OodMethod;
  threshold: number;
  validationFlagged: number;
  testFalsePositiveRate: number;
  otherValidationDetected: number;
  otherTestDetected: number;
  /** Area under the ROC curve, test (negative) vs other dataset's test (positive). */
  auroc: number;
}

interface ModelResult {
  model: string;
  dataset: string;
  architecture: string;
  condition: string;
  keyFingerprint: string | null;
  /** The ONNX file calibrated: a retrained model needs calibrating again. */
  onnxSha256: string;
  otherDataset: string;
  images: { train: number; validation: number; test: number; otherValidation: number; otherTest: number };
  chosen: OodMethod;
  methods: MethodResult[];
  seconds: number;
  /** When and by which command this row was measured (a --models run keeps the other rows). */
  measuredAt?: string;
  command?: string;
}

function auroc(negatives: Float64Array, positives: Float64Array): number {
  const all: [score: number, positive: number][] = [
    ...[...negatives].map((s): [number, number] => [s, 0]),
    ...[...positives].map((s): [number, number] => [s, 1]),
  ];
  all.sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]![1] === 1) rankSum += averageRank;
    i = j;
  }
  const p = positives.length;
  const n = negatives.length;
  return (rankSum - (p * (p + 1)) / 2) / (p * n);
}

/** Plain images of the other dataset, resized to `size` with the app's resampler (cached per dataset and size). */
const otherCache = new Map<string, Uint8Array[]>();
async function otherImages(dataset: string, split: string, size: number): Promise<Uint8Array[]> {
  const cacheKey = `${dataset}/${split}/${size}`;
  const cached = otherCache.get(cacheKey);
  if (cached) return cached;
  const dir = defaultExportDir(dataset, 'plain');
  const manifest = await readExportManifest(
    dir,
    `cipherlens export-dataset --dataset ${dataset} --condition plain`,
  );
  const exported = await readExportedSplit(dir, manifest, split);
  const from = manifest.imageSize;
  const images: Uint8Array[] = [];
  for (let i = 0; i < exported.count; i++) {
    const pixels = exported.images.subarray(i * from * from, (i + 1) * from * from);
    images.push(new Uint8Array(await resizeSquare(pixels, from, size)));
  }
  otherCache.set(cacheKey, images);
  return images;
}

const elapsed = (start: number): string => `${((performance.now() - start) / 1000).toFixed(0)} s`;

async function calibrate(model: ModelFiles): Promise<{ result: ModelResult; calibration: OodCalibration }> {
  const { card } = model;
  const started = performance.now();
  const other = OTHER[card.dataset];
  if (!other) throw new Error(`no other dataset to test ${card.id} (${card.dataset}) against`);
  const key = card.keyFingerprint === null ? null : await loadKeyFile(values['key-file']);
  if (key && key.fingerprint !== card.keyFingerprint) {
    throw new Error(
      `${card.id} is for key ${card.keyFingerprint}; ${values['key-file']} is ${key.fingerprint}`,
    );
  }
  const exportDir = defaultExportDir(card.dataset, card.condition);
  const { manifest, engine } = await openExportForModel(model, exportDir, { threads });
  const run = async (images: Uint8Array, what: string): Promise<OodOutputs> => {
    const start = performance.now();
    const outputs = await inferAll(engine, images);
    console.error(`  ${card.id}: ${what} (${outputs.count} images) in ${elapsed(start)}`);
    return {
      count: outputs.count,
      classCount: card.classes.length,
      embeddingDim: card.embeddingDim,
      logits: outputs.logits,
      embeddings: outputs.embeddings,
    };
  };
  let train: ExportedSplit;
  let trainOut: OodOutputs;
  let valOut: OodOutputs;
  let testOut: OodOutputs;
  let otherValOut: OodOutputs;
  let otherTestOut: OodOutputs;
  let validationCount: number;
  let testCount: number;
  try {
    train = await readExportedSplit(exportDir, manifest, 'train');
    trainOut = await run(train.images, 'train');
    const val = await readExportedSplit(exportDir, manifest, 'val');
    validationCount = val.count;
    valOut = await run(val.images, 'val');
    const test = await readExportedSplit(exportDir, manifest, 'test');
    testCount = test.count;
    testOut = await run(test.images, 'test');
    otherValOut = await run(
      encryptForModel(card, key, await otherImages(other, 'val', card.inputSize)),
      `${other} val`,
    );
    otherTestOut = await run(
      encryptForModel(card, key, await otherImages(other, 'test', card.inputSize)),
      `${other} test`,
    );
  } finally {
    await engine.close();
  }
  const centroids = classCentroids(trainOut.embeddings, train.labels, card.classes.length, card.embeddingDim);
  const methods: MethodResult[] = OOD_METHODS.map((method) => {
    const val = oodScores(method, valOut, centroids);
    const threshold = percentileThreshold(val, percentile);
    const test = oodScores(method, testOut, centroids);
    const otherTest = oodScores(method, otherTestOut, centroids);
    return {
      method,
      threshold,
      validationFlagged: flaggedRate(val, threshold),
      testFalsePositiveRate: flaggedRate(test, threshold),
      otherValidationDetected: flaggedRate(oodScores(method, otherValOut, centroids), threshold),
      otherTestDetected: flaggedRate(otherTest, threshold),
      auroc: auroc(test, otherTest),
    };
  });
  // The method that flags most of the other dataset's VALIDATION images; ties go to the cheaper (listed first).
  const chosen = methods.reduce((best, m) =>
    m.otherValidationDetected > best.otherValidationDetected ? m : best,
  );
  const calibration: OodCalibration = {
    method: chosen.method,
    threshold: chosen.threshold,
    percentile,
    calibratedOn: {
      dataset: manifest.dataset,
      condition: manifest.condition,
      keyFingerprint: manifest.keyFingerprint,
      splitSeed: manifest.splitSeed,
      split: 'val',
      images: validationCount,
    },
    ...(chosen.method === 'centroid-cosine' && {
      centroids: {
        split: 'train',
        images: train.count,
        encoding: CENTROID_ENCODING,
        data: encodeCentroids(centroids),
      },
    }),
    createdAt: new Date().toISOString(),
  };
  const result: ModelResult = {
    model: card.id,
    dataset: card.dataset,
    architecture: card.architecture,
    condition: card.condition,
    keyFingerprint: card.keyFingerprint,
    onnxSha256: card.onnx.sha256,
    otherDataset: other,
    images: {
      train: train.count,
      validation: validationCount,
      test: testCount,
      otherValidation: otherValOut.count,
      otherTest: otherTestOut.count,
    },
    chosen: chosen.method,
    methods,
    seconds: (performance.now() - started) / 1000,
  };
  return { result, calibration };
}

/**
 * The card's text with `ood` set, keeping every other byte (the trainer's number formatting): the field is
 * appended last, or replaces the one this script appended before; anything else is rewritten as JSON.
 */
function withCalibration(text: string, calibration: OodCalibration): string {
  const append = (base: string): string => {
    const body = base.slice(0, base.lastIndexOf('}')).trimEnd();
    const field = JSON.stringify({ ood: calibration }, null, 2).slice(1, -1).trimEnd();
    return `${body},${field}\n}\n`;
  };
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (!('ood' in raw)) return append(text);
  // This script appends `ood` last: cut it off and append the new one, keeping the other bytes.
  const cut = text.lastIndexOf(',\n  "ood": {');
  if (cut >= 0) {
    const base = `${text.slice(0, cut)}\n}\n`;
    try {
      if (!('ood' in (JSON.parse(base) as Record<string, unknown>))) return append(base);
    } catch {
      // not where this script put it: rewrite below
    }
  }
  return `${JSON.stringify({ ...raw, ood: calibration }, null, 2)}\n`;
}

const pct = (value: number): string => `${(value * 100).toFixed(1)} %`;

function markdown(results: ModelResult[], command: string, createdAt: string): string {
  const lines = [
    '# Out-of-distribution detection',
    '',
    `Produced by \`node --import tsx scripts/calibrate-ood.ts\` (last run: \`${command}\` on ${createdAt.slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; a \`--models\` run re-measures those models and keeps the other rows). Every number below was measured by it; docs/ood.json holds them all, with each row's command, date and the SHA-256 of the ONNX file measured.`,
    '',
    'Each model flags an image as **unlike anything this model was trained on** when its score is above a threshold set at',
    `the ${percentile}th percentile of the scores of the model's **validation** images, so about ${100 - percentile} % of`,
    'in-distribution images are flagged by construction. Three scores were measured (higher = less like the training data):',
    '',
    '- `max-softmax`: 1 − the largest softmax probability;',
    '- `energy`: −logsumexp(logits);',
    "- `centroid-cosine`: 1 − the largest cosine similarity of the 512-d embedding to a class centroid (normalised mean of the unit-length embeddings of the model's **train** split, per class).",
    '',
    "The method kept for each model is the one that flags the most of the other dataset's **validation** images; the",
    "rates below are then measured on **test** images: the model's own test split (false positives) and the other dataset's",
    "test split (detections): MNIST digits resized to 64×64 (Lanczos 3, the app's resampler) for the MedNIST models,",
    "MedNIST images resized to 28×28 for the MNIST models, each encrypted for the model's key and condition with the",
    "app's cipher (encrypted models: the demo key). The threshold and method are stored in the model card (`ood`); a model",
    "transformed for another key inherits its plain model's calibration unchanged, since the transform leaves the function unchanged.",
    '',
    '| model | other dataset | method kept | threshold | FPR test | detected (other test) | AUROC |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const m = r.methods.find((x) => x.method === r.chosen)!;
    lines.push(
      `| ${r.model} | ${r.otherDataset} | ${r.chosen} | ${m.threshold.toPrecision(4)} | ${pct(m.testFalsePositiveRate)} | ${pct(m.otherTestDetected)} | ${m.auroc.toFixed(4)} |`,
    );
  }
  lines.push(
    '',
    '## Every method',
    '',
    '| model | method | FPR validation | FPR test | detected (other validation) | detected (other test) | AUROC |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    for (const m of r.methods) {
      lines.push(
        `| ${r.model} | ${m.method}${m.method === r.chosen ? ' (kept)' : ''} | ${pct(m.validationFlagged)} | ${pct(m.testFalsePositiveRate)} | ${pct(m.otherValidationDetected)} | ${pct(m.otherTestDetected)} | ${m.auroc.toFixed(4)} |`,
      );
    }
  }
  lines.push(
    '',
    'Image counts per model (train / validation / test / other validation / other test): ' +
      results
        .map(
          (r) =>
            `${r.model} ${r.images.train} / ${r.images.validation} / ${r.images.test} / ${r.images.otherValidation} / ${r.images.otherTest}`,
        )
        .join('; ') +
      '.',
    '',
    'Caveat: the "other dataset" is one kind of foreign image. A detector calibrated this way says nothing about images',
    'close to the training data (a different X-ray machine, a rotated digit); it catches images of another kind.',
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const wanted = values.models?.split(',').filter(Boolean);
  const models = (await listModels(values['models-dir'])).filter(
    (m) => !m.card.transformedFrom && (!wanted || wanted.includes(m.card.id)),
  );
  // MNIST first (fast), then MedNIST; the order of docs/ood.md follows the model ids.
  models.sort((a, b) => (a.card.dataset === b.card.dataset ? 0 : a.card.dataset === 'mnist' ? -1 : 1));
  const command = `node --import tsx scripts/calibrate-ood.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  const previousPath = join(DOCS_DIR, 'ood.json');
  let previous: ModelResult[] = [];
  try {
    previous = (JSON.parse(await readFile(previousPath, 'utf8')) as { models: ModelResult[] }).models;
  } catch {
    previous = [];
  }
  const results = new Map(previous.map((r) => [r.model, r]));
  for (const model of models) {
    console.error(
      `calibrating ${model.card.id} (load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
    );
    const { result, calibration } = await calibrate(model);
    results.set(result.model, { ...result, measuredAt: new Date().toISOString(), command });
    const chosen = result.methods.find((m) => m.method === result.chosen)!;
    console.error(
      `  → ${result.chosen}, threshold ${chosen.threshold.toPrecision(4)}: FPR test ${pct(chosen.testFalsePositiveRate)}, ` +
        `${result.otherDataset} test detected ${pct(chosen.otherTestDetected)} (${result.seconds.toFixed(0)} s)`,
    );
    if (!values['dry-run']) {
      const text = await readFile(model.cardPath, 'utf8');
      const updated = withCalibration(text, calibration);
      parseModelCard(JSON.parse(updated), `updated card of ${model.card.id}`);
      await writeFileAtomic(model.cardPath, updated);
    }
  }
  const all = [...results.values()].sort((a, b) => a.model.localeCompare(b.model));
  const createdAt = new Date().toISOString();
  if (!values['dry-run']) {
    await writeFileAtomic(
      previousPath,
      `${JSON.stringify({ format: 'cipherlens-ood', version: 1, createdAt, command, percentile, machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage: loadavg() }, models: all }, null, 2)}\n`,
    );
    await writeFileAtomic(join(DOCS_DIR, 'ood.md'), markdown(all, command, createdAt));
  } else {
    console.log(markdown(all, command, createdAt));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
