import { join } from 'node:path';
import { CipherLensError } from '../errors.js';
import { readRegularFile } from '../fs/read.js';
import { MAX_IMAGE_FILE_BYTES, type FitMode } from '../image/decode.js';
import { checkNoEmptyClasses, listClassFolders } from './class-folders.js';
import { decodeDatasetImage, orderImages, type DatasetImageDecoder, type NamedImage } from './collector.js';
import {
  compareCodeUnits,
  planSplits,
  requirePart,
  type LabelledParts,
  type SplitPolicy,
} from './dataset.js';
import {
  checkMednistCounts,
  locateMednist,
  MEDNIST_EXPECTED,
  mednistImageName,
  readMednistMembers,
  requireMednistArchive,
} from './mednist.js';
import {
  checkMnistCounts,
  locateMnist,
  mnistSplitPolicy,
  readMnistImages,
  readMnistLabels,
  type MnistOptions,
} from './mnist.js';
import { createTaskPool } from './pool.js';
import { createPrng, shuffleInPlace } from './prng.js';
import { MEDNIST_FRACTIONS, MEDNIST_IMAGE_SIZE, MNIST_CLASSES, MNIST_IMAGE_SIZE } from './sources.js';
import { DEFAULT_SPLIT_SEED, type Split } from './splits.js';

/**
 * A few images of every class from one split, without decoding the rest of the dataset.
 *
 * The splits are planned from labels alone (`planSplits` reads no pixels), so a listing of the source, i.e.
 * member names and their classes, ordered exactly as the full loaders order their images (`orderImages`),
 * gives the same plan, the same indices and the same labels as the decoded dataset. Only the chosen files are
 * then read and decoded, through the same decoder the full loaders use, so the pixels are the same too.
 * test/core/datasets/sample.test.ts compares both paths image by image.
 */

export interface SampleRequest {
  split: Split;
  /** Take up to this many images of each class (fewer when the split holds fewer). */
  perClass: number;
  /** Seed of the draw inside the split. */
  seed: number;
  /** Seed of the split plan: DEFAULT_SPLIT_SEED (42), the one the shipped models were trained with. */
  splitSeed?: number;
}

/** The chosen indices into one source part, in draw order. */
export interface SampleChoice {
  part: string;
  indices: number[];
}

/**
 * The draw: shuffle the split's indices with `createPrng(seed)` and keep the first `perClass` of each class,
 * stopping once every class is full. Reads labels only.
 */
export function chooseSample(listing: LabelledParts, request: SampleRequest): SampleChoice {
  const selection = planSplits(listing, request.splitSeed ?? DEFAULT_SPLIT_SEED)[request.split];
  const labels = requirePart(listing, selection.part).labels;
  const order = shuffleInPlace(Uint32Array.from(selection.indices), createPrng(request.seed));
  const taken = new Array<number>(listing.classes.length).fill(0);
  const indices: number[] = [];
  for (const index of order) {
    const classIndex = labels[index]!;
    if (taken[classIndex]! >= request.perClass) continue;
    taken[classIndex]!++;
    indices.push(index);
    if (taken.every((count) => count >= request.perClass)) break;
  }
  return { part: selection.part, indices };
}

export interface SampledImage {
  /** Index into the source part, the same index the full loader gives this image. */
  index: number;
  /** Class index into `classes`. */
  label: number;
  /** imageSize² grey bytes. */
  pixels: Uint8Array;
}

export interface DatasetSample {
  name: string;
  classes: string[];
  imageSize: number;
  split: Split;
  part: string;
  /** In draw order. */
  images: SampledImage[];
  /** Images decoded (0 for MNIST, whose IDX files hold raw pixels). */
  decoded: number;
  /** Times the source was read through: 1, or 2 for an archive whose member order had to be learnt first. */
  passes: number;
}

export interface SampleOptions {
  /** Called while reading: (members listed or images decoded, of how many). */
  onProgress?: (done: number, total: number) => void;
  concurrency?: number;
  /** Tests count decodes with this; default: the decoder every dataset reader uses. */
  decode?: DatasetImageDecoder;
}

export interface MednistSampleOptions extends SampleOptions {
  /** Class name → count to insist on; null skips the check (tiny test fixtures). */
  expectedCounts?: Record<string, number> | null;
}

const MEDNIST_POLICY: SplitPolicy = { kind: 'stratified-fractions', ...MEDNIST_FRACTIONS };

interface ChosenFile {
  index: number;
  label: number;
  bytes: Uint8Array;
  name: string;
}

