import { describe, expect, it } from 'vitest';
import { cipherTables, createImageCipher } from '../../../src/core/crypto/cipher.js';
import type { Condition } from '../../../src/core/crypto/condition.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { measureKnownPlaintext } from '../../../src/core/attacks/experiments.js';
import { syntheticImages } from '../../../src/core/attacks/image-sets.js';
import {
  arnoldKnownPlaintext,
  bruteForceArnold,
  firstPairs,
  permutationKnownPlaintext,
  searchArnold,
} from '../../../src/core/attacks/known-plaintext.js';
import { decryptWith, scoreRecovery, type ImageBatch } from '../../../src/core/attacks/recovered.js';
import { sl2Order } from '../../../src/core/attacks/sl2.js';

const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (i * 53 + 11) & 255));
const otherKey = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (i * 17 + 3) & 255));

function encrypt(images: ImageBatch, condition: Condition = 'arnold+xor', withKey = key): Uint8Array {
  const out = new Uint8Array(images.pixels.length);
  createImageCipher(withKey, condition, images.size).encryptBatch(images.pixels, out, images.count);
  return out;
}

function noiseImages(count: number, size: number, seed: number): ImageBatch {
  const prng = createPrng(seed);
  return {
    size,
    count,
    pixels: Uint8Array.from({ length: count * size * size }, () => prng.nextBelow(256)),
  };
}

const tail = (
  batch: ImageBatch,
  cipher: Uint8Array,
  from: number,
): { plain: Uint8Array; cipher: ImageBatch } => {
  const pixels = batch.size * batch.size;
  return {
    plain: batch.pixels.subarray(from * pixels),
    cipher: { size: batch.size, count: batch.count - from, pixels: cipher.subarray(from * pixels) },
  };
};

describe('known-plaintext attack, Arnold (SL2 search)', () => {
  for (const size of [16, 28]) {
    it(`recovers the exact tables from 2 pairs at ${size}×${size} and decrypts every other image`, () => {
      const images = syntheticImages(60, size, 3);
      const cipher = encrypt(images);
      const truth = cipherTables(key, 'arnold+xor', size);
      const started = performance.now();
      const result = arnoldKnownPlaintext(firstPairs(images, cipher, 2));
      expect(performance.now() - started).toBeLessThan(5000);
      expect(result.consistent).toBe(1);
      expect(result.consistentCapped).toBe(false);
      expect(result.recovered.gather).toEqual(truth.gather);
      expect(result.recovered.keystream).toEqual(truth.keystream);
      const others = tail(images, cipher, 2);
      const score = scoreRecovery(decryptWith(result.recovered, others.cipher), others.plain, size, 58);
      expect(score).toEqual({ pixelsExact: 1, imagesExact: 1, meanAbsoluteError: 0 });
    });
  }

  it('cannot pin the permutation with one pair: every group element is consistent', () => {
    const images = syntheticImages(10, 16, 4);
    const cipher = encrypt(images);
    const result = arnoldKnownPlaintext(firstPairs(images, cipher, 1));
    expect(result.consistent).toBe(sl2Order(16));
    const truth = cipherTables(key, 'arnold+xor', 16);
    expect(result.recovered.gather).not.toEqual(truth.gather);
  });

  it('also breaks the arnold and xor conditions (the XOR-free and the permutation-free special cases)', () => {
    const images = syntheticImages(8, 28, 5);
    for (const condition of ['arnold', 'xor'] as const) {
      const cipher = encrypt(images, condition);
      const result = arnoldKnownPlaintext(firstPairs(images, cipher, 2));
      const truth = cipherTables(key, 'arnold+xor', 28);
      if (condition === 'arnold') {
        expect(result.recovered.gather).toEqual(truth.gather);
        expect(result.recovered.keystream.every((byte) => byte === 0)).toBe(true);
      } else {
        expect(result.gatherMatrix).toEqual([1, 0, 0, 1]);
        expect(result.recovered.keystream).toEqual(truth.keystream);
      }
    }
  });

  it('refuses pairs that no single key explains', () => {
    const images = syntheticImages(2, 16, 6);
    const mixed = encrypt(images);
    mixed.set(encrypt(images, 'arnold+xor', otherKey).subarray(256), 256);
    expect(() => arnoldKnownPlaintext(firstPairs(images, mixed, 2))).toThrow(/no Arnold permutation/);
  });

  it('agrees with plain brute force over the whole group', () => {
    const images = syntheticImages(2, 16, 7);
    const cipher = encrypt(images);
    const pairs = firstPairs(images, cipher, 2);
    const brute = bruteForceArnold(pairs);
    expect(brute.examined).toBe(sl2Order(16));
    expect(brute.consistent).toBe(1);
    expect(brute.first).toEqual(arnoldKnownPlaintext(pairs).gatherMatrix);
  });
});

