import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetSampleInputs } from '../../src/backend/dataset-sample.js';
import { resizeSquare } from '../../src/backend/images.js';
import type { AppService } from '../../src/backend/service.js';
import { resolveDataDir } from '../../src/core/datasets/data-dir.js';
import { planSplits, requirePart } from '../../src/core/datasets/dataset.js';
import { encodeIdx } from '../../src/core/datasets/idx.js';
import { openDataset } from '../../src/core/datasets/open.js';
import { createPrng, shuffleInPlace } from '../../src/core/datasets/prng.js';
import { MNIST_EXPECTED_COUNTS } from '../../src/core/datasets/sources.js';
import type { ImportInput } from '../../src/core/workspace/importer.js';
import type { JobState } from '../../src/shared/system.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { startTestService } from './harness.js';

type Request = Parameters<typeof datasetSampleInputs>[0];

interface Expected {
  name: string;
  source: string;
  label: string;
  id: string;
  pixels: Uint8Array;
}

/**
 * What the app imported before it sampled without decoding everything (the code datasetSampleInputs had):
 * open the whole dataset, plan the seed-42 splits, shuffle the split with the request's seed, take the first
 * perClass of each class, resize to `size`.
 */
async function fullDecodeInputs(request: Request, dataDir: string, size: number): Promise<Expected[]> {
  const { dataset } = await openDataset(request.dataset, { dataDir, cacheDir: null });
  const selection = planSplits(dataset, 42)[request.split];
  const part = requirePart(dataset, selection.part);
  const order = shuffleInPlace(Uint32Array.from(selection.indices), createPrng(request.seed));
  const taken = new Array<number>(dataset.classes.length).fill(0);
  const pixels = dataset.imageSize * dataset.imageSize;
  const expected: Expected[] = [];
  for (const index of order) {
    const classIndex = part.labels[index]!;
    if (taken[classIndex]! >= request.perClass) continue;
    taken[classIndex]!++;
    expected.push({
      name: `${dataset.name}-${request.split}-${index}.png`,
      source: `${dataset.name} ${request.split} split, ${selection.part} #${index}`,
      label: dataset.classes[classIndex]!,
      id: `${dataset.name}:${selection.part}:${index}`,
      pixels: await resizeSquare(
        part.images.slice(index * pixels, (index + 1) * pixels),
        dataset.imageSize,
        size,
      ),
    });
    if (taken.every((count) => count >= request.perClass)) break;
  }
  return expected;
}

async function expectSameInputs(inputs: ImportInput[], expected: Expected[], size: number): Promise<void> {
  expect(inputs.map((input) => [input.name, input.source, input.label])).toEqual(
    expected.map((e) => [e.name, e.source, e.label]),
  );
  for (const [k, input] of inputs.entries()) {
    expect(await input.identify()).toBe(expected[k]!.id);
    const image = await input.decode();
    expect([image.width, image.height]).toEqual([size, size]);
    expect(Buffer.from(image.pixels).equals(Buffer.from(expected[k]!.pixels)), input.name).toBe(true);
  }
}

/**
 * An MNIST-shaped data folder with MNIST's exact class counts (so the app's checks pass) and distinct
 * synthetic digits, uncompressed: 55 MB in a temporary folder, no real images.
 */
async function writeSyntheticMnist(dir: string): Promise<void> {
  const folder = join(dir, 'mnist');
  await mkdir(folder, { recursive: true });
  const write = async (prefix: string, counts: readonly number[], seed: number): Promise<void> => {
    const labels = Uint8Array.from(counts.flatMap((count, digit) => new Array<number>(count).fill(digit)));
    shuffleInPlace(labels, createPrng(seed));
    const images = new Uint8Array(labels.length * 784);
    for (let i = 0; i < images.length; i++) images[i] = (i * 31 + Math.floor(i / 784) * 7) & 0xff;
    await writeFile(join(folder, `${prefix}-labels-idx1-ubyte`), encodeIdx([labels.length], labels));
    await writeFile(join(folder, `${prefix}-images-idx3-ubyte`), encodeIdx([labels.length, 28, 28], images));
  };
  await write('train', MNIST_EXPECTED_COUNTS.train, 11);
  await write('t10k', MNIST_EXPECTED_COUNTS.test, 12);
}

