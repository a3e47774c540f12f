import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { planSplits, requirePart } from '../datasets/dataset.js';
import { openDataset } from '../datasets/open.js';
import { createPrng, shuffleInPlace } from '../datasets/prng.js';
import {
  MEDNIST_CLASSES,
  MEDNIST_FILE,
  MEDNIST_IMAGE_SIZE,
  MNIST_CLASSES,
  MNIST_FILES,
  MNIST_IMAGE_SIZE,
} from '../datasets/sources.js';
import { DEFAULT_SPLIT_SEED } from '../datasets/splits.js';
import { CipherLensError } from '../errors.js';
import type { ImportInput } from '../workspace/importer.js';
import type { z } from 'zod';
import type { DatasetAvailabilitySchema, ImportDatasetRequestSchema } from '../../shared/library.js';
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
 * shipped models were trained with (seed 42), so a "test" sample never contains training images.
 */
export async function datasetSampleInputs(
  request: DatasetRequest,
  dataDir: string | null,
  cacheDir: string | null,
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
  const { dataset } = await openDataset(request.dataset, {
    dataDir: folder,
    cacheDir,
    ...(onLoadProgress && { onProgress: onLoadProgress }),
  });
  const selection = planSplits(dataset, DEFAULT_SPLIT_SEED)[request.split];
  const part = requirePart(dataset, selection.part);
  const order = shuffleInPlace(Uint32Array.from(selection.indices), createPrng(request.seed));
  const taken = new Array<number>(dataset.classes.length).fill(0);
  const pixels = dataset.imageSize * dataset.imageSize;
  const inputs: ImportInput[] = [];
  for (const index of order) {
    const classIndex = part.labels[index]!;
    if (taken[classIndex]! >= request.perClass) continue;
    taken[classIndex]!++;
    const label = dataset.classes[classIndex]!;
    const where = `${dataset.name} ${request.split} split, ${selection.part} #${index}`;
    inputs.push({
      name: `${dataset.name}-${request.split}-${index}.png`,
      source: where,
      label,
      identify: async () => `${dataset.name}:${selection.part}:${index}`,
      decode: async () => {
        const original = part.images.slice(index * pixels, (index + 1) * pixels);
        const resized = await resizeSquare(original, dataset.imageSize, size);
        return {
          pixels: resized,
          width: size,
          height: size,
          source: { width: dataset.imageSize, height: dataset.imageSize, format: dataset.name },
          conversion:
            size === dataset.imageSize
              ? []
              : [`resized ${dataset.imageSize}×${dataset.imageSize} → ${size}×${size} (lanczos3)`],
        };
      },
    });
    if (taken.every((count) => count >= request.perClass)) break;
  }
  return inputs;
}
