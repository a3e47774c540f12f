import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { CipherLensError } from '../errors.js';
import { readRegularFile } from '../fs/read.js';
import { MAX_IMAGE_FILE_BYTES } from '../image/decode.js';
import { readImage } from '../image/read-image.js';
import { locateMednist } from '../datasets/mednist.js';
import { loadMnist } from '../datasets/mnist.js';
import { createPrng, shuffleInPlace } from '../datasets/prng.js';
import { MEDNIST_CLASSES, MEDNIST_IMAGE_SIZE } from '../datasets/sources.js';
import { readTarGzFile } from '../datasets/tar.js';
import type { ImageBatch } from './recovered.js';

/** Images to attack and, separately, public plain images of the same kind (the attacker's prior knowledge). */
export interface AttackImages {
  dataset: string;
  /** Where the images came from, in words. */
  description: string;
  attacked: ImageBatch;
  reference: ImageBatch;
}

export const ATTACK_DATASETS = ['mnist', 'mednist', 'synthetic'] as const;
export type AttackDataset = (typeof ATTACK_DATASETS)[number];

export interface AttackImageOptions {
  dataDir: string;
  count: number;
  reference: number;
  seed: number;
  /** Synthetic images only: side N. */
  size?: number;
}

export async function loadAttackImages(dataset: string, options: AttackImageOptions): Promise<AttackImages> {
  if (dataset === 'mnist') return mnistImages(options);
  if (dataset === 'mednist') return mednistImages(options);
  if (dataset === 'synthetic') {
    const size = options.size ?? 28;
    return {
      dataset,
      description: `${options.count} synthetic ${size}×${size} images (black background, soft strokes; seed ${options.seed})${options.reference > 0 ? `; reference: ${options.reference} more from seed ${options.seed + 1}` : ''}`,
      attacked: syntheticImages(options.count, size, options.seed),
      reference: syntheticImages(options.reference, size, options.seed + 1),
    };
  }
  throw new CipherLensError(
    'BAD_INPUT',
    `unknown attack dataset "${dataset}"; expected one of: ${ATTACK_DATASETS.join(', ')}`,
  );
}

/** MNIST: the first `count` t10k test images are attacked; the first `reference` training images are public. */
async function mnistImages(options: AttackImageOptions): Promise<AttackImages> {
  const loaded = await loadMnist(options.dataDir);
  const test = loaded.parts.test!;
  const train = loaded.parts.train!;
  const pixels = loaded.imageSize * loaded.imageSize;
  if (options.count > test.count || options.reference > train.count) {
    throw new CipherLensError('BAD_INPUT', `MNIST has ${test.count} test and ${train.count} training images`);
  }
  return {
    dataset: 'mnist',
    description: `MNIST t10k images 0–${options.count - 1} attacked${options.reference > 0 ? `; reference: training images 0–${options.reference - 1}` : ''}`,
    attacked: {
      size: loaded.imageSize,
      count: options.count,
      pixels: test.images.slice(0, options.count * pixels),
    },
    reference: {
      size: loaded.imageSize,
      count: options.reference,
      pixels: train.images.slice(0, options.reference * pixels),
    },
  };
}

/**
 * MedNIST, without decoding all 58,954 JPEGs: one streaming pass over the tarball (or the extracted folder)
 * decodes only files `000000…` up to ⌈count/6⌉ of each class (attacked, then shuffled with the seed so classes mix)
 * and ⌈reference/6⌉ files of each class from index 5000 on (public reference, disjoint from the attacked ones).
 */
