import { createImageCipher } from '../../../src/core/crypto/cipher.js';
import type { Condition } from '../../../src/core/crypto/condition.js';
import type { CipherKey } from '../../../src/core/crypto/keys.js';
import { planSplits, type LoadedDataset } from '../../../src/core/datasets/dataset.js';
import { exportTensors, type TensorManifest } from '../../../src/core/datasets/export.js';

export interface TinyExportOptions {
  outDir: string;
  size: number;
  classes: number;
  count: number;
  condition: Condition;
  /** Required unless the condition is plain. */
  key?: CipherKey;
  seed?: number;
}

/** A small deterministic generator (mulberry32), so the tiny dataset is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A learnable toy dataset: class c is a bright bar in row band c (plus noise) — written through the real
 * export path (`exportTensors`, real cipher), so the trainer sees exactly what a real export looks like.
 */
export async function writeTinyExport(options: TinyExportOptions): Promise<TensorManifest> {
  const { size, classes, count } = options;
  const pixels = size * size;
  const next = random(options.seed ?? 1);
  const images = new Uint8Array(count * pixels);
  const labels = new Int32Array(count);
  const band = Math.max(1, Math.floor(size / classes));
  for (let i = 0; i < count; i++) {
    const label = i % classes;
    labels[i] = label;
    for (let p = 0; p < pixels; p++) {
      const row = Math.floor(p / size);
      const inBand = row >= label * band && row < (label + 1) * band;
      images[i * pixels + p] = Math.min(255, Math.floor(next() * 60) + (inBand ? 170 : 0));
    }
  }
  const dataset: LoadedDataset = {
    name: 'tiny-bars',
    classes: Array.from({ length: classes }, (_, c) => `bar${c}`),
    imageSize: size,
    parts: { all: { count, images, labels } },
    splitPolicy: { kind: 'stratified-fractions', val: 0.2, test: 0.2 },
    source: { kind: 'class-folders', location: 'generated', files: [{ name: 'generated', bytes: 0, sha256: '0' }] },
  };
  const cipher =
    options.condition === 'plain' ? null : createImageCipher(requireKey(options.key), options.condition, size);
  return exportTensors({
    dataset,
    plan: planSplits(dataset, 42),
    splitSeed: 42,
    condition: options.condition,
    cipher,
    outDir: options.outDir,
  });
}

function requireKey(key: CipherKey | undefined): CipherKey {
  if (!key) throw new Error('an encrypted tiny export needs a key');
  return key;
}
