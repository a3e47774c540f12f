import { CipherLensError } from '../errors.js';

/**
 * An equivalent key: the two tables of `cipher[i] = plain[gather[i]] ^ keystream[i]` (what `cipherTables` gives
 * for the real key). With them every image of that key and size decrypts, whatever the master key was.
 */
export interface RecoveredCipher {
  size: number;
  gather: Int32Array;
  keystream: Uint8Array;
}

/** `count` N×N images laid end to end (the batch layout of the cipher). */
export interface ImageBatch {
  size: number;
  count: number;
  pixels: Uint8Array;
}

export function checkBatch(batch: ImageBatch, what: string): void {
  const pixels = batch.size * batch.size;
  if (!Number.isInteger(batch.count) || batch.count < 0 || batch.pixels.length < batch.count * pixels) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${what}: ${batch.count} images of ${batch.size}×${batch.size} do not fit ${batch.pixels.length} bytes`,
    );
  }
}

/** plain[gather[i]] = cipher[i] ^ keystream[i], for every image of the batch. */
export function decryptWith(recovered: RecoveredCipher, ciphers: ImageBatch): Uint8Array {
  checkBatch(ciphers, 'ciphertexts');
  if (ciphers.size !== recovered.size) {
    throw new CipherLensError(
      'BAD_SIZE',
      `recovered tables are ${recovered.size}×${recovered.size}, ciphertexts ${ciphers.size}×${ciphers.size}`,
    );
  }
  const pixels = ciphers.size * ciphers.size;
  const { gather, keystream } = recovered;
  const out = new Uint8Array(ciphers.count * pixels);
  for (let image = 0; image < ciphers.count; image++) {
    const base = image * pixels;
    for (let i = 0; i < pixels; i++) out[base + gather[i]!] = ciphers.pixels[base + i]! ^ keystream[i]!;
  }
  return out;
}

export interface RecoveryScore {
  /** Fraction of all pixels of all images equal to the truth. */
  pixelsExact: number;
  /** Fraction of images with every pixel equal. */
  imagesExact: number;
  /** Mean |recovered − true| over all pixels (0–255). */
  meanAbsoluteError: number;
}

/** Compares recovered images with the originals, pixel by pixel. */
export function scoreRecovery(
  recovered: Uint8Array,
  truth: Uint8Array,
  size: number,
  count: number,
): RecoveryScore {
  const pixels = size * size;
  let exact = 0;
  let exactImages = 0;
  let absolute = 0;
  for (let image = 0; image < count; image++) {
    const base = image * pixels;
    let imageExact = 0;
    for (let i = 0; i < pixels; i++) {
      const a = recovered[base + i]!;
      const b = truth[base + i]!;
      if (a === b) imageExact++;
      else absolute += a > b ? a - b : b - a;
    }
    exact += imageExact;
    if (imageExact === pixels) exactImages++;
  }
  const total = count * pixels;
  return {
    pixelsExact: total === 0 ? 0 : exact / total,
    imagesExact: count === 0 ? 0 : exactImages / count,
    meanAbsoluteError: total === 0 ? 0 : absolute / total,
  };
}

/** Fraction of positions where two tables agree. */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}
