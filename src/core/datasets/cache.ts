import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { imagePipelineIdentity } from '../image/codecs/index.js';
import { readRegularText } from '../fs/read.js';
import type { SourceFile } from './checksum.js';
import type { DatasetSource, ImagePart, LoadedDataset, SplitPolicy } from './dataset.js';
import { int32Bytes, npyIntegers, NpyWriter, readNpy } from './npy.js';

/** Bump when decoding changes, so stale caches are ignored rather than trusted. */
const CACHE_VERSION = 1;
const INDEX_FILE = 'dataset.json';

interface CacheIndex {
  cacheVersion: number;
  name: string;
  classes: string[];
  imageSize: number;
  splitPolicy: SplitPolicy;
  source: DatasetSource;
  parts: Record<string, number>;
}

/**
 * Cache folder name: dataset, image size and a digest of the source files' SHA-256s and of the image pipeline's
 * identity (codec versions): a decoder upgrade that could change the pixels misses the old cache.
 */
export function cacheKey(
  name: string,
  imageSize: number,
  files: readonly SourceFile[],
  decoder: string = imagePipelineIdentity(),
): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify({
        v: CACHE_VERSION,
        imageSize,
        decoder,
        files: files.map((f) => [f.name, f.bytes, f.sha256]),
      }),
    )
    .digest('hex');
  return `${name}-${imageSize}-${digest.slice(0, 16)}`;
}

async function readCached(folder: string): Promise<LoadedDataset | null> {
  let index: CacheIndex;
  try {
    index = JSON.parse(await readRegularText(join(folder, INDEX_FILE), 1024 * 1024)) as CacheIndex;
  } catch {
    return null;
  }
  if (index.cacheVersion !== CACHE_VERSION) return null;
  const pixels = index.imageSize * index.imageSize;
  const parts: Record<string, ImagePart> = {};
  try {
    for (const [partName, count] of Object.entries(index.parts)) {
      const images = await readNpy(join(folder, `${partName}-images.npy`));
      const labels = npyIntegers(await readNpy(join(folder, `${partName}-labels.npy`)));
      if (images.data.length !== count * pixels || labels.length !== count) return null;
      parts[partName] = { count, images: images.data, labels };
    }
  } catch {
    return null;
  }
  return { ...index, parts };
}

async function writeCached(folder: string, dataset: LoadedDataset): Promise<void> {
  await rm(join(folder, INDEX_FILE), { force: true });
  const size = dataset.imageSize;
  for (const [partName, part] of Object.entries(dataset.parts)) {
    const images = await NpyWriter.create(join(folder, `${partName}-images.npy`), '|u1', [
      part.count,
      size,
      size,
    ]);
    await images.write(part.images);
    await images.close();
    const labels = await NpyWriter.create(join(folder, `${partName}-labels.npy`), '<i4', [part.count]);
    await labels.write(int32Bytes(part.labels));
    await labels.close();
  }
  const index: CacheIndex = {
    cacheVersion: CACHE_VERSION,
    name: dataset.name,
    classes: dataset.classes,
    imageSize: dataset.imageSize,
    splitPolicy: dataset.splitPolicy,
    source: dataset.source,
    parts: Object.fromEntries(Object.entries(dataset.parts).map(([name, part]) => [name, part.count])),
  };
  await writeFileAtomic(join(folder, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
}

/**
 * Returns the decoded dataset from `<cacheDir>/<key>/` when a complete copy is there, else decodes it
 * with `load` and stores it. The key covers the source checksums, so a changed source never hits.
 */
export async function loadThroughCache(
  cacheDir: string,
  key: string,
  load: () => Promise<LoadedDataset>,
): Promise<{ dataset: LoadedDataset; hit: boolean }> {
  const folder = join(cacheDir, key);
  const cached = await readCached(folder);
  if (cached) return { dataset: cached, hit: true };
  const dataset = await load();
  await writeCached(folder, dataset);
  return { dataset, hit: false };
}
