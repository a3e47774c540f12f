import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sampleDataset } from '../core/datasets/sample.js';
import {
  MEDNIST_CLASSES,
  MEDNIST_FILE,
  MEDNIST_IMAGE_SIZE,
  MNIST_CLASSES,
  MNIST_FILES,
  MNIST_IMAGE_SIZE,
} from '../core/datasets/sources.js';
import { DEFAULT_SPLIT_SEED } from '../core/datasets/splits.js';
import { CipherLensError } from '../core/errors.js';
import type { ImportInput } from '../core/workspace/importer.js';
import type { z } from 'zod';
import type { DatasetAvailabilitySchema, ImportDatasetRequestSchema } from '../shared/library.js';
import { resizeSquare } from './images.js';

type DatasetRequest = z.output<typeof ImportDatasetRequestSchema>;
type DatasetAvailability = z.output<typeof DatasetAvailabilitySchema>;

/** Which built-in datasets a data folder holds (checked by file presence; readers verify contents). */
export function datasetAvailability(dataDir: string | null): DatasetAvailability[] {
  const mnistFound =
    dataDir !== null && Object.values(MNIST_FILES).every((file) => existsSync(join(dataDir, file.path)));
  const mednistPath =
    dataDir === null
      ? null
      : ([join(dataDir, MEDNIST_FILE.path), join(dataDir, 'MedNIST')].find((path) => existsSync(path)) ??
        null);
  return [
    {
      dataset: 'mednist',
      available: mednistPath !== null,
      location: mednistPath,
      classes: [...MEDNIST_CLASSES],
      imageSize: MEDNIST_IMAGE_SIZE,
    },
    {
      dataset: 'mnist',
      available: mnistFound,
      location: mnistFound && dataDir ? join(dataDir, 'mnist') : null,
      classes: [...MNIST_CLASSES],
      imageSize: MNIST_IMAGE_SIZE,
    },
  ];
}

/**
 * `perClass` images of every class from one split, drawn in a seeded order. The splits are the ones the
 * shipped models were trained with (seed 42), so a "test" sample never contains training images. Only the
 * drawn images are read and decoded (src/core/datasets/sample.ts): the same images, labels and pixels the
 * fully decoded dataset gives, in seconds instead of minutes, and without the decoded-dataset cache.
 */
export async function datasetSampleInputs(
  request: DatasetRequest,
  dataDir: string | null,
  size: number,
  onLoadProgress?: (done: number, total: number) => void,
): Promise<ImportInput[]> {
  const folder = request.dataDir ?? dataDir;
  if (!folder) {
    throw new CipherLensError(
      'NOT_FOUND',
      'no data folder is configured: start the host with --data-dir <folder holding mnist/ and MedNIST.tar.gz>',
    );
  }
  const sample = await sampleDataset(
    request.dataset,
    folder,
    { split: request.split, perClass: request.perClass, seed: request.seed, splitSeed: DEFAULT_SPLIT_SEED },
    { ...(onLoadProgress && { onProgress: onLoadProgress }) },
  );
  const { name, imageSize, part } = sample;
  return sample.images.map(({ index, label, pixels }) => ({
    name: `${name}-${request.split}-${index}.png`,
    source: `${name} ${request.split} split, ${part} #${index}`,
    label: sample.classes[label]!,
    identify: async () => `${name}:${part}:${index}`,
    decode: async () => {
      const resized = await resizeSquare(pixels.slice(), imageSize, size);
      return {
        pixels: resized,
        width: size,
        height: size,
        source: { width: imageSize, height: imageSize, format: name },
        conversion:
          size === imageSize ? [] : [`resized ${imageSize}×${imageSize} → ${size}×${size} (lanczos3)`],
      };
    },
  }));
}
