import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CipherLensError } from '../errors.js';

/**
 * Which test images one study configuration classified correctly, kept so two configurations can be compared
 * image by image (a paired test, core/evaluation/paired-test.ts) rather than only by their totals. One bit per
 * image in split order (bit i is bit i % 8 of byte i >> 3, least significant first), base64; the labels' hash
 * says which test split, in which order, the bits are about: only outcomes with equal hashes are paired.
 */
export const testOutcomesSchema = z.object({
  split: z.literal('test'),
  count: z.number().int().min(1),
  /** SHA-256 of the split's labels as int32 little-endian, in split order. */
  labelsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  correct: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
});
export type TestOutcomes = z.infer<typeof testOutcomesSchema>;

const labelsHash = (labels: Int32Array): string =>
  createHash('sha256')
    .update(Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength))
    .digest('hex');

export function encodeTestOutcomes(labels: Int32Array, predicted: Int32Array): TestOutcomes {
  if (labels.length !== predicted.length || labels.length === 0) {
    throw new CipherLensError('BAD_INPUT', `${predicted.length} predictions for ${labels.length} labels`);
  }
  const bits = new Uint8Array(Math.ceil(labels.length / 8));
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) bits[i >> 3]! |= 1 << (i & 7);
  return {
    split: 'test',
    count: labels.length,
    labelsSha256: labelsHash(labels),
    correct: Buffer.from(bits).toString('base64'),
  };
}

/** One byte per image, 1 = classified correctly. */
export function decodeTestOutcomes(outcomes: TestOutcomes): Uint8Array {
  const bits = Buffer.from(outcomes.correct, 'base64');
  if (bits.length !== Math.ceil(outcomes.count / 8)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `test outcomes of ${outcomes.count} images need ${Math.ceil(outcomes.count / 8)} bytes, got ${bits.length}`,
    );
  }
  const out = new Uint8Array(outcomes.count);
  for (let i = 0; i < outcomes.count; i++) out[i] = (bits[i >> 3]! >> (i & 7)) & 1;
  return out;
}

export const sameTestImages = (a: TestOutcomes, b: TestOutcomes): boolean =>
  a.count === b.count && a.labelsSha256 === b.labelsSha256;

/** How many images the outcomes count as right: must equal accuracy × count of the result they belong to. */
export function correctCount(outcomes: TestOutcomes): number {
  return decodeTestOutcomes(outcomes).reduce((sum, v) => sum + v, 0);
}
