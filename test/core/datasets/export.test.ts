import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createImageCipher } from '../../../src/core/crypto/cipher.js';
import { CONDITIONS } from '../../../src/core/crypto/condition.js';
import { generateKey } from '../../../src/core/crypto/keys.js';
import { planSplits, type LoadedDataset } from '../../../src/core/datasets/dataset.js';
import { exportTensors, type TensorManifest } from '../../../src/core/datasets/export.js';
import { npyIntegers, readNpy } from '../../../src/core/datasets/npy.js';
import { SPLITS } from '../../../src/core/datasets/splits.js';
import { makeTempDir, pattern } from './fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(() => temp.cleanup());

const SIZE = 16;
const PIXELS = SIZE * SIZE;

function tinyDataset(count = 60): LoadedDataset {
  const images = new Uint8Array(count * PIXELS);
  for (let i = 0; i < count; i++) images.set(pattern(SIZE, i + 1), i * PIXELS);
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
  return {
    name: 'tiny',
    classes: ['a', 'b', 'c'],
    imageSize: SIZE,
    parts: { all: { count, images, labels } },
    splitPolicy: { kind: 'stratified-fractions', val: 0.1, test: 0.1 },
    source: {
      kind: 'class-folders',
      location: '/nowhere',
      files: [{ name: 'tiny/', bytes: 1, sha256: 'ab' }],
    },
  };
}

describe('exportTensors', () => {
  it('writes the agreed layout; labels and plain images round-trip through .npy', async () => {
    const dataset = tinyDataset();
    const plan = planSplits(dataset, 42);
    const progress: number[] = [];
    const manifest = await exportTensors({
      dataset,
      plan,
      splitSeed: 42,
      condition: 'plain',
      cipher: null,
      outDir: temp.dir,
      chunkImages: 7,
      onProgress: (done) => progress.push(done),
    });
    expect((await readdir(temp.dir)).sort()).toEqual([
      'manifest.json',
      'test-images.npy',
      'test-labels.npy',
      'train-images.npy',
      'train-labels.npy',
      'val-images.npy',
      'val-labels.npy',
    ]);
    expect(progress.at(-1)).toBe(60);
    const onDisk = JSON.parse(await readFile(join(temp.dir, 'manifest.json'), 'utf8')) as TensorManifest;
    expect(onDisk).toEqual(manifest);
    expect(onDisk).toMatchObject({
      format: 'cipherlens-tensors',
      version: 1,
      dataset: 'tiny',
      classes: ['a', 'b', 'c'],
      imageSize: SIZE,
      condition: 'plain',
      keyFingerprint: null,
      encryptionSpecVersion: 1,
      arnoldParametersId: null,
      splitSeed: 42,
      splits: { train: 48, val: 6, test: 6 },
      classCounts: { train: [16, 16, 16], val: [2, 2, 2], test: [2, 2, 2] },
    });
    const source = dataset.parts.all!;
    for (const split of SPLITS) {
      const images = await readNpy(join(temp.dir, `${split}-images.npy`));
      const labels = await readNpy(join(temp.dir, `${split}-labels.npy`));
      expect(images).toMatchObject({ dtype: '|u1', shape: [plan[split].indices.length, SIZE, SIZE] });
      expect(labels).toMatchObject({ dtype: '<i8', shape: [plan[split].indices.length] });
      const labelValues = npyIntegers(labels);
      plan[split].indices.forEach((sourceIndex, i) => {
        expect(labelValues[i]).toBe(source.labels[sourceIndex]);
        const exported = images.data.subarray(i * PIXELS, (i + 1) * PIXELS);
        expect(
          Buffer.from(exported).equals(
            Buffer.from(source.images.subarray(sourceIndex * PIXELS, (sourceIndex + 1) * PIXELS)),
          ),
        ).toBe(true);
      });
    }
  });

  it.each(CONDITIONS.filter((c) => c !== 'plain'))(
    '%s: decrypting the exported images with the key gives the originals',
    async (condition) => {
      const dataset = tinyDataset();
      const plan = planSplits(dataset, 42);
      const key = generateKey('export test');
      const cipher = createImageCipher(key, condition, SIZE);
      const manifest = await exportTensors({
        dataset,
        plan,
        splitSeed: 42,
        condition,
        cipher,
        outDir: temp.dir,
        chunkImages: 5,
      });
      expect(manifest.keyFingerprint).toBe(key.fingerprint);
      expect(manifest.arnoldParametersId).toBe(cipher.parametersId);
      const source = dataset.parts.all!;
      for (const split of SPLITS) {
        const images = (await readNpy(join(temp.dir, `${split}-images.npy`))).data;
        const decrypted = new Uint8Array(images.length);
        cipher.decryptBatch(images, decrypted);
        expect(Buffer.from(images).equals(Buffer.from(decrypted))).toBe(false);
        plan[split].indices.forEach((sourceIndex, i) => {
          const original = source.images.subarray(sourceIndex * PIXELS, (sourceIndex + 1) * PIXELS);
          expect(
            Buffer.from(decrypted.subarray(i * PIXELS, (i + 1) * PIXELS)).equals(Buffer.from(original)),
          ).toBe(true);
        });
      }
    },
  );

  it('refuses an encrypting condition without a matching cipher', async () => {
    const dataset = tinyDataset();
    const plan = planSplits(dataset, 42);
    await expect(
      exportTensors({ dataset, plan, splitSeed: 42, condition: 'xor', cipher: null, outDir: temp.dir }),
    ).rejects.toThrow(/needs a key/);
    const wrongSize = createImageCipher(generateKey(), 'xor', SIZE * 2);
    await expect(
      exportTensors({ dataset, plan, splitSeed: 42, condition: 'xor', cipher: wrongSize, outDir: temp.dir }),
    ).rejects.toThrow(/cipher is xor 32²/);
  });
});
