import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageCipher } from '../crypto/cipher.js';
import type { Condition } from '../crypto/condition.js';
import { SPEC_VERSION } from '../crypto/subkeys.js';
import { CipherLensError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { imagePipelineIdentity } from '../image/codecs/index.js';
import type { SourceFile } from './checksum.js';
import {
  countClasses,
  requirePart,
  type DatasetSource,
  type LoadedDataset,
  type SplitPolicy,
} from './dataset.js';
import { int64Bytes, NpyWriter } from './npy.js';
import { PRNG_NAME } from './prng.js';
import { SPLITS, type Split, type SplitPlan } from './splits.js';

export const TENSOR_FORMAT = 'cipherlens-tensors';
export const TENSOR_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

/** manifest.json of an export directory (the agreed interface with the training team). */
export interface TensorManifest {
  format: typeof TENSOR_FORMAT;
  version: typeof TENSOR_FORMAT_VERSION;
  dataset: string;
  classes: string[];
  imageSize: number;
  condition: Condition;
  keyFingerprint: string | null;
  encryptionSpecVersion: number;
  arnoldParametersId: string | null;
  splitSeed: number;
  splits: Record<Split, number>;
  classCounts: Record<Split, number[]>;
  source: { kind: DatasetSource['kind']; files: SourceFile[] };
  splitPolicy: SplitPolicy & { prng: string };
  files: Record<Split, { images: string; labels: string }>;
  /** The image pipeline and codec versions that decoded the images (imagePipelineIdentity); the model card keeps it. */
  imageDecoder: string;
  createdAt: string;
}

export interface ExportOptions {
  dataset: LoadedDataset;
  plan: SplitPlan;
  splitSeed: number;
  condition: Condition;
  /** Required for every condition but `plain`; its size must be the dataset's. */
  cipher: ImageCipher | null;
  outDir: string;
  /** Images encrypted and written per step; two buffers of this many images are reused throughout. */
  chunkImages?: number;
  onProgress?: (done: number, total: number) => void;
}

export const splitFileNames = (split: Split): { images: string; labels: string } => ({
  images: `${split}-images.npy`,
  labels: `${split}-labels.npy`,
});

/**
 * Writes `<split>-images.npy` (uint8, n×N×N) and `<split>-labels.npy` (int64, n) for train/val/test,
 * encrypting on the way, then manifest.json last: its presence means the export is complete.
 */
export async function exportTensors(options: ExportOptions): Promise<TensorManifest> {
  const { dataset, plan, condition, cipher, outDir } = options;
  const size = dataset.imageSize;
  const pixels = size * size;
  if (condition !== 'plain') {
    if (!cipher) throw new CipherLensError('BAD_INPUT', `condition ${condition} needs a key`);
    if (cipher.condition !== condition || cipher.size !== size) {
      throw new CipherLensError(
        'INTERNAL',
        `cipher is ${cipher.condition} ${cipher.size}², export wants ${condition} ${size}²`,
      );
    }
  }
  await rm(join(outDir, MANIFEST_FILE), { force: true });

  const total = SPLITS.reduce((sum, split) => sum + plan[split].indices.length, 0);
  const chunkImages = Math.max(1, options.chunkImages ?? 1024);
  const plainChunk = new Uint8Array(chunkImages * pixels);
  const cipherChunk = condition === 'plain' ? plainChunk : new Uint8Array(chunkImages * pixels);
  let done = 0;
  options.onProgress?.(0, total);

  for (const split of SPLITS) {
    const { part: partName, indices } = plan[split];
    const part = requirePart(dataset, partName);
    const names = splitFileNames(split);
    const images = await NpyWriter.create(join(outDir, names.images), '|u1', [indices.length, size, size]);
    try {
      for (let start = 0; start < indices.length; start += chunkImages) {
        const count = Math.min(chunkImages, indices.length - start);
        for (let i = 0; i < count; i++) {
          const source = indices[start + i]!;
          plainChunk.set(part.images.subarray(source * pixels, (source + 1) * pixels), i * pixels);
        }
        if (cipher && condition !== 'plain') cipher.encryptBatch(plainChunk, cipherChunk, count);
        await images.write(cipherChunk.subarray(0, count * pixels));
        done += count;
        options.onProgress?.(done, total);
      }
      await images.close();
    } catch (error) {
      await images.abort();
      throw error;
    }
    const labels = await NpyWriter.create(join(outDir, names.labels), '<i8', [indices.length]);
    await labels.write(int64Bytes(Array.from(indices, (index) => part.labels[index]!)));
    await labels.close();
  }

  const classCount = dataset.classes.length;
  const splitLabels = (split: Split): number[] => {
    const part = requirePart(dataset, plan[split].part);
    return Array.from(plan[split].indices, (index) => part.labels[index]!);
  };
  const manifest: TensorManifest = {
    format: TENSOR_FORMAT,
    version: TENSOR_FORMAT_VERSION,
    dataset: dataset.name,
    classes: dataset.classes,
    imageSize: size,
    condition,
    keyFingerprint: condition === 'plain' ? null : (cipher?.keyFingerprint ?? null),
    encryptionSpecVersion: SPEC_VERSION,
    arnoldParametersId: condition === 'plain' ? null : (cipher?.parametersId ?? null),
    splitSeed: options.splitSeed,
    splits: {
      train: plan.train.indices.length,
      val: plan.val.indices.length,
      test: plan.test.indices.length,
    },
    classCounts: {
      train: countClasses(splitLabels('train'), classCount),
      val: countClasses(splitLabels('val'), classCount),
      test: countClasses(splitLabels('test'), classCount),
    },
    source: { kind: dataset.source.kind, files: dataset.source.files },
    splitPolicy: { ...dataset.splitPolicy, prng: PRNG_NAME },
    files: { train: splitFileNames('train'), val: splitFileNames('val'), test: splitFileNames('test') },
    imageDecoder: imagePipelineIdentity(),
    createdAt: new Date().toISOString(),
  };
  await writeFileAtomic(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
