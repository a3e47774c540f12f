import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cipherTables, createImageCipher } from '../../../src/core/crypto/cipher.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { resolveDataDir } from '../../../src/core/datasets/data-dir.js';
import { torusAutocorrelation } from '../../../src/core/attacks/autocorrelation.js';
import {
  ciphertextOnlyAttack,
  keystreamByMode,
  smoothnessScore,
} from '../../../src/core/attacks/ciphertext-only.js';
import { measureCiphertextOnly } from '../../../src/core/attacks/experiments.js';
import { loadAttackImages, syntheticImages } from '../../../src/core/attacks/image-sets.js';
import {
  agreement,
  decryptWith,
  scoreRecovery,
  type ImageBatch,
} from '../../../src/core/attacks/recovered.js';
import { inverseSl2, matrixFromGather, rotations } from '../../../src/core/attacks/sl2.js';

const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (i * 71 + 5) & 255));

function encrypt(images: ImageBatch): ImageBatch {
  const out = new Uint8Array(images.count * images.size * images.size);
  createImageCipher(key, 'arnold+xor', images.size).encryptBatch(images.pixels, out, images.count);
  return { size: images.size, count: images.count, pixels: out };
}

function naiveAutocorrelation(images: Uint8Array, count: number, n: number): Float64Array {
  const pixels = n * n;
  let mean = 0;
  for (let i = 0; i < count * pixels; i++) mean += images[i]!;
  mean /= count * pixels;
  const r = new Float64Array(pixels);
  for (let dy = 0; dy < n; dy++) {
    for (let dx = 0; dx < n; dx++) {
      let sum = 0;
      for (let image = 0; image < count; image++) {
        for (let y = 0; y < n; y++) {
          for (let x = 0; x < n; x++) {
            const a = images[image * pixels + y * n + x]! - mean;
            const b = images[image * pixels + ((y + dy) % n) * n + ((x + dx) % n)]! - mean;
            sum += a * b;
          }
        }
      }
      r[dy * n + dx] = sum;
    }
  }
  const zero = r[0]!;
  return r.map((v) => v / zero);
}

describe('torus autocorrelation', () => {
  it('equals the direct sum at every lag, for even and odd N', () => {
    for (const n of [4, 5, 6, 7, 9]) {
      const prng = createPrng(n);
      const images = Uint8Array.from({ length: 3 * n * n }, () => prng.nextBelow(256));
      const fast = torusAutocorrelation(images, 3, n);
      const slow = naiveAutocorrelation(images, 3, n);
      for (let i = 0; i < n * n; i++) expect(fast[i]!).toBeCloseTo(slow[i]!, 9);
    }
  });
});

describe('ciphertext-only attack on the keyed uniform permutation (uniform+xor)', () => {
  it('still reads the keystream off the background, but finds no permutation: the images stay scrambled', () => {
    const images = syntheticImages(200, 28, 2);
    const { report } = measureCiphertextOnly(key, images, syntheticImages(100, 28, 99), [200], {
      condition: 'uniform+xor',
    });
    const row = report.rows[0]!;
    expect(report.condition).toBe('uniform+xor');
    expect(row.keystreamCorrectMode).toBeGreaterThan(0.9);
    expect(row.permutation).toBe('wrong');
    expect(row.gatherCorrect).toBeLessThan(0.05);
    expect(row.recovery.imagesExact).toBe(0);
  });
});

describe('ciphertext-only attack', () => {
  it('reads the keystream off the most frequent cipher value where the background is black', () => {
    const images = syntheticImages(100, 28, 1);
    const mode = keystreamByMode(encrypt(images));
    const truth = cipherTables(key, 'arnold+xor', 28).keystream!;
    expect(agreement(mode.keystream, truth)).toBeGreaterThan(0.95);
  });

  it('recovers permutation, keystream and every image of a 28×28 black-background set from 200 ciphertexts', () => {
    const images = syntheticImages(200, 28, 2);
    const ciphers = encrypt(images);
    const started = performance.now();
    const result = ciphertextOnlyAttack(ciphers, { reference: syntheticImages(100, 28, 99) });
    expect(performance.now() - started).toBeLessThan(15_000);
    const truth = cipherTables(key, 'arnold+xor', 28);
    expect(result.orientationBy).toBe('reference');
    expect(result.recovered.gather).toEqual(truth.gather);
    expect(result.recovered.keystream).toEqual(truth.keystream);
    expect(scoreRecovery(decryptWith(result.recovered, ciphers), images.pixels, 28, 200)).toEqual({
      pixelsExact: 1,
      imagesExact: 1,
      meanAbsoluteError: 0,
    });
  });

  it('without a reference finds the permutation up to a rotation, which smoothness cannot tell apart', () => {
    const images = syntheticImages(150, 16, 3);
    const result = ciphertextOnlyAttack(encrypt(images));
    const truthMatrix = inverseSl2(matrixFromGather(cipherTables(key, 'arnold+xor', 16).gather!, 16)!, 16);
    expect(result.orientationBy).toBe('none');
    expect(result.orientations.map((m) => m.join())).toContain(truthMatrix.join());
    expect(result.recovered.keystream).toEqual(cipherTables(key, 'arnold+xor', 16).keystream);
  });

  it('scores the four rotations of a matrix identically', () => {
    const prng = createPrng(4);
    const correlation = Float64Array.from({ length: 28 * 28 }, (_, i) => {
      const x = i % 28;
      const y = Math.floor(i / 28);
      // Symmetric like a real autocorrelation: R(d) = R(−d).
      return x === 0 && y === 0 ? 1 : 0;
    });
    for (let i = 1; i < correlation.length; i++) {
      const mirror = ((28 - Math.floor(i / 28)) % 28) * 28 + ((28 - (i % 28)) % 28);
      if (mirror > i) correlation[i] = correlation[mirror] = prng.nextBelow(1000) / 1000;
    }
    const scores = rotations([3, 4, 5, 7], 28).map((m) => smoothnessScore(correlation, 28, m));
    for (const score of scores) expect(score).toBeCloseTo(scores[0]!, 12);
  });

  const mnistPresent = existsSync(join(resolveDataDir(), 'mnist'));
  it.skipIf(!mnistPresent)(
    'breaks real MNIST from 100 ciphertexts (measured against the truth)',
    async () => {
      const images = await loadAttackImages('mnist', {
        dataDir: resolveDataDir(),
        count: 100,
        reference: 100,
        seed: 1,
      });
      const { report } = measureCiphertextOnly(key, images.attacked, images.reference, [100]);
      const row = report.rows[0]!;
      expect(row.permutation).toBe('exact');
      expect(row.keystreamCorrect).toBeGreaterThan(0.99);
      expect(row.recovery.pixelsExact).toBeGreaterThan(0.99);
    },
  );
});
