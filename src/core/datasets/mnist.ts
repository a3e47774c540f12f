import { access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CipherLensError } from '../errors.js';
import { describeSourceFile } from './checksum.js';
import { checkClassCounts, countClasses, type ImagePart, type LoadedDataset } from './dataset.js';
import { readIdxFile } from './idx.js';
import {
  MNIST_CLASSES,
  MNIST_EXPECTED_COUNTS,
  MNIST_FILES,
  MNIST_IMAGE_SIZE,
  MNIST_VALIDATION_COUNT,
  type KnownFile,
} from './sources.js';

export interface MnistOptions {
  /** Per-class counts to insist on; null skips the check (tiny test fixtures). */
  expectedCounts?: { train: readonly number[]; test: readonly number[] } | null;
  validationCount?: number;
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** Finds an MNIST file as `<dir>/mnist/<name>[.gz]` or `<dir>/<name>[.gz]`, gzipped or not. */
async function locate(dataDir: string, file: KnownFile): Promise<string> {
  const gzName = basename(file.path);
  const rawName = gzName.replace(/\.gz$/, '');
  const candidates = [dirname(file.path), '.'].flatMap((folder) =>
    [gzName, rawName].map((name) => join(dataDir, folder, name)),
  );
  for (const candidate of candidates) if (await exists(candidate)) return candidate;
  throw new CipherLensError(
    'NOT_FOUND',
    `MNIST file ${gzName} not found; looked for ${candidates.join(', ')} (run \`cipherlens download --dataset mnist\`)`,
  );
}

async function readPart(imagesPath: string, labelsPath: string): Promise<ImagePart> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath, 3), readIdxFile(labelsPath, 1)]);
  const [count, rows, cols] = images.dims as [number, number, number];
  if (rows !== MNIST_IMAGE_SIZE || cols !== MNIST_IMAGE_SIZE) {
    throw new CipherLensError('DATASET', `${imagesPath}: images are ${rows}×${cols}, MNIST's are 28×28`);
  }
  if (labels.dims[0] !== count) {
    throw new CipherLensError(
      'DATASET',
      `count mismatch: ${imagesPath} holds ${count} images but ${labelsPath} holds ${labels.dims[0]} labels`,
    );
  }
  const labelArray = Int32Array.from(labels.data);
  const bad = labelArray.findIndex((label) => label >= MNIST_CLASSES.length);
  if (bad >= 0) {
    throw new CipherLensError(
      'DATASET',
      `${labelsPath}: label ${labelArray[bad]} at index ${bad} is not a digit`,
    );
  }
  return { count, images: images.data, labels: labelArray };
}

/** Reads the four MNIST IDX files and checks their per-class counts. */
export async function loadMnist(dataDir: string, options: MnistOptions = {}): Promise<LoadedDataset> {
  const paths = {
    trainImages: await locate(dataDir, MNIST_FILES.trainImages),
    trainLabels: await locate(dataDir, MNIST_FILES.trainLabels),
    testImages: await locate(dataDir, MNIST_FILES.testImages),
    testLabels: await locate(dataDir, MNIST_FILES.testLabels),
  };
  const train = await readPart(paths.trainImages, paths.trainLabels);
  const test = await readPart(paths.testImages, paths.testLabels);
  const classes = [...MNIST_CLASSES];
  const expected = options.expectedCounts === undefined ? MNIST_EXPECTED_COUNTS : options.expectedCounts;
  if (expected) {
    checkClassCounts(paths.trainLabels, classes, countClasses(train.labels, classes.length), expected.train);
    checkClassCounts(paths.testLabels, classes, countClasses(test.labels, classes.length), expected.test);
  }
  const files = await Promise.all(
    Object.values(paths).map((path) => describeSourceFile(path, `mnist/${basename(path)}`)),
  );
  return {
    name: 'mnist',
    classes,
    imageSize: MNIST_IMAGE_SIZE,
    parts: { train, test },
    splitPolicy: { kind: 'carved-validation', validation: options.validationCount ?? MNIST_VALIDATION_COUNT },
    source: { kind: 'mnist-idx', location: dirname(paths.trainImages), files },
  };
}
