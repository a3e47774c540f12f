import { CipherLensError } from '../errors.js';
import { arnoldParametersFromKey, assertSupportedSize, buildArnoldPlan, type ArnoldPlan } from './arnold.js';
import { type Condition, usesKeystream, usesPermutation } from './condition.js';
import { gatherXorBatch, xorBatch } from './kernels.js';
import type { CipherKey } from './keys.js';
import { buildKeystream } from './keystream.js';

/**
 * Encrypts and decrypts N×N 8-bit greyscale images (row-major, one byte per pixel) under one key and
 * one condition. Instances are cached per (key, condition, size): tables are built once.
 */
export interface ImageCipher {
  readonly condition: Condition;
  readonly size: number;
  readonly keyFingerprint: string;
  /** Arnold parameters id for permuting conditions, null otherwise. */
  readonly parametersId: string | null;
  readonly arnold: Pick<ArnoldPlan, 'a' | 'b' | 'period' | 'iterations'> | null;
  encrypt(plain: Uint8Array, out?: Uint8Array): Uint8Array;
  decrypt(cipher: Uint8Array, out?: Uint8Array): Uint8Array;
  /** `count` images laid end to end in `source`; results go to `target` (same length). Allocates nothing. */
  encryptBatch(source: Uint8Array, target: Uint8Array, count?: number): void;
  decryptBatch(source: Uint8Array, target: Uint8Array, count?: number): void;
}

const CACHE_LIMIT = 32;
const cache = new Map<string, ImageCipher>();

export function createImageCipher(key: CipherKey, condition: Condition, size: number): ImageCipher {
  assertSupportedSize(size);
  const cacheKey = `${key.fingerprint}:${condition}:${size}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const cipher = buildCipher(key, condition, size);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, cipher);
  return cipher;
}

function buildCipher(key: CipherKey, condition: Condition, size: number): ImageCipher {
  const pixels = size * size;
  const plan = usesPermutation(condition) ? buildArnoldPlan(arnoldParametersFromKey(key.bytes), size) : null;
  const keystream = usesKeystream(condition) ? buildKeystream(key.bytes, size, size) : new Uint8Array(pixels);
  // Decryption gathers through the inverse table, so the keystream is pre-permuted the same way:
  // plain[i] = cipher[inv[i]] ^ keystream[inv[i]].
  const decryptMask = plan ? keystream.map((_, i) => keystream[plan.inverse[i]!]!) : keystream;

  const checkBatch = (source: Uint8Array, target: Uint8Array, count: number | undefined): number => {
    const images = count ?? source.length / pixels;
    if (!Number.isInteger(images) || images < 0 || source.length < images * pixels || target.length < images * pixels) {
      throw new CipherLensError(
        'BAD_INPUT',
        `batch of ${String(count ?? source.length / pixels)} images of ${size}×${size} does not fit buffers of ${source.length} and ${target.length} bytes`,
      );
    }
    if (source === target && plan) {
      throw new CipherLensError('BAD_INPUT', 'a permuting cipher cannot work in place: give separate buffers');
    }
    return images;
  };

  const encryptBatch = (source: Uint8Array, target: Uint8Array, count?: number): void => {
    const images = checkBatch(source, target, count);
    if (plan) gatherXorBatch(source, target, images, plan.gather, keystream);
    else if (condition === 'xor') xorBatch(source, target, images, keystream);
    else target.set(source.subarray(0, images * pixels));
  };
  const decryptBatch = (source: Uint8Array, target: Uint8Array, count?: number): void => {
    const images = checkBatch(source, target, count);
    if (plan) gatherXorBatch(source, target, images, plan.inverse, decryptMask);
    else if (condition === 'xor') xorBatch(source, target, images, keystream);
    else target.set(source.subarray(0, images * pixels));
  };
  const single =
    (batch: typeof encryptBatch) =>
    (image: Uint8Array, out?: Uint8Array): Uint8Array => {
      if (image.length !== pixels) {
        throw new CipherLensError(
          'BAD_SIZE',
          `image has ${image.length} pixels; a ${size}×${size} cipher needs exactly ${pixels}`,
        );
      }
      const target = out ?? new Uint8Array(pixels);
      batch(image, target, 1);
      return target;
    };

  return {
    condition,
    size,
    keyFingerprint: key.fingerprint,
    parametersId: plan?.parametersId ?? null,
    arnold: plan ? { a: plan.a, b: plan.b, period: plan.period, iterations: plan.iterations } : null,
    encrypt: single(encryptBatch),
    decrypt: single(decryptBatch),
    encryptBatch,
    decryptBatch,
  };
}
