import { createImageCipher } from '../crypto/cipher.js';
import type { Condition } from '../crypto/condition.js';
import type { CipherKey } from '../crypto/keys.js';
import { DEFAULT_SAMPLED_PAIRS, DEFAULT_SAMPLING_SEED, DEFAULT_SCATTER_SAMPLES } from './correlation.js';
import { npcrUaci, type DifferentialMeasure } from './differential.js';
import { DEFAULT_BLOCK_SIZE } from './entropy.js';
import { squareSide } from './image-input.js';
import { imageStatistics, type ImageStatistics } from './image-statistics.js';
import { reportNotes } from './interpretation.js';
import {
  keySensitivity,
  plaintextSensitivity,
  type KeySensitivity,
  type PlaintextSensitivity,
} from './sensitivity.js';
import { expectedUniformEntropy } from './uniform-entropy.js';
import {
  IDEAL_NPCR_PERCENT,
  IDEAL_UACI_PERCENT,
  WU_ALPHAS,
  wuCriticalValues,
  type WuCriticalValues,
} from './wu-test.js';

export const SECURITY_REPORT_FORMAT = 'cipherlens-security-report';
export const SECURITY_REPORT_VERSION = 1;

export interface AnalyzeOptions {
  /** Random adjacent pairs per direction for the sampled correlations (default 3000). */
  pairs?: number;
  /** Seed for the sampled pairs and the changed plaintext pixel (default 1). */
  seed?: number;
  /** Scatter points kept per direction and image (default 1000; 0 keeps none). */
  scatterSamples?: number;
  /** Block side of the local entropy (default 8, or the image side when smaller). */
  blockSize?: number;
  /** Key bit flipped for key sensitivity (default 0). */
  keyBit?: number;
  /** Pixel changed for plaintext sensitivity (default: drawn with `seed`). */
  pixelIndex?: number;
}

/** Everything is plain JSON: numbers, strings, booleans, arrays, null (never NaN or typed arrays). */
export interface SecurityReport {
  format: typeof SECURITY_REPORT_FORMAT;
  version: typeof SECURITY_REPORT_VERSION;
  condition: Condition;
  size: number;
  pixels: number;
  keyFingerprint: string;
  settings: { pairs: number; seed: number; scatterSamples: number; blockSize: number; keyBit: number };
  reference: {
    idealEntropy: 8;
    /** Expected sample entropy of `pixels` uniform random pixels: the fair bar for the cipher image. */
    uniformEntropy: number;
    /** The same for one entropy block. */
    uniformBlockEntropy: number;
    idealNpcrPercent: number;
    idealUaciPercent: number;
    wuCritical: WuCriticalValues[];
  };
  plain: ImageStatistics;
  cipher: ImageStatistics;
  /** NPCR/UACI between the plain image and its own cipher image: how much encryption changed (not a test). */
  plainVsCipher: DifferentialMeasure;
  plaintextSensitivity: PlaintextSensitivity;
  keySensitivity: KeySensitivity;
  notes: string[];
}

/** Security statistics of one plain N×N image and its encryption under `key` and `condition`. */
export function analyzeImage(
  plain: Uint8Array,
  key: CipherKey,
  condition: Condition,
  options: AnalyzeOptions = {},
): SecurityReport {
  const size = squareSide(plain, 'plain image');
  const pixels = size * size;
  const settings = {
    pairs: options.pairs ?? DEFAULT_SAMPLED_PAIRS,
    seed: options.seed ?? DEFAULT_SAMPLING_SEED,
    scatterSamples: options.scatterSamples ?? DEFAULT_SCATTER_SAMPLES,
    blockSize: options.blockSize ?? Math.min(DEFAULT_BLOCK_SIZE, size),
    keyBit: options.keyBit ?? 0,
  };
  const statisticsOptions = {
    pairs: settings.pairs,
    seed: settings.seed,
    maxSamples: settings.scatterSamples,
    blockSize: settings.blockSize,
  };
  const cipherImage = createImageCipher(key, condition, size).encrypt(plain);
  const body: Omit<SecurityReport, 'notes'> = {
    format: SECURITY_REPORT_FORMAT,
    version: SECURITY_REPORT_VERSION,
    condition,
    size,
    pixels,
    keyFingerprint: key.fingerprint,
    settings,
    reference: {
      idealEntropy: 8,
      uniformEntropy: expectedUniformEntropy(pixels),
      uniformBlockEntropy: expectedUniformEntropy(settings.blockSize * settings.blockSize),
      idealNpcrPercent: IDEAL_NPCR_PERCENT,
      idealUaciPercent: IDEAL_UACI_PERCENT,
      wuCritical: WU_ALPHAS.map((alpha) => wuCriticalValues(pixels, alpha)),
    },
    plain: imageStatistics(plain, size, statisticsOptions),
    cipher: imageStatistics(cipherImage, size, statisticsOptions),
    plainVsCipher: npcrUaci(plain, cipherImage),
    plaintextSensitivity: plaintextSensitivity(plain, key, condition, {
      cipher: cipherImage,
      seed: settings.seed,
      ...(options.pixelIndex === undefined ? {} : { pixelIndex: options.pixelIndex }),
    }),
    keySensitivity: keySensitivity(plain, key, condition, { cipher: cipherImage, bit: settings.keyBit }),
  };
  return { ...body, notes: reportNotes(body) };
}
