import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { CipherLensError } from '../errors.js';
import { readRegularFile } from '../fs/read.js';
import { MAX_IMAGE_FILE_BYTES, type FitMode } from '../image/decode.js';
import { ImageCollector, isImageFileName, type NamedImage } from './collector.js';
import { checkClassCounts, compareCodeUnits, countClasses, type LoadedDataset } from './dataset.js';

export interface ClassFolderOptions {
  name?: string;
  /** Every image becomes imageSize² grey; non-square images need `fit`. */
  imageSize: number;
  fit?: FitMode;
  concurrency?: number;
  /** Class name → expected image count; a mismatch fails the load. */
  expectedCounts?: Record<string, number>;
  fractions?: { val: number; test: number };
  onProgress?: (decoded: number, total: number) => void;
}

async function listDirectory(path: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CipherLensError('NOT_FOUND', `dataset folder ${path} does not exist`);
    if (code === 'ENOTDIR') throw new CipherLensError('BAD_INPUT', `${path} is not a folder`);
    throw error;
  }
}

/** The image files of a class-folder tree, in the order it is walked (classes in byte order). */
export interface ClassFolderListing {
  root: string;
  classDirs: string[];
  files: NamedImage[];
}

/** Walks `<root>/<Class>/` without reading any file; loadClassFolders and the sample path share it. */
export async function listClassFolders(rootDir: string): Promise<ClassFolderListing> {
  const root = resolve(rootDir);
  const classDirs = (await listDirectory(root))
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort(compareCodeUnits);
  if (classDirs.length < 2) {
    throw new CipherLensError(
      'DATASET',
      `${root} must contain one sub-folder per class (found ${classDirs.length}); expected <folder>/<class>/<image>.png`,
    );
  }
  const files: NamedImage[] = [];
  for (const className of classDirs) {
    const entries = await listDirectory(join(root, className));
    for (const entry of entries) {
      if (entry.isFile() && isImageFileName(entry.name)) files.push({ className, fileName: entry.name });
    }
  }
  return { root, classDirs, files };
}

/** Fails when a class folder holds no image (`classes`: the classes that do). */
export function checkNoEmptyClasses(listing: ClassFolderListing, classes: readonly string[]): void {
  const emptyClasses = listing.classDirs.filter((name) => !classes.includes(name));
  if (emptyClasses.length > 0) {
    throw new CipherLensError(
      'DATASET',
      `class folder(s) with no PNG/JPEG images in ${listing.root}: ${emptyClasses.join(', ')}`,
    );
  }
}

/**
 * A "folder of class folders": `<root>/<Class>/<image>.{png,jpg,jpeg}`. Class names are the sub-folder
 * names in byte order; files are decoded to grey `imageSize`², split stratified 80/10/10 unless told
 * otherwise. The source checksum is SHA-256 over the sorted lines "<class>/<file> <sha256 of file>\n".
 */
export async function loadClassFolders(rootDir: string, options: ClassFolderOptions): Promise<LoadedDataset> {
  const listing = await listClassFolders(rootDir);
  const { root, files } = listing;
  const total = files.length;
  const collector = new ImageCollector({
    imageSize: options.imageSize,
    fit: options.fit,
    concurrency: options.concurrency,
    onProgress: (decoded) => options.onProgress?.(decoded, total),
  });
  const checksumLines: string[] = [];
  let bytes = 0;
  for (const { className, fileName } of files) {
    const path = join(root, className, fileName);
    const data = await readRegularFile(path, MAX_IMAGE_FILE_BYTES, { tooLargeCode: 'IMAGE_TOO_LARGE' });
    bytes += data.length;
    checksumLines.push(`${className}/${fileName} ${createHash('sha256').update(data).digest('hex')}\n`);
    await collector.add(className, fileName, data, path);
  }
  const collected = await collector.finish(root);
  checkNoEmptyClasses(listing, collected.classes);
  if (options.expectedCounts) {
    const expected = collected.classes.map((name) => options.expectedCounts?.[name] ?? 0);
    checkClassCounts(
      root,
      collected.classes,
      countClasses(collected.part.labels, collected.classes.length),
      expected,
    );
  }
  const digest = createHash('sha256').update(checksumLines.sort(compareCodeUnits).join('')).digest('hex');
  return {
    name: options.name ?? basename(root),
    classes: collected.classes,
    imageSize: options.imageSize,
    parts: { all: collected.part },
    splitPolicy: { kind: 'stratified-fractions', ...(options.fractions ?? { val: 0.1, test: 0.1 }) },
    source: {
      kind: 'class-folders',
      location: root,
      files: [{ name: `${basename(root)}/ (${total} files)`, bytes, sha256: digest }],
    },
  };
}