const dataDir = resolveDataDir();
const realMednist = existsSync(join(dataDir, 'MedNIST.tar.gz'));
const realMnist = existsSync(join(dataDir, 'mnist', 't10k-labels-idx1-ubyte.gz'));
if (!realMednist || !realMnist) {
  console.warn(
    `\n*** SKIPPING the real-data dataset-sample tests: ${[
      !realMednist && 'MedNIST.tar.gz',
      !realMnist && 'mnist/',
    ]
      .filter(Boolean)
      .join(' and ')} not in ${dataDir} (cipherlens download --dataset mnist|mednist) ***\n`,
  );
}

let synthetic: string;
beforeAll(async () => {
  synthetic = await temporaryFolder('cipherlens-sample-');
  await writeSyntheticMnist(synthetic);
});
afterAll(() => rm(synthetic, { recursive: true, force: true }));

describe('datasetSampleInputs', () => {
  it('gives the inputs the full decode gave: names, sources, labels, ids and pixels (synthetic MNIST)', async () => {
    const requests: Request[] = [
      { dataset: 'mnist', split: 'test', perClass: 3, seed: 1 },
      { dataset: 'mnist', split: 'train', perClass: 2, seed: 42 },
    ];
    for (const request of requests) {
      for (const size of [28, 64]) {
        const inputs = await datasetSampleInputs(request, synthetic, size);
        expect(inputs).toHaveLength(10 * request.perClass);
        await expectSameInputs(inputs, await fullDecodeInputs(request, synthetic, size), size);
      }
    }
  });

  it.skipIf(!realMnist)('gives the inputs the full decode gave on the real MNIST', async () => {
    const request: Request = { dataset: 'mnist', split: 'test', perClass: 5, seed: 3 };
    const inputs = await datasetSampleInputs(request, dataDir, 64);
    await expectSameInputs(inputs, await fullDecodeInputs(request, dataDir, 64), 64);
  });

  it('takes the data folder from the request, and says when there is none', async () => {
    const request: Request = { dataset: 'mnist', split: 'test', perClass: 1, seed: 1, dataDir: synthetic };
    expect(await datasetSampleInputs(request, null, 28)).toHaveLength(10);
    await expect(datasetSampleInputs({ ...request, dataDir: undefined }, null, 28)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('importDataset job', () => {
  let service: AppService | null = null;
  afterAll(async () => {
    await service?.close();
  });

  async function importSample(request: Request): Promise<{ job: JobState; cacheEntries: string[] }> {
    const cacheDir = await temporaryFolder('cipherlens-cache-');
    try {
      await service?.close();
      service = await startTestService({ dataDir: realMednist ? dataDir : synthetic, cacheDir });
      const { jobId } = (await service.call('importDataset', request)) as { jobId: string };
      const job = await service.context.jobs.wait(jobId);
      return { job, cacheEntries: await readdir(cacheDir) };
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  }

  it('imports an MNIST sample without writing the decoded-dataset cache', async () => {
    const { job, cacheEntries } = await importSample({
      dataset: 'mnist',
      split: 'test',
      perClass: 2,
      seed: 1,
      dataDir: synthetic,
    });
    expect(job.status, job.error?.message).toBe('done');
    expect((job.result as { imported: string[] }).imported).toHaveLength(20);
    expect(cacheEntries).toEqual([]);
  });

  it.skipIf(!realMednist)(
    'imports a 20-per-class MedNIST sample from the real archive without writing the cache',
    async () => {
      const { job, cacheEntries } = await importSample({
        dataset: 'mednist',
        split: 'test',
        perClass: 20,
        seed: 1,
      });
      expect(job.status, job.error?.message).toBe('done');
      expect((job.result as { imported: string[] }).imported).toHaveLength(120);
      expect(cacheEntries).toEqual([]);
    },
  );
});
