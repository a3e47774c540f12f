import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createImageCipher } from '../../../src/core/crypto/cipher.js';
import { loadKeyFile } from '../../../src/core/crypto/keys.js';
import { int64Bytes, npyHeader } from '../../../src/core/datasets/npy.js';

export const TINY_CARD = fileURLToPath(new URL('../../fixtures/tiny-inference-model.json', import.meta.url));
const DEMO_KEY = fileURLToPath(new URL('../../../resources/keys/demo.key', import.meta.url));

/**
 * A tensor export (the layout `cipherlens export-dataset` writes) for the tiny fixture model: 16×16 images,
 * dark (label 0) or bright (label 1), Arnold-encrypted with the demo key. Brightness levels are spread so
 * the model (logit ∝ mean − 0.5) gets all but the images near mid-grey right.
 */
export async function writeTinyExport(dir: string, counts: { train: number; test: number }): Promise<void> {
  const key = await loadKeyFile(DEMO_KEY);
  const cipher = createImageCipher(key, 'arnold', 16);
  const files: Record<string, { images: string; labels: string }> = {};
  for (const [split, count] of Object.entries(counts)) {
    const plain = new Uint8Array(count * 256);
    const labels: number[] = [];
    for (let i = 0; i < count; i++) {
      const label = i % 2;
      const level = label === 0 ? 10 + ((i * 37) % 100) : 140 + ((i * 53) % 110);
      for (let p = 0; p < 256; p++) plain[i * 256 + p] = Math.min(255, level + ((p * 7 + i) % 9));
      labels.push(label);
    }
    const encrypted = new Uint8Array(plain.length);
    cipher.encryptBatch(plain, encrypted, count);
    files[split] = { images: `${split}-images.npy`, labels: `${split}-labels.npy` };
    await writeFile(
      join(dir, `${split}-images.npy`),
      Buffer.concat([npyHeader('|u1', [count, 16, 16]), encrypted]),
    );
    await writeFile(
      join(dir, `${split}-labels.npy`),
      Buffer.concat([npyHeader('<i8', [count]), int64Bytes(labels)]),
    );
  }
  const card = JSON.parse(await readFile(TINY_CARD, 'utf8')) as { arnoldParametersId: string };
  const manifest = {
    format: 'cipherlens-tensors',
    version: 1,
    dataset: 'tiny-brightness',
    classes: ['dark', 'bright'],
    imageSize: 16,
    condition: 'arnold',
    keyFingerprint: key.fingerprint,
    encryptionSpecVersion: 1,
    arnoldParametersId: card.arnoldParametersId,
    splitSeed: 42,
    splits: counts,
    files,
    createdAt: new Date().toISOString(),
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
}
