import { access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CipherLensError } from '../errors.js';
import { describeSourceFile } from './checksum.js';
import {
  checkClassCounts,
  countClasses,
  type ImagePart,
  type LoadedDataset,
  type SplitPolicy,
} from './dataset.js';
import { readIdxFile, type IdxArray } from './idx.js';
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

/** Checks an images file's shape against MNIST's and against its labels file's count. */
function checkImages(images: IdxArray, imagesPath: string, labelCount: number, labelsPath: string): number {
  const [count, rows, cols] = images.dims as [number, number, number];
  if (rows !== MNIST_IMAGE_SIZE || cols !== MNIST_IMAGE_SIZE) {
    throw new CipherLensError('DATASET', `${imagesPath}: images are ${rows}×${cols}, MNIST's are 28×28`);
  }
  if (labelCount !== count) {
    throw new CipherLensError(
      'DATASET',
      `count mismatch: ${imagesPath} holds ${count} images but ${labelsPath} holds ${labelCount} labels`,
    );
  }
  return count;
}

function checkLabels(labels: IdxArray, labelsPath: string): Int32Array {
  const labelArray = Int32Array.from(labels.data);
  const bad = labelArray.findIndex((label) => label >= MNIST_CLASSES.length);
  if (bad >= 0) {
    throw new CipherLensError(
      'DATASET',
      `${labelsPath}: label ${labelArray[bad]} at index ${bad} is not a digit`,
    );
  }
  return labelArray;
}

async function readPart(imagesPath: string, labelsPath: string): Promise<ImagePart> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath, 3), readIdxFile(labelsPath, 1)]);
  const count = checkImages(images, imagesPath, labels.dims[0]!, labelsPath);
  return { count, images: images.data, labels: checkLabels(labels, labelsPath) };
}

export interface MnistPaths {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

/** The four files' paths; a missing one fails as NOT_FOUND naming every place looked in. */
export async function locateMnist(dataDir: string): Promise<MnistPaths> {
  return {
    trainImages: await locate(dataDir, MNIST_FILES.trainImages),
    trainLabels: await locate(dataDir, MNIST_FILES.trainLabels),
    testImages: await locate(dataDir, MNIST_FILES.testImages),
    testLabels: await locate(dataDir, MNIST_FILES.testLabels),
  };
}

/** One part's labels, checked to be digits; the sample path plans the splits from these alone. */
export const readMnistLabels = async (labelsPath: string): Promise<Int32Array> =>
  checkLabels(await readIdxFile(labelsPath, 1), labelsPath);

/** One part's images (count × 28 × 28), checked against MNIST's size and the labels' count. */
export async function readMnistImages(
  imagesPath: string,
  labelCount: number,
  labelsPath: string,
): Promise<Uint8Array> {
  const images = await readIdxFile(imagesPath, 3);
  checkImages(images, imagesPath, labelCount, labelsPath);
  return images.data;
}

/** The per-class count check of loadMnist (null: none). */
export function checkMnistCounts(
  paths: MnistPaths,
  labels: { train: Int32Array; test: Int32Array },
  options: MnistOptions = {},
): void {
  const expected = options.expectedCounts === undefined ? MNIST_EXPECTED_COUNTS : options.expectedCounts;
  if (!expected) return;
  const classes = [...MNIST_CLASSES];
  checkClassCounts(paths.trainLabels, classes, countClasses(labels.train, classes.length), expected.train);
  checkClassCounts(paths.testLabels, classes, countClasses(labels.test, classes.length), expected.test);
}

export const mnistSplitPolicy = (options: MnistOptions = {}): SplitPolicy => ({
  kind: 'carved-validation',
  validation: options.validationCount ?? MNIST_VALIDATION_COUNT,
});

/** Reads the four MNIST IDX files and checks their per-class counts. */
export async function loadMnist(dataDir: string, options: MnistOptions = {}): Promise<LoadedDataset> {
  const paths = await locateMnist(dataDir);
  const train = await readPart(paths.trainImages, paths.trainLabels);
  const test = await readPart(paths.testImages, paths.testLabels);
  checkMnistCounts(paths, { train: train.labels, test: test.labels }, options);
  const files = await Promise.all(
    Object.values(paths).map((path) => describeSourceFile(path, `mnist/${basename(path)}`)),
  );
  return {
    name: 'mnist',
    classes: [...MNIST_CLASSES],
    imageSize: MNIST_IMAGE_SIZE,
    parts: { train, test },
    splitPolicy: mnistSplitPolicy(options),
    source: { kind: 'mnist-idx', location: dirname(paths.trainImages), files },
  };
}