/** Decodes just the chosen files, at most `concurrency` at once, in draw order. */
async function decodeChosen(
  files: readonly ChosenFile[],
  imageSize: number,
  fit: FitMode,
  options: SampleOptions,
): Promise<SampledImage[]> {
  const decode = options.decode ?? decodeDatasetImage;
  const pool = createTaskPool(options.concurrency ?? 4);
  const images = new Array<SampledImage>(files.length);
  let decoded = 0;
  for (const [position, file] of files.entries()) {
    await pool.add(async () => {
      const image = await decode(file.bytes, imageSize, fit, file.name);
      const pixels = new Uint8Array(imageSize * imageSize);
      pixels.set(image.pixels);
      images[position] = { index: file.index, label: file.label, pixels };
      options.onProgress?.(++decoded, files.length);
    });
  }
  await pool.drain();
  return images;
}

/** Labels of a pool whose images come in (class, file) order with these counts: a guess of the listing. */
function listingFromCounts(expected: Readonly<Record<string, number>>): LabelledParts {
  const classes = Object.keys(expected)
    .filter((name) => (expected[name] ?? 0) > 0)
    .sort(compareCodeUnits);
  const labels = new Int32Array(classes.reduce((sum, name) => sum + expected[name]!, 0));
  let offset = 0;
  classes.forEach((name, label) => {
    labels.fill(label, offset, offset + expected[name]!);
    offset += expected[name]!;
  });
  return {
    name: 'mednist',
    classes,
    splitPolicy: MEDNIST_POLICY,
    parts: { all: { count: labels.length, labels } },
  };
}

interface ListedMember extends NamedImage {
  member: string;
}

const PROGRESS_EVERY = 1024;

/**
 * A sample from `MedNIST.tar.gz`. One pass lists the image members (names and classes) and keeps the bytes of
 * the members a sorted archive with the expected class counts would have chosen (the published archive is
 * sorted). The real choice is then made from the real listing; when a chosen member's bytes were not kept
 * (an archive in another order or with other counts) a second pass fetches exactly those. Only the chosen
 * members are decoded.
 */
export async function sampleMednistTar(
  tarPath: string,
  request: SampleRequest,
  options: MednistSampleOptions = {},
): Promise<DatasetSample> {
  await requireMednistArchive(tarPath);
  const expected = options.expectedCounts === undefined ? MEDNIST_EXPECTED : options.expectedCounts;
  const expectedTotal = expected ? Object.values(expected).reduce((sum, n) => sum + n, 0) : 0;
  const guessed = new Set(expected ? chooseSample(listingFromCounts(expected), request).indices : []);

  const members: ListedMember[] = [];
  const kept = new Map<number, Uint8Array>();
  for await (const entry of readMednistMembers(tarPath)) {
    const image = mednistImageName(entry);
    if (!image) continue;
    const slot = members.length;
    members.push({ ...image, member: entry.name });
    // A copy: the entry's bytes are a view of a larger decompressed chunk.
    if (guessed.has(slot)) kept.set(slot, Uint8Array.from(entry.data!));
    if (members.length % PROGRESS_EVERY === 0) {
      options.onProgress?.(members.length, Math.max(expectedTotal, members.length));
    }
  }

  const order = orderImages(members, tarPath);
  const listing: LabelledParts = {
    name: 'mednist',
    classes: order.classes,
    splitPolicy: MEDNIST_POLICY,
    parts: { all: { count: members.length, labels: order.labels } },
  };
  checkMednistCounts(listing, tarPath, expected);
  const choice = chooseSample(listing, request);
  const slots = choice.indices.map((index) => order.slots[index]!);
  const missing = new Set(slots.filter((slot) => !kept.has(slot)));
  const passes = missing.size > 0 ? 2 : 1;
  if (missing.size > 0) await fetchMembers(tarPath, members, missing, kept);

  const images = await decodeChosen(
    choice.indices.map((index, k) => ({
      index,
      label: order.labels[index]!,
      bytes: kept.get(slots[k]!)!,
      name: `${tarPath}:${members[slots[k]!]!.member}`,
    })),
    MEDNIST_IMAGE_SIZE,
    'error',
    options,
  );
  return {
    name: 'mednist',
    classes: order.classes,
    imageSize: MEDNIST_IMAGE_SIZE,
    split: request.split,
    part: choice.part,
    images,
    decoded: images.length,
    passes,
  };
}

