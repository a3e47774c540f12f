import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CipherLensError } from '../errors.js';
import type { FitMode } from '../image/decode.js';
import { cacheKey, loadThroughCache } from './cache.js';
import { describeSourceFile } from './checksum.js';
import { loadClassFolders } from './class-folders.js';
import type { LoadedDataset } from './dataset.js';
import { loadMednistFolder, loadMednistTar, locateMednist } from './mednist.js';
import { loadMnist } from './mnist.js';
import { MEDNIST_IMAGE_SIZE } from './sources.js';

export const BUILT_IN_DATASETS = ['mnist', 'mednist'] as const;

export interface OpenDatasetOptions {
  dataDir: string;
  /** Decoded-image cache for archive sources; null disables it. */
  cacheDir: string | null;
  /** Class-folder datasets only: target side N (default 64) and how to make images square. */
  imageSize?: number;
  fit?: FitMode;
  onProgress?: (decoded: number, total: number) => void;
}

export interface OpenedDataset {
  dataset: LoadedDataset;
  cacheHit: boolean;
}

/** `mnist`, `mednist` (from the data dir), or a path to a folder of class folders. */
export async function openDataset(spec: string, options: OpenDatasetOptions): Promise<OpenedDataset> {
  if (spec === 'mnist') return { dataset: await loadMnist(options.dataDir), cacheHit: false };
  if (spec === 'mednist') {
    const found = await locateMednist(options.dataDir);
    if (found.kind === 'folder') {
      return {
        dataset: await loadMednistFolder(found.path, { onProgress: options.onProgress }),
        cacheHit: false,
      };
    }
    const load = (): Promise<LoadedDataset> => loadMednistTar(found.path, { onProgress: options.onProgress });
    if (!options.cacheDir) return { dataset: await load(), cacheHit: false };
    const key = cacheKey('mednist', MEDNIST_IMAGE_SIZE, [await describeSourceFile(found.path)]);
    const { dataset, hit } = await loadThroughCache(options.cacheDir, key, load);
    return { dataset, cacheHit: hit };
  }
  const folder = resolve(spec);
  const isFolder = await stat(folder).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isFolder) {
    throw new CipherLensError(
      'BAD_INPUT',
      `unknown dataset "${spec}": expected ${BUILT_IN_DATASETS.join(' or ')}, or a folder of class folders`,
    );
  }
  const dataset = await loadClassFolders(folder, {
    imageSize: options.imageSize ?? 64,
    fit: options.fit,
    onProgress: options.onProgress,
  });
  return { dataset, cacheHit: false };
}