describe('known-plaintext attack, general permutation (Li et al. 2008)', () => {
  it('recovers the exact tables from 4 pairs of noise-like images without assuming Arnold', () => {
    const images = noiseImages(30, 16, 8);
    const cipher = encrypt(images);
    const result = permutationKnownPlaintext(firstPairs(images, cipher, 4));
    const truth = cipherTables(key, 'arnold+xor', 16);
    expect(result.uniquePositions).toBe(256);
    expect(result.recovered.gather).toEqual(truth.gather);
    expect(result.recovered.keystream).toEqual(truth.keystream);
  });

  it('needs more pairs on black-background images, and gets better with every pair', () => {
    const images = syntheticImages(400, 16, 9);
    const cipher = encrypt(images);
    const others = tail(images, cipher, 200);
    const fractions = [2, 8, 32, 200].map((k) => {
      const result = permutationKnownPlaintext(firstPairs(images, cipher, k));
      return scoreRecovery(decryptWith(result.recovered, others.cipher), others.plain, 16, 200).pixelsExact;
    });
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThan(fractions[i - 1]!);
    expect(fractions[0]!).toBeLessThan(0.9);
    expect(fractions[3]!).toBeGreaterThan(0.99);
  });

  it('refuses pairs from different keys', () => {
    const images = noiseImages(3, 16, 10);
    const mixed = encrypt(images);
    mixed.set(encrypt(images, 'arnold+xor', otherKey).subarray(512), 512);
    expect(() => permutationKnownPlaintext(firstPairs(images, mixed, 3))).toThrow(/inconsistent/);
  });
});

describe('measureKnownPlaintext', () => {
  it('reports k needed and the recovered fraction of other images against the truth', () => {
    const report = measureKnownPlaintext(key, syntheticImages(120, 16, 11), [1, 2, 3], 100);
    expect(report.kNeeded['arnold-sl2']).toBe(2);
    expect(report.kAllTargetsExact['arnold-sl2']).toBe(2);
    const one = report.rows.find((row) => row.method === 'arnold-sl2' && row.known === 1)!;
    expect(one.targets!.imagesExact).toBe(0);
    const two = report.rows.find((row) => row.method === 'arnold-sl2' && row.known === 2)!;
    expect(two.targets!.pixelsExact).toBe(1);
    expect(two.gatherCorrect).toBe(1);
  });
});

describe('known-plaintext attacks on the keyed uniform permutation (uniform+xor)', () => {
  it('leaves the SL2 enumeration with nothing, while Li et al. recovers the exact tables from 4 noise pairs', () => {
    const images = noiseImages(30, 16, 12);
    const cipher = encrypt(images, 'uniform+xor');
    const pairs = firstPairs(images, cipher, 4);
    expect(searchArnold(pairs)).toBeNull();
    expect(() => arnoldKnownPlaintext(pairs)).toThrow(/no Arnold permutation/);
    const result = permutationKnownPlaintext(pairs);
    const truth = cipherTables(key, 'uniform+xor', 16);
    expect(result.recovered.gather).toEqual(truth.gather);
    expect(result.recovered.keystream).toEqual(truth.keystream);
  });

  it('reports the SL2 rows as recovering nothing and the general attack as succeeding', () => {
    const report = measureKnownPlaintext(
      key,
      syntheticImages(300, 16, 13),
      [2, 8, 64],
      100,
      undefined,
      'uniform+xor',
    );
    expect(report.condition).toBe('uniform+xor');
    expect(report.kNeeded['arnold-sl2']).toBeNull();
    for (const row of report.rows.filter((r) => r.method === 'arnold-sl2')) {
      expect(row).toMatchObject({ consistent: 0, targets: null, gatherCorrect: 0 });
    }
    const li = report.rows.filter((r) => r.method === 'permutation-li2008');
    expect(li.at(-1)!.targets!.pixelsExact).toBeGreaterThan(li[0]!.targets!.pixelsExact);
    expect(li.at(-1)!.targets!.pixelsExact).toBeGreaterThan(0.95);
  });
});
