import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeDatasetImage, type DatasetImageDecoder } from '../../../src/core/datasets/collector.js';
import { resolveDataDir } from '../../../src/core/datasets/data-dir.js';
import { compareCodeUnits, planSplits, type LoadedDataset } from '../../../src/core/datasets/dataset.js';
import { encodeIdx } from '../../../src/core/datasets/idx.js';
import { loadMednistFolder, loadMednistTar } from '../../../src/core/datasets/mednist.js';
import { loadMnist } from '../../../src/core/datasets/mnist.js';
import { createPrng, shuffleInPlace } from '../../../src/core/datasets/prng.js';
import {
  sampleMednistFolder,
  sampleMednistTar,
  sampleMnist,
  type DatasetSample,
  type SampleRequest,
} from '../../../src/core/datasets/sample.js';
import { greyJpeg, greyPng, makeTarGz, makeTempDir, pattern, type TarMember } from './fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(() => temp.cleanup());

interface Drawn {
  index: number;
  label: number;
  pixels: Uint8Array;
}

/**
 * The draw as the app made it before the sample path existed: decode everything, plan the splits on the decoded
 * dataset (seed 42), shuffle the split with createPrng(seed), keep the first perClass of each class.
 */
function drawFromDecoded(dataset: LoadedDataset, request: SampleRequest): { part: string; images: Drawn[] } {
  const selection = planSplits(dataset, 42)[request.split];
  const part = dataset.parts[selection.part]!;
  const order = shuffleInPlace(Uint32Array.from(selection.indices), createPrng(request.seed));
  const taken = new Array<number>(dataset.classes.length).fill(0);
  const pixels = dataset.imageSize * dataset.imageSize;
  const images: Drawn[] = [];
  for (const index of order) {
    const label = part.labels[index]!;
    if (taken[label]! >= request.perClass) continue;
    taken[label]!++;
    images.push({ index, label, pixels: part.images.slice(index * pixels, (index + 1) * pixels) });
    if (taken.every((count) => count >= request.perClass)) break;
  }
  return { part: selection.part, images };
}

/** Same classes, part, indices in the same order, labels and every pixel. */
function expectSameDraw(sample: DatasetSample, dataset: LoadedDataset, request: SampleRequest): void {
  const reference = drawFromDecoded(dataset, request);
  expect(sample.classes).toEqual(dataset.classes);
  expect(sample.imageSize).toBe(dataset.imageSize);
  expect(sample.part).toBe(reference.part);
  expect(sample.images.map((image) => [image.index, image.label])).toEqual(
    reference.images.map((image) => [image.index, image.label]),
  );
  reference.images.forEach((image, k) => {
    expect(
      Buffer.from(sample.images[k]!.pixels).equals(Buffer.from(image.pixels)),
      `pixels of #${image.index}`,
    ).toBe(true);
  });
}

/** A decoder that counts and names what it decodes, then decodes for real. */
function countingDecoder(): { decode: DatasetImageDecoder; names: string[] } {
  const names: string[] = [];
  return {
    names,
    decode: (bytes, size, fit, name) => {
      names.push(name);
      return decodeDatasetImage(bytes, size, fit, name);
    },
  };
}

const CLASS_SIZES: Record<string, number> = { Hand: 9, CXR: 12, ChestCT: 8, AbdomenCT: 6 };
const DUPLICATE = 'Hand/000003.jpeg';

/**
 * Four classes of distinct 64×64 images (JPEG, some PNG), plus what a real archive may hold besides: folders,
 * a text file, a name over 100 bytes (GNU long name), and the same <class>/<file> twice under two top folders,
 * which the loaders keep in listing order.
 */
async function syntheticMembers(order: 'sorted' | 'shuffled'): Promise<TarMember[]> {
  const images: TarMember[] = [];
  let seed = 1;
  for (const [className, count] of Object.entries(CLASS_SIZES)) {
    for (let i = 0; i < count; i++) {
      const fileName = `${String(i).padStart(6, '0')}.${i % 4 === 3 ? 'png' : 'jpeg'}`;
      const pixels = pattern(64, seed++);
      const data = fileName.endsWith('png') ? await greyPng(pixels, 64) : await greyJpeg(pixels, 64);
      images.push({ name: `MedNIST/${className}/${fileName}`, data });
    }
  }
  images.push({ name: `more/${DUPLICATE}`, data: await greyJpeg(pattern(64, 999), 64) });
  const longName = `MedNIST/CXR/${'x'.repeat(110)}.jpeg`;
  images.push({ name: longName, data: await greyJpeg(pattern(64, 1000), 64) });
  if (order === 'sorted') {
    // By <class>/<file>, as the loaders order images; the stable sort keeps the duplicate after its twin.
    const key = (member: TarMember): string => member.name.split('/').slice(1).join('/');
    images.sort((a, b) => compareCodeUnits(key(a), key(b)));
  } else {
    const permutation = shuffleInPlace(Uint32Array.from(images.keys()), createPrng(5));
    const shuffled = [...permutation].map((i) => images[i]!);
    images.splice(0, images.length, ...shuffled);
  }
  return [
    { name: 'MedNIST/', type: '5' },
    ...images.slice(0, 5),
    { name: 'MedNIST/README.txt', data: Buffer.from('not an image') },
    { name: 'MedNIST/Hand/', type: '5' },
    ...images.slice(5),
  ];
}

