import { CipherLensError } from '../errors.js';
import { assertSupportedSize, invertTable, type ArnoldPlan } from './arnold.js';
import { type Condition, permutationOf, usesKeystream, usesPermutation } from './condition.js';
import { gatherXorBatch, xorBatch } from './kernels.js';
import type { CipherKey } from './keys.js';
import { buildKeystream } from './keystream.js';
import { WasmBatchKernel, wasmKernelsAvailable } from './wasm-kernels.js';

/**
 * Encrypts and decrypts N×N 8-bit greyscale images (row-major, one byte per pixel) under one key and
 * one condition. Instances are cached per (key, condition, size): tables are built once.
 */
export interface ImageCipher {
  readonly condition: Condition;
  readonly size: number;
  readonly keyFingerprint: string;
  /** Keyed id of the permutation (PERMUTATIONS[…].parametersIdRule) for permuting conditions, null otherwise. */
  readonly parametersId: string | null;
  /** The cat map's parameters at this size for Arnold conditions, null otherwise. */
  readonly arnold: Pick<ArnoldPlan, 'a' | 'b' | 'period' | 'iterations'> | null;
  /** Which batch kernels run: WebAssembly (SIMD) where available and N² is a multiple of 16, else JavaScript. */
  readonly kernel: KernelChoice;
  encrypt(plain: Uint8Array, out?: Uint8Array): Uint8Array;
  decrypt(cipher: Uint8Array, out?: Uint8Array): Uint8Array;
  /**
   * `count` images laid end to end in `source` (default: all of it); results go to `target`. Allocates nothing.
   * Permuting conditions need separate buffers; `xor` and `plain` may work in place (source === target).
   */
  encryptBatch(source: Uint8Array, target: Uint8Array, count?: number): void;
  decryptBatch(source: Uint8Array, target: Uint8Array, count?: number): void;
}

export type KernelChoice = 'wasm' | 'js';

/**
 * The ciphers built for a key live on the key object (a side table, so CipherKey stays plain data): they go when
 * the key does — the back end's key ring with its context, a CLI run's key at exit — and two loads of the same key
 * share nothing. Per key, least-recently-used, bounded by table memory rather than count: one permuting cipher at
 * 4096² holds ≈ 170 MB of tables, at 28² about 8 KB. The newest entry is always kept, whatever its size.
 */
const CACHE_BUDGET_BYTES = 1 << 30;
interface KeyCiphers {
  entries: Map<string, { cipher: ImageCipher; bytes: number }>;
  bytes: number;
}
const ciphersOfKey = new WeakMap<CipherKey, KeyCiphers>();

export function createImageCipher(key: CipherKey, condition: Condition, size: number): ImageCipher {
  assertSupportedSize(size);
  let cache = ciphersOfKey.get(key);
  if (!cache) {
    cache = { entries: new Map(), bytes: 0 };
    ciphersOfKey.set(key, cache);
  }
  const cacheKey = `${condition}:${size}`;
  const hit = cache.entries.get(cacheKey);
  if (hit) {
    cache.entries.delete(cacheKey);
    cache.entries.set(cacheKey, hit);
    return hit.cipher;
  }
  const cipher = buildImageCipher(key, condition, size);
  const entry = { cipher, bytes: tableBytes(condition, size, cipher.kernel) };
  cache.entries.set(cacheKey, entry);
  cache.bytes += entry.bytes;
  for (const [oldest, old] of cache.entries) {
    if (cache.bytes <= CACHE_BUDGET_BYTES || old === entry) break;
    cache.entries.delete(oldest);
    cache.bytes -= old.bytes;
  }
  return entry.cipher;
}

/** Forgets the ciphers built for `key` now, rather than when the key object goes (tests; memory after large work). */
export function forgetCiphers(key: CipherKey): void {
  ciphersOfKey.delete(key);
}

function tableBytes(condition: Condition, size: number, kernel: KernelChoice): number {
  const pixels = size * size;
  // gather + inverse (Int32) + keystream + permuted keystream; xor keeps one keystream. The WebAssembly
  // instance holds its own copy plus two staging chunks of ≤ 512 KiB (or one image).
  const tables = usesPermutation(condition) ? pixels * 10 : usesKeystream(condition) ? pixels : 0;
  const wasm = kernel === 'wasm' ? pixels * 10 + 2 * Math.max(pixels, 512 * 1024) : 0;
  return tables + wasm;
}

/**
 * Builds a cipher without the cache. `kernel` forces one implementation (tests, benchmarks); by default
 * WebAssembly is used where possible, and CIPHERLENS_KERNEL=js in the environment forces JavaScript.
 */
