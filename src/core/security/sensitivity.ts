import { createImageCipher } from '../crypto/cipher.js';
import type { Condition } from '../crypto/condition.js';
import { flipKeyBit, KEY_BYTES, type CipherKey } from '../crypto/keys.js';
import { createPrng } from '../datasets/prng.js';
import { CipherLensError } from '../errors.js';
import { npcrUaci, type DifferentialMeasure } from './differential.js';
import { squareSide } from './image-input.js';
import { explainKeySensitivity, explainPlaintextSensitivity } from './interpretation.js';
import { WU_ALPHAS, wuTest, type WuTestResult } from './wu-test.js';

interface SensitivityBase extends DifferentialMeasure {
  wu: WuTestResult;
  /** Wu's test at α = 0.05, NPCR and UACI both. */
  verdict: 'pass' | 'fail';
  /** What the numbers mean for this scheme and condition, in plain words. */
  explanation: string;
}

/** Two plain images that differ in one pixel, encrypted under the same key. */
export interface PlaintextSensitivity extends SensitivityBase {
  kind: 'plaintext';
  changedPixel: { index: number; row: number; col: number; from: number; to: number };
}

/** One plain image encrypted under two keys that differ in one bit. */
export interface KeySensitivity extends SensitivityBase {
  kind: 'key';
  flippedBit: number;
  keyFingerprint: string;
  flippedKeyFingerprint: string;
}

export interface PlaintextSensitivityOptions {
  /** Pixel to change (row-major index). Default: one drawn with `seed`. */
  pixelIndex?: number;
  seed?: number;
  /** Cipher image of `plain` under the same key and condition, if the caller already has it. */
  cipher?: Uint8Array;
}

function verdictOf(wu: WuTestResult): 'pass' | 'fail' {
  const atFivePercent = wu.verdicts.find((v) => v.alpha === 0.05) ?? wu.verdicts[0];
  return atFivePercent?.pass ? 'pass' : 'fail';
}

/** Change one pixel by +1 (255 wraps to 0), encrypt both, compare: the differential attack's view. */
export function plaintextSensitivity(
  plain: Uint8Array,
  key: CipherKey,
  condition: Condition,
  options: PlaintextSensitivityOptions = {},
): PlaintextSensitivity {
  const size = squareSide(plain, 'plain image');
  const pixels = size * size;
  const index = options.pixelIndex ?? createPrng(options.seed ?? 1).nextBelow(pixels);
  if (!Number.isInteger(index) || index < 0 || index >= pixels) {
    throw new CipherLensError(
      'BAD_INPUT',
      `pixel index must be an integer from 0 to ${pixels - 1}, got ${index}`,
    );
  }
  const cipher = createImageCipher(key, condition, size);
  const original = options.cipher ?? cipher.encrypt(plain);
  if (original.length !== pixels) {
    throw new CipherLensError(
      'BAD_SIZE',
      `given cipher image has ${original.length} pixels, expected ${pixels}`,
    );
  }
  const changedPlain = new Uint8Array(plain);
  const from = plain[index]!;
  const to = (from + 1) & 0xff;
  changedPlain[index] = to;
  const measure = npcrUaci(original, cipher.encrypt(changedPlain));
  const wu = wuTest(measure, WU_ALPHAS);
  return {
    kind: 'plaintext',
    changedPixel: { index, row: Math.floor(index / size), col: index % size, from, to },
    ...measure,
    wu,
    verdict: verdictOf(wu),
    explanation: explainPlaintextSensitivity(condition, measure),
  };
}

export interface KeySensitivityOptions {
  /** Key bit to flip, 0…255 (bit b is bit b%8 of byte ⌊b/8⌋). Default 0. */
  bit?: number;
  cipher?: Uint8Array;
}

/** Encrypt the same image under the key and under the key with one bit flipped, compare. */
export function keySensitivity(
  plain: Uint8Array,
  key: CipherKey,
  condition: Condition,
  options: KeySensitivityOptions = {},
): KeySensitivity {
  const size = squareSide(plain, 'plain image');
  const bit = options.bit ?? 0;
  if (!Number.isInteger(bit) || bit < 0 || bit >= KEY_BYTES * 8) {
    throw new CipherLensError(
      'BAD_INPUT',
      `key bit must be an integer from 0 to ${KEY_BYTES * 8 - 1}, got ${bit}`,
    );
  }
  const flippedKey = flipKeyBit(key, bit);
  const original = options.cipher ?? createImageCipher(key, condition, size).encrypt(plain);
  if (original.length !== plain.length) {
    throw new CipherLensError(
      'BAD_SIZE',
      `given cipher image has ${original.length} pixels, expected ${plain.length}`,
    );
  }
  const measure = npcrUaci(original, createImageCipher(flippedKey, condition, size).encrypt(plain));
  const wu = wuTest(measure, WU_ALPHAS);
  const verdict = verdictOf(wu);
  return {
    kind: 'key',
    flippedBit: bit,
    keyFingerprint: key.fingerprint,
    flippedKeyFingerprint: flippedKey.fingerprint,
    ...measure,
    wu,
    verdict,
    explanation: explainKeySensitivity(condition, measure, verdict),
  };
}
