import { access, stat } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { CipherLensError } from '../errors.js';
import { describeSourceFile } from './checksum.js';
import { loadClassFolders } from './class-folders.js';
import { ImageCollector, isImageFileName, type NamedImage } from './collector.js';
import { checkClassCounts, countClasses, type LabelledParts, type LoadedDataset } from './dataset.js';
import {
  MEDNIST_CLASSES,
  MEDNIST_EXPECTED_COUNTS,
  MEDNIST_FILE,
  MEDNIST_FRACTIONS,
  MEDNIST_IMAGE_SIZE,
} from './sources.js';
import { readTarGzFile, type TarEntry } from './tar.js';

export interface MednistOptions {
  /** Class name → count to insist on; null skips the check (tiny test fixtures). */
  expectedCounts?: Record<string, number> | null;
  concurrency?: number;
  onProgress?: (decoded: number, total: number) => void;
}

export const MEDNIST_EXPECTED: Readonly<Record<string, number>> = Object.fromEntries(
  MEDNIST_CLASSES.map((name, i) => [name, MEDNIST_EXPECTED_COUNTS[i]!]),
);

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** Fails unless the pool's class counts are `expected` (null: no check). Reads labels only. */
export function checkMednistCounts(
  dataset: LabelledParts,
  what: string,
  expected: Readonly<Record<string, number>> | null,
): void {
  if (!expected) return;
  const part = dataset.parts.all!;
  const names = [...new Set([...Object.keys(expected), ...dataset.classes])];
  const actualByName = countClasses(part.labels, dataset.classes.length);
  const actual = names.map((name) => {
    const index = dataset.classes.indexOf(name);
    return index < 0 ? 0 : (actualByName[index] ?? 0);
  });
  checkClassCounts(
    what,
    names,
    actual,
    names.map((name) => expected[name] ?? 0),
  );
}

/**
 * The archive's members in stream order: regular file → capped gunzip → tar reader. A caller that stops early (the
 * sample path, once it has its members) closes the file and the gunzip stream with it.
 */
export async function* readMednistMembers(tarPath: string): AsyncGenerator<TarEntry> {
  // A regular file only (a FIFO or a device is refused unread), inflated and read within the tar caps.
  yield* readTarGzFile(tarPath);
}

/**
 * Which members are images, and of which class: a regular file `…/<Class>/<file>.{jpeg,jpg,png}`. The full
 * loader and the sample path both filter with this, so they see the same images in the same order.
 */
export function mednistImageName(entry: TarEntry): NamedImage | null {
  if (entry.type !== 'file' || !entry.data) return null;
  const parts = posix.normalize(entry.name).split('/');
  const fileName = parts[parts.length - 1] ?? '';
  const className = parts[parts.length - 2];
  if (!className || !isImageFileName(fileName)) return null;
  return { className, fileName };
}

/** NOT_FOUND, with the download hint, unless the archive is there. */
export async function requireMednistArchive(tarPath: string): Promise<void> {
  if (!(await exists(tarPath))) {
    throw new CipherLensError(
      'NOT_FOUND',
      `MedNIST archive ${tarPath} not found (run \`cipherlens download --dataset mednist\`)`,
    );
  }
}

/** Reads `MedNIST.tar.gz` in one streaming pass: gunzip → tar members → JPEG decode pool. */
export async function loadMednistTar(tarPath: string, options: MednistOptions = {}): Promise<LoadedDataset> {
  await requireMednistArchive(tarPath);
  const expected = options.expectedCounts === undefined ? MEDNIST_EXPECTED : options.expectedCounts;
  const total = expected ? Object.values(expected).reduce((sum, n) => sum + n, 0) : 0;
  const collector = new ImageCollector({
    imageSize: MEDNIST_IMAGE_SIZE,
    fit: 'error',
    concurrency: options.concurrency,
    onProgress: (decoded) => options.onProgress?.(decoded, Math.max(total, decoded)),
  });
  for await (const entry of readMednistMembers(tarPath)) {
    const image = mednistImageName(entry);
    if (!image) continue;
    await collector.add(image.className, image.fileName, entry.data!, `${tarPath}:${entry.name}`);
  }
  const collected = await collector.finish(tarPath);
  const dataset: LoadedDataset = {
    name: 'mednist',
    classes: collected.classes,
    imageSize: MEDNIST_IMAGE_SIZE,
    parts: { all: collected.part },
    splitPolicy: { kind: 'stratified-fractions', ...MEDNIST_FRACTIONS },
    source: { kind: 'mednist-tar', location: tarPath, files: [await describeSourceFile(tarPath)] },
  };
  checkMednistCounts(dataset, tarPath, expected);
  return dataset;
}

/** Reads an extracted `MedNIST/<Class>/*.jpeg` folder. */
export async function loadMednistFolder(
  folder: string,
  options: MednistOptions = {},
): Promise<LoadedDataset> {
  const expected = options.expectedCounts === undefined ? MEDNIST_EXPECTED : options.expectedCounts;
  const dataset = await loadClassFolders(folder, {
    name: 'mednist',
    imageSize: MEDNIST_IMAGE_SIZE,
    fit: 'error',
    concurrency: options.concurrency,
    fractions: MEDNIST_FRACTIONS,
    onProgress: options.onProgress,
  });
  checkMednistCounts(dataset, folder, expected);
  return dataset;
}

/** `<dataDir>/MedNIST.tar.gz` when present, else the extracted `<dataDir>/MedNIST/` folder. */
export async function locateMednist(dataDir: string): Promise<{ kind: 'tar' | 'folder'; path: string }> {
  const tarPath = join(dataDir, MEDNIST_FILE.path);
  if (await exists(tarPath)) return { kind: 'tar', path: tarPath };
  const folder = join(dataDir, 'MedNIST');
  if ((await exists(folder)) && (await stat(folder)).isDirectory()) return { kind: 'folder', path: folder };
  throw new CipherLensError(
    'NOT_FOUND',
    `MedNIST not found in ${dataDir}: expected ${basename(tarPath)} or an extracted MedNIST/ folder (run \`cipherlens download --dataset mednist\`)`,
  );
}

export async function loadMednist(dataDir: string, options: MednistOptions = {}): Promise<LoadedDataset> {
  const found = await locateMednist(dataDir);
  return found.kind === 'tar' ? loadMednistTar(found.path, options) : loadMednistFolder(found.path, options);
}