const syntheticCounts = { Hand: 10, CXR: 13, ChestCT: 8, AbdomenCT: 6 };
const TOTAL = 37;

const REQUESTS: SampleRequest[] = [
  { split: 'test', perClass: 1, seed: 1 },
  { split: 'train', perClass: 2, seed: 7 },
  { split: 'train', perClass: 3, seed: 123456 },
  { split: 'val', perClass: 1, seed: 0 },
  // More than any class holds: everything in the split, in draw order.
  { split: 'train', perClass: 50, seed: 2 },
];

describe('sample path on a synthetic MedNIST archive', () => {
  for (const order of ['sorted', 'shuffled'] as const) {
    it(`draws the same images, labels and pixels as the full decode (${order} archive)`, async () => {
      const tarPath = join(temp.dir, 'MedNIST.tar.gz');
      await writeFile(tarPath, makeTarGz(await syntheticMembers(order)));
      const full = await loadMednistTar(tarPath, { expectedCounts: syntheticCounts });
      expect(full.parts.all!.count).toBe(TOTAL);
      for (const request of REQUESTS) {
        const sample = await sampleMednistTar(tarPath, request, { expectedCounts: syntheticCounts });
        expectSameDraw(sample, full, request);
        // A sorted archive with the expected counts is read once; the guess needs no second pass.
        if (order === 'sorted') expect(sample.passes).toBe(1);
        const unchecked = await sampleMednistTar(tarPath, request, { expectedCounts: null });
        expectSameDraw(unchecked, full, request);
        // Without expected counts nothing can be guessed: the chosen members come from a second pass.
        expect(unchecked.passes).toBe(2);
      }
    });
  }

  it('decodes only the chosen images', async () => {
    const tarPath = join(temp.dir, 'MedNIST.tar.gz');
    await writeFile(tarPath, makeTarGz(await syntheticMembers('shuffled')));
    for (const expectedCounts of [syntheticCounts, null]) {
      const counter = countingDecoder();
      const sample = await sampleMednistTar(
        tarPath,
        { split: 'train', perClass: 2, seed: 3 },
        { expectedCounts, decode: counter.decode },
      );
      expect(sample.images).toHaveLength(8);
      expect(sample.decoded).toBe(8);
      expect(counter.names).toHaveLength(8);
      expect(new Set(counter.names).size).toBe(8);
      for (const name of counter.names) expect(name).toMatch(/MedNIST\.tar\.gz:(MedNIST|more)\//);
      // The full loader, by contrast, decodes every image member.
      let decodedByLoader = 0;
      await loadMednistTar(tarPath, { expectedCounts, onProgress: (decoded) => (decodedByLoader = decoded) });
      expect(decodedByLoader).toBe(TOTAL);
    }
  });

  it('refuses what the full loader refuses: wrong class counts, a missing archive', async () => {
    const tarPath = join(temp.dir, 'MedNIST.tar.gz');
    await writeFile(tarPath, makeTarGz(await syntheticMembers('sorted')));
    const wrong = { ...syntheticCounts, Hand: 9, HeadCT: 1 };
    const request: SampleRequest = { split: 'test', perClass: 1, seed: 1 };
    const fromLoader = await loadMednistTar(tarPath, { expectedCounts: wrong }).catch(
      (error: unknown) => error,
    );
    await expect(sampleMednistTar(tarPath, request, { expectedCounts: wrong })).rejects.toMatchObject({
      code: 'DATASET',
      message: (fromLoader as Error).message,
    });
    expect((fromLoader as Error).message).toMatch(/Hand: 10 \(expected 9\).*HeadCT: 0 \(expected 1\)/);
    await expect(sampleMednistTar(join(temp.dir, 'none.tar.gz'), request)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('draws the same from an extracted folder as the folder loader, reading only the chosen files', async () => {
    const members = (await syntheticMembers('shuffled')).filter(
      (m) =>
        m.name.startsWith('MedNIST/') && m.data && /\.(jpeg|png)$/.test(m.name) && !m.name.includes('xxx'),
    );
    const folder = join(temp.dir, 'MedNIST');
    for (const member of members) {
      const [, className, fileName] = member.name.split('/');
      await mkdir(join(folder, className!), { recursive: true });
      await writeFile(join(folder, className!, fileName!), member.data!);
    }
    const counts = { Hand: 9, CXR: 12, ChestCT: 8, AbdomenCT: 6 };
    const full = await loadMednistFolder(folder, { expectedCounts: counts });
    for (const request of REQUESTS) {
      const counter = countingDecoder();
      const sample = await sampleMednistFolder(folder, request, {
        expectedCounts: counts,
        decode: counter.decode,
      });
      expectSameDraw(sample, full, request);
      expect(counter.names).toHaveLength(sample.images.length);
    }
  });
});

describe('sample path on a synthetic MNIST', () => {
  it('draws the same images, labels and pixels as loadMnist, for every split', async () => {
    const folder = join(temp.dir, 'mnist');
    await mkdir(folder);
    const train = Array.from({ length: 90 }, (_, i) => (i * 7) % 10);
    const test = Array.from({ length: 30 }, (_, i) => (i * 3) % 10);
    const images = (count: number, seed: number): Uint8Array => {
      const data = new Uint8Array(count * 784);
      for (let i = 0; i < count; i++) data.set(pattern(28, seed + i), i * 784);
      return encodeIdx([count, 28, 28], data);
    };
    await writeFile(join(folder, 'train-images-idx3-ubyte'), images(train.length, 1));
    await writeFile(
      join(folder, 'train-labels-idx1-ubyte'),
      encodeIdx([train.length], Uint8Array.from(train)),
    );
    await writeFile(join(folder, 't10k-images-idx3-ubyte'), images(test.length, 300));
    await writeFile(join(folder, 't10k-labels-idx1-ubyte'), encodeIdx([test.length], Uint8Array.from(test)));
    const options = { expectedCounts: null, validationCount: 20 };
    const full = await loadMnist(temp.dir, options);
    for (const request of REQUESTS) {
      const sample = await sampleMnist(temp.dir, request, options);
      expectSameDraw(sample, full, request);
      expect(sample.decoded).toBe(0);
    }
  });
});

// The real archives of this project's CI layout (../shared/data) or $CIPHERLENS_DATA.
const dataDir = resolveDataDir();
const realTar = join(dataDir, 'MedNIST.tar.gz');
const haveMednist = existsSync(realTar);
const haveMnist = existsSync(join(dataDir, 'mnist', 't10k-labels-idx1-ubyte.gz'));
if (!haveMednist || !haveMnist) {
  const missing = [!haveMednist && realTar, !haveMnist && join(dataDir, 'mnist')].filter(Boolean);
  console.warn(
    `\n*** SKIPPING the real-data sample tests: ${missing.join(', ')} not found (cipherlens download --dataset mnist|mednist) ***\n`,
  );
}

const REAL_REQUESTS: SampleRequest[] = [
  { split: 'test', perClass: 20, seed: 1 },
  { split: 'train', perClass: 20, seed: 1 },
  { split: 'test', perClass: 7, seed: 99 },
  { split: 'val', perClass: 3, seed: 2024 },
];

describe.skipIf(!haveMednist)('sample path on the real MedNIST.tar.gz', () => {
  let full: LoadedDataset;
  // The reference decodes all 58,954 JPEGs once (about 1–2.5 min on 2 cores).
  beforeAll(async () => {
    full = await loadMednistTar(realTar);
  }, 900_000);

  it('draws exactly what the full decode draws, reading the sorted archive once', async () => {
    for (const request of REAL_REQUESTS) {
      const counter = countingDecoder();
      const sample = await sampleMednistTar(realTar, request, { decode: counter.decode });
      expect(sample.images).toHaveLength(6 * request.perClass);
      expectSameDraw(sample, full, request);
      expect(sample.passes).toBe(1);
      expect(counter.names).toHaveLength(6 * request.perClass);
    }
  });
});

describe.skipIf(!haveMnist)('sample path on the real MNIST', () => {
  it('draws exactly what loadMnist draws', async () => {
    const full = await loadMnist(dataDir);
    for (const request of REAL_REQUESTS) {
      const sample = await sampleMnist(dataDir, request);
      expect(sample.images).toHaveLength(10 * request.perClass);
      expectSameDraw(sample, full, request);
    }
  });
});
