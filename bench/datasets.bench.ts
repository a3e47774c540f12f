/**
 * Dataset sample import, cold: the time from "import a sample, N per class" to the chosen images decoded, with no
 * decoded-dataset cache (the sample path never uses one). Targets: 20-per-class MedNIST (120 images) < 5 s, MNIST
 * < 2 s. The first call in this process is the cold one (sharp and zlib not yet warmed); later calls give the
 * median. With CIPHERLENS_BENCH_FULL=1 it also times the full decode the app used to do for a sample (every
 * MedNIST JPEG, no cache) and checks that both paths draw byte-identical images.
 * Writes bench/results/datasets.json.
 *   npm run bench -- datasets       (CIPHERLENS_BENCH_RUNS=N, default 3; CIPHERLENS_DATA picks the data folder)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { datasetSampleInputs } from '../src/backend/dataset-sample.js';
import { resolveDataDir } from '../src/core/datasets/data-dir.js';
import { planSplits, type LoadedDataset } from '../src/core/datasets/dataset.js';
import { openDataset } from '../src/core/datasets/open.js';
import { createPrng, shuffleInPlace } from '../src/core/datasets/prng.js';
import { benchRecorder } from './results-file.js';
import { sampleDataset, type DatasetSample, type SampleRequest } from '../src/core/datasets/sample.js';

const RUNS = Number(process.env.CIPHERLENS_BENCH_RUNS ?? 3);
const FULL = process.env.CIPHERLENS_BENCH_FULL === '1';
const TARGET_SECONDS = { mednist: 5, mnist: 2 } as const;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function seconds<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

/** The pre-sample-path draw, from the fully decoded dataset (what datasetSampleInputs did). */
function sameAsFull(sample: DatasetSample, dataset: LoadedDataset, request: SampleRequest): boolean {
  const selection = planSplits(dataset, 42)[request.split];
  const part = dataset.parts[selection.part]!;
  const order = shuffleInPlace(Uint32Array.from(selection.indices), createPrng(request.seed));
  const taken = new Array<number>(dataset.classes.length).fill(0);
  const pixels = dataset.imageSize * dataset.imageSize;
  let k = 0;
  for (const index of order) {
    const label = part.labels[index]!;
    if (taken[label]! >= request.perClass) continue;
    taken[label]!++;
    const image = sample.images[k++];
    if (!image || image.index !== index || image.label !== label) return false;
    const reference = part.images.subarray(index * pixels, (index + 1) * pixels);
    if (!Buffer.from(image.pixels).equals(Buffer.from(reference))) return false;
    if (taken.every((count) => count >= request.perClass)) break;
  }
  return k === sample.images.length;
}

export async function run(): Promise<void> {
  const recorder = benchRecorder();
  const dataDir = resolveDataDir();
  const request = { split: 'test', perClass: 20, seed: 1 } as const satisfies SampleRequest;
  const rows = [];
  for (const dataset of ['mednist', 'mnist'] as const) {
    const present =
      dataset === 'mnist'
        ? existsSync(join(dataDir, 'mnist'))
        : existsSync(join(dataDir, 'MedNIST.tar.gz')) || existsSync(join(dataDir, 'MedNIST'));
    if (!present) {
      process.stdout.write(`${dataset}: not in ${dataDir}, skipped\n`);
      continue;
    }
    const cold = await seconds(() => sampleDataset(dataset, dataDir, request));
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++)
      warm.push((await seconds(() => sampleDataset(dataset, dataDir, request))).seconds);
    // What the import job waits for before it starts encrypting: the inputs, each decoded (resized) once.
    const inputs = await seconds(async () => {
      const list = await datasetSampleInputs({ dataset, ...request }, dataDir, 64);
      for (const input of list) await input.decode();
      return list.length;
    });
    let full: { seconds: number; identical: boolean } | null = null;
    if (FULL) {
      const decoded = await seconds(() => openDataset(dataset, { dataDir, cacheDir: null }));
      full = { seconds: decoded.seconds, identical: sameAsFull(cold.value, decoded.value.dataset, request) };
    }
    const row = {
      dataset,
      request,
      images: cold.value.images.length,
      decoded: cold.value.decoded,
      sourcePasses: cold.value.passes,
      coldSampleSeconds: cold.seconds,
      medianSampleSeconds: median(warm),
      inputsDecodedAt64Seconds: inputs.seconds,
      targetSeconds: TARGET_SECONDS[dataset],
      withinTarget: cold.seconds < TARGET_SECONDS[dataset],
      fullDecode: full && { seconds: full.seconds, identicalImages: full.identical },
    };
    rows.push(row);
    process.stdout.write(
      `${dataset}: ${row.images} images (${row.decoded} decoded, ${row.sourcePasses} pass(es)): cold ` +
        `${row.coldSampleSeconds.toFixed(2)} s, median ${row.medianSampleSeconds.toFixed(2)} s ` +
        `(target < ${row.targetSeconds} s)` +
        (full
          ? `; full decode ${full.seconds.toFixed(1)} s, images ${full.identical ? 'identical' : 'DIFFER'}`
          : '') +
        '\n',
    );
  }
  await recorder.write('datasets', {
    benchmark: 'dataset sample import, cold (no decoded-dataset cache)',
    runs: RUNS,
    dataDir,
    rows,
  });
}