export function buildImageCipher(
  key: CipherKey,
  condition: Condition,
  size: number,
  options: { kernel?: KernelChoice } = {},
): ImageCipher {
  assertSupportedSize(size);
  const pixels = size * size;
  const wanted = options.kernel ?? (process.env.CIPHERLENS_KERNEL === 'js' ? 'js' : 'wasm');
  if (options.kernel === 'wasm' && !wasmKernelsAvailable(pixels)) {
    throw new CipherLensError('INTERNAL', `WebAssembly kernels are unavailable for ${size}×${size}`);
  }
  const wasm =
    wanted === 'wasm' &&
    (usesPermutation(condition) || usesKeystream(condition)) &&
    wasmKernelsAvailable(pixels)
      ? new WasmBatchKernel(pixels)
      : null;
  // The condition's permutation kernel (registry), or none.
  const plan = permutationOf(condition)?.build(key.bytes, size) ?? null;
  const keystream = usesKeystream(condition) ? buildKeystream(key.bytes, size, size) : new Uint8Array(pixels);
  if (wasm && plan) wasm.setTable(0, plan.gather);
  if (wasm && usesKeystream(condition)) wasm.setMask(0, keystream);
  // Built on first decrypt: encrypt-only work (training export) never pays for them.
  let decryptTables: { inverse: Int32Array; mask: Uint8Array } | null = null;
  const getDecryptTables = (gather: Int32Array): { inverse: Int32Array; mask: Uint8Array } => {
    if (!decryptTables) {
      const inverse = invertTable(gather);
      // plain[j] = cipher[inverse[j]] ^ keystream[inverse[j]]: the keystream is pre-permuted the same way.
      const mask = new Uint8Array(pixels);
      for (let j = 0; j < pixels; j++) mask[j] = keystream[inverse[j]!]!;
      decryptTables = { inverse, mask };
      wasm?.setTable(1, inverse);
      wasm?.setMask(1, mask);
    }
    return decryptTables;
  };
  const xorSlot = usesKeystream(condition) ? 0 : null;

  const checkBatch = (source: Uint8Array, target: Uint8Array, count: number | undefined): number => {
    const images = count ?? source.length / pixels;
    if (
      !Number.isInteger(images) ||
      images < 0 ||
      source.length < images * pixels ||
      target.length < images * pixels
    ) {
      throw new CipherLensError(
        'BAD_INPUT',
        `batch of ${String(count ?? source.length / pixels)} images of ${size}×${size} does not fit buffers of ${source.length} and ${target.length} bytes`,
      );
    }
    const overlap = overlapOf(source, target, images * pixels);
    if (overlap === 'partial' || (overlap === 'same' && plan)) {
      throw new CipherLensError(
        'BAD_INPUT',
        plan
          ? 'a permuting cipher cannot work in place: give separate, non-overlapping buffers'
          : 'source and target overlap without being the same range',
      );
    }
    return images;
  };

  const encryptBatch = (source: Uint8Array, target: Uint8Array, count?: number): void => {
    const images = checkBatch(source, target, count);
    if (wasm) wasm.run(source, target, images, plan ? 0 : null, xorSlot);
    else if (plan) gatherXorBatch(source, target, images, plan.gather, keystream);
    else if (usesKeystream(condition)) xorBatch(source, target, images, keystream);
    else if (source !== target) target.set(source.subarray(0, images * pixels));
  };
  const decryptBatch = (source: Uint8Array, target: Uint8Array, count?: number): void => {
    const images = checkBatch(source, target, count);
    if (plan) {
      const tables = getDecryptTables(plan.gather);
      if (wasm) wasm.run(source, target, images, 1, xorSlot === null ? null : 1);
      else gatherXorBatch(source, target, images, tables.inverse, tables.mask);
    } else if (wasm) wasm.run(source, target, images, null, xorSlot);
    else if (usesKeystream(condition)) xorBatch(source, target, images, keystream);
    else if (source !== target) target.set(source.subarray(0, images * pixels));
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
      if (out && out.length !== pixels) {
        throw new CipherLensError('BAD_SIZE', `output buffer has ${out.length} bytes; expected ${pixels}`);
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
    arnold: plan?.arnold ?? null,
    kernel: wasm ? 'wasm' : 'js',
    encrypt: single(encryptBatch),
    decrypt: single(decryptBatch),
    encryptBatch,
    decryptBatch,
  };
}

function overlapOf(a: Uint8Array, b: Uint8Array, length: number): 'none' | 'same' | 'partial' {
  if (a.buffer !== b.buffer || length === 0) return 'none';
  if (a.byteOffset === b.byteOffset) return 'same';
  const disjoint = a.byteOffset + length <= b.byteOffset || b.byteOffset + length <= a.byteOffset;
  return disjoint ? 'none' : 'partial';
}

/** What the cipher applies to an N×N image: `cipher[i] = plain[gather[i]] ^ keystream[i]`. */
export interface CipherTables {
  /** Gather table of the condition's permutation; null when the condition does not permute. */
  gather: Int32Array | null;
  /** Per-position XOR bytes; null when the condition does not XOR. */
  keystream: Uint8Array | null;
}

/**
 * The tables of the one cipher implementation, for code that must mirror it exactly (the key transform of
 * bit-plane models). They are key material: keep them in memory, never write them out.
 */
export function cipherTables(key: CipherKey, condition: Condition, size: number): CipherTables {
  assertSupportedSize(size);
  return {
    gather: permutationOf(condition)?.build(key.bytes, size).gather ?? null,
    keystream: usesKeystream(condition) ? buildKeystream(key.bytes, size, size) : null,
  };
}
