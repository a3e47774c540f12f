import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeIdx } from '../../../src/core/datasets/idx.js';
import { loadMnist } from '../../../src/core/datasets/mnist.js';
import { makeTempDir, pattern } from './fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(() => temp.cleanup());

/** Writes a tiny MNIST in the standard layout: <dir>/mnist/*-idx?-ubyte.gz. */
async function writeTinyMnist(dir: string, train: number[], test: number[]): Promise<void> {
  const folder = join(dir, 'mnist');
  await mkdir(folder, { recursive: true });
  const images = (count: number, seed: number): Uint8Array => {
    const data = new Uint8Array(count * 784);
    for (let i = 0; i < count; i++) data.set(pattern(28, seed + i), i * 784);
    return encodeIdx([count, 28, 28], data);
  };
  await writeFile(join(folder, 'train-images-idx3-ubyte.gz'), gzipSync(images(train.length, 1)));
  await writeFile(
    join(folder, 'train-labels-idx1-ubyte.gz'),
    gzipSync(encodeIdx([train.length], Uint8Array.from(train))),
  );
  // The test pair is stored uncompressed: both spellings must be found.
  await writeFile(join(folder, 't10k-images-idx3-ubyte'), images(test.length, 500));
  await writeFile(join(folder, 't10k-labels-idx1-ubyte'), encodeIdx([test.length], Uint8Array.from(test)));
}

describe('loadMnist', () => {
  const train = Array.from({ length: 40 }, (_, i) => i % 10);
  const test = Array.from({ length: 20 }, (_, i) => (i * 3) % 10);

  it('reads images and labels, records source checksums and the carved-validation policy', async () => {
    await writeTinyMnist(temp.dir, train, test);
    const dataset = await loadMnist(temp.dir, { expectedCounts: null, validationCount: 10 });
    expect(dataset.imageSize).toBe(28);
    expect(dataset.parts.train!.count).toBe(40);
    expect([...dataset.parts.test!.labels]).toEqual(test);
    expect([...dataset.parts.train!.images.subarray(784, 2 * 784)]).toEqual([...pattern(28, 2)]);
    expect(dataset.splitPolicy).toEqual({ kind: 'carved-validation', validation: 10 });
    expect(dataset.source.files.map((f) => f.name)).toEqual([
      'mnist/train-images-idx3-ubyte.gz',
      'mnist/train-labels-idx1-ubyte.gz',
      'mnist/t10k-images-idx3-ubyte',
      'mnist/t10k-labels-idx1-ubyte',
    ]);
    expect(dataset.source.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails on class counts that differ from the expected ones, naming the class', async () => {
    await writeTinyMnist(temp.dir, train, test);
    const expected = { train: [4, 4, 4, 4, 4, 4, 4, 4, 4, 5], test: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2] };
    await expect(loadMnist(temp.dir, { expectedCounts: expected })).rejects.toMatchObject({
      code: 'DATASET',
      message: expect.stringMatching(/train-labels.*9: 4 \(expected 5\)/),
    });
  });

  it('fails when images and labels disagree on the count, naming both files', async () => {
    await writeTinyMnist(temp.dir, train, test);
    await writeFile(
      join(temp.dir, 'mnist', 't10k-labels-idx1-ubyte'),
      encodeIdx([19], Uint8Array.from(test.slice(1))),
    );
    await expect(loadMnist(temp.dir, { expectedCounts: null })).rejects.toThrow(
      /t10k-images-idx3-ubyte holds 20 images but .*t10k-labels-idx1-ubyte holds 19 labels/,
    );
  });

  it('reports a missing file with the places it looked', async () => {
    await writeTinyMnist(temp.dir, train, test);
    await rm(join(temp.dir, 'mnist', 'train-labels-idx1-ubyte.gz'));
    await expect(loadMnist(temp.dir, { expectedCounts: null })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('train-labels-idx1-ubyte.gz not found'),
    });
  });
});