/** Second pass: the bytes of the image members at `wanted` listing positions, checked by name. */
async function fetchMembers(
  tarPath: string,
  members: readonly ListedMember[],
  wanted: Set<number>,
  kept: Map<number, Uint8Array>,
): Promise<void> {
  const changed = (): CipherLensError =>
    new CipherLensError(
      'DATASET',
      `${tarPath} changed while it was being read (its members differ between two passes); try again`,
    );
  let slot = 0;
  for await (const entry of readMednistMembers(tarPath)) {
    if (!mednistImageName(entry)) continue;
    const current = slot++;
    if (!wanted.has(current)) continue;
    if (entry.name !== members[current]?.member) throw changed();
    kept.set(current, Uint8Array.from(entry.data!));
    wanted.delete(current);
    if (wanted.size === 0) return;
  }
  throw changed();
}

/** A sample from an extracted `MedNIST/<Class>/*.jpeg` folder: list, choose, read and decode the chosen files. */
export async function sampleMednistFolder(
  folder: string,
  request: SampleRequest,
  options: MednistSampleOptions = {},
): Promise<DatasetSample> {
  const expected = options.expectedCounts === undefined ? MEDNIST_EXPECTED : options.expectedCounts;
  const found = await listClassFolders(folder);
  const order = orderImages(found.files, found.root);
  checkNoEmptyClasses(found, order.classes);
  const listing: LabelledParts = {
    name: 'mednist',
    classes: order.classes,
    splitPolicy: MEDNIST_POLICY,
    parts: { all: { count: found.files.length, labels: order.labels } },
  };
  checkMednistCounts(listing, folder, expected);
  const choice = chooseSample(listing, request);
  const files: ChosenFile[] = [];
  for (const index of choice.indices) {
    const { className, fileName } = found.files[order.slots[index]!]!;
    const path = join(found.root, className, fileName);
    files.push({ index, label: order.labels[index]!, bytes: await readImage(path), name: path });
  }
  const images = await decodeChosen(files, MEDNIST_IMAGE_SIZE, 'error', options);
  return {
    name: 'mednist',
    classes: order.classes,
    imageSize: MEDNIST_IMAGE_SIZE,
    split: request.split,
    part: choice.part,
    images,
    decoded: images.length,
    passes: 1,
  };
}

/**
 * A sample from the MNIST IDX files: both label files plan the splits, and only the images file of the part
 * the split draws from is read (t10k for "test", train for "train" and "val").
 */
export async function sampleMnist(
  dataDir: string,
  request: SampleRequest,
  options: MnistOptions = {},
): Promise<DatasetSample> {
  const paths = await locateMnist(dataDir);
  const [train, test] = await Promise.all([
    readMnistLabels(paths.trainLabels),
    readMnistLabels(paths.testLabels),
  ]);
  checkMnistCounts(paths, { train, test }, options);
  const listing: LabelledParts = {
    name: 'mnist',
    classes: [...MNIST_CLASSES],
    splitPolicy: mnistSplitPolicy(options),
    parts: { train: { count: train.length, labels: train }, test: { count: test.length, labels: test } },
  };
  const choice = chooseSample(listing, request);
  const labels = requirePart(listing, choice.part).labels;
  const [imagesPath, labelsPath] =
    choice.part === 'train' ? [paths.trainImages, paths.trainLabels] : [paths.testImages, paths.testLabels];
  const data = await readMnistImages(imagesPath, labels.length, labelsPath);
  const pixels = MNIST_IMAGE_SIZE * MNIST_IMAGE_SIZE;
  return {
    name: 'mnist',
    classes: listing.classes,
    imageSize: MNIST_IMAGE_SIZE,
    split: request.split,
    part: choice.part,
    images: choice.indices.map((index) => ({
      index,
      label: labels[index]!,
      pixels: data.slice(index * pixels, (index + 1) * pixels),
    })),
    decoded: 0,
    passes: 1,
  };
}

/** `mnist` or `mednist` (tarball, else extracted folder) from a data folder, as openDataset finds them. */
export async function sampleDataset(
  dataset: 'mnist' | 'mednist',
  dataDir: string,
  request: SampleRequest,
  options: SampleOptions = {},
): Promise<DatasetSample> {
  if (dataset === 'mnist') return sampleMnist(dataDir, request);
  const found = await locateMednist(dataDir);
  return found.kind === 'tar'
    ? sampleMednistTar(found.path, request, options)
    : sampleMednistFolder(found.path, request, options);
}

/** A dataset image: a regular file within the image limit (a FIFO or a device in the folder is refused). */
const readImage = (path: string): Promise<Buffer> =>
  readRegularFile(path, MAX_IMAGE_FILE_BYTES, { tooLargeCode: 'IMAGE_TOO_LARGE' });