async function mednistImages(options: AttackImageOptions): Promise<AttackImages> {
  const classes = MEDNIST_CLASSES.length;
  const attackedPerClass = Math.ceil(options.count / classes);
  const referencePerClass = Math.ceil(options.reference / classes);
  const referenceStart = 5000;
  if (attackedPerClass > referenceStart || referencePerClass > 3954) {
    throw new CipherLensError(
      'BAD_INPUT',
      'MedNIST attack samples are limited to 30,000 attacked and 23,000 reference images',
    );
  }
  const wanted = (index: number): 'attacked' | 'reference' | null =>
    index < attackedPerClass
      ? 'attacked'
      : index >= referenceStart && index < referenceStart + referencePerClass
        ? 'reference'
        : null;
  const found = await locateMednist(options.dataDir);
  const chosen: { group: 'attacked' | 'reference'; name: string; bytes: Uint8Array }[] = [];
  const select = (className: string, fileName: string): 'attacked' | 'reference' | null => {
    if (!(MEDNIST_CLASSES as readonly string[]).includes(className)) return null;
    const match = /^(\d+)\.(jpe?g|png)$/i.exec(fileName);
    return match ? wanted(Number(match[1])) : null;
  };
  if (found.kind === 'tar') {
    for await (const entry of readTarGzFile(found.path)) {
      if (entry.type !== 'file' || !entry.data) continue;
      const parts = posix.normalize(entry.name).split('/');
      const className = parts[parts.length - 2] ?? '';
      const fileName = parts[parts.length - 1] ?? '';
      const group = select(className, fileName);
      if (group) chosen.push({ group, name: `${className}/${fileName}`, bytes: new Uint8Array(entry.data) });
    }
  } else {
    for (const className of MEDNIST_CLASSES) {
      const folder = join(found.path, className);
      for (const fileName of await readdir(folder)) {
        const group = select(className, fileName);
        if (group)
          chosen.push({
            group,
            name: `${className}/${fileName}`,
            bytes: await readRegularFile(join(folder, fileName), MAX_IMAGE_FILE_BYTES),
          });
      }
    }
  }
  chosen.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const size = MEDNIST_IMAGE_SIZE;
  const pixels = size * size;
  const decodeGroup = async (group: 'attacked' | 'reference'): Promise<Uint8Array[]> => {
    const members = chosen.filter((item) => item.group === group);
    const out: Uint8Array[] = new Array<Uint8Array>(members.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < members.length) {
        const index = next++;
        const member = members[index]!;
        const image = await readImage(member.bytes, { size, fit: 'error', name: member.name });
        out[index] = image.pixels;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return out;
  };
  const attackedImages = await decodeGroup('attacked');
  const referenceImages = await decodeGroup('reference');
  const order = Uint32Array.from(attackedImages.keys());
  shuffleInPlace(order, createPrng(options.seed));
  const attacked = new Uint8Array(options.count * pixels);
  for (let i = 0; i < options.count; i++) attacked.set(attackedImages[order[i]!]!, i * pixels);
  const reference = new Uint8Array(options.reference * pixels);
  for (let i = 0; i < options.reference; i++) reference.set(referenceImages[i]!, i * pixels);
  return {
    dataset: 'mednist',
    description: `MedNIST files 000000–${String(attackedPerClass - 1).padStart(6, '0')} of each class, shuffled with seed ${options.seed}, first ${options.count} attacked${options.reference > 0 ? `; reference: ${options.reference} images, files from 005000 of each class` : ''}`,
    attacked: { size, count: options.count, pixels: attacked },
    reference: { size, count: options.reference, pixels: reference },
  };
}

/**
 * Synthetic test images with what makes real data attackable: a black background and smooth content. Each image
 * holds one or two soft strokes (distance-to-segment falloff, peak 160–255) whose ends lean towards the upper left,
 * so the mean image is not rotation-symmetric. Deterministic per seed (xoshiro128**).
 */
export function syntheticImages(count: number, size: number, seed: number): ImageBatch {
  const prng = createPrng(seed);
  const uniform = (): number => prng.nextUint32() / 0x1_0000_0000;
  const pixels = size * size;
  const out = new Uint8Array(count * pixels);
  for (let image = 0; image < count; image++) {
    const base = image * pixels;
    const strokes = 1 + prng.nextBelow(2);
    for (let s = 0; s < strokes; s++) {
      const x0 = size * (0.15 + 0.4 * uniform());
      const y0 = size * (0.15 + 0.35 * uniform());
      const x1 = size * (0.25 + 0.6 * uniform());
      const y1 = size * (0.3 + 0.55 * uniform());
      const radius = size * (0.05 + 0.05 * uniform());
      const peak = 160 + prng.nextBelow(96);
      const dx = x1 - x0;
      const dy = y1 - y0;
      const length2 = dx * dx + dy * dy || 1;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / length2));
          const ex = x - (x0 + t * dx);
          const ey = y - (y0 + t * dy);
          const distance = Math.sqrt(ex * ex + ey * ey);
          const falloff = Math.max(0, Math.min(1, (radius + 1.5 - distance) / 1.5));
          const value = Math.round(peak * falloff);
          const i = base + y * size + x;
          if (value > out[i]!) out[i] = value;
        }
      }
    }
  }
  return { size, count, pixels: out };
}
