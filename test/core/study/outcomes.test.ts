import { describe, expect, it } from 'vitest';
import {
  correctCount,
  decodeTestOutcomes,
  encodeTestOutcomes,
  sameTestImages,
} from '../../../src/core/study/outcomes.js';

describe('per-image test outcomes', () => {
  const labels = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1]);
  const predicted = Int32Array.from([0, 1, 0, 0, 2, 2, 0, 1, 1, 0, 1]);

  it('keep one bit per image, least significant first, and decode back to it', () => {
    const outcomes = encodeTestOutcomes(labels, predicted);
    expect(outcomes.count).toBe(11);
    // Right: 0, 1, 3, 5, 6, 7, 9, 10 → byte 0 = 0b11101011, byte 1 = 0b110.
    expect([...Buffer.from(outcomes.correct, 'base64')]).toEqual([0b11101011, 0b110]);
    expect([...decodeTestOutcomes(outcomes)]).toEqual([1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1]);
    expect(correctCount(outcomes)).toBe(8);
  });

  it('pair only outcomes about the same test images in the same order', () => {
    const a = encodeTestOutcomes(labels, predicted);
    expect(sameTestImages(a, encodeTestOutcomes(labels, labels))).toBe(true);
    const reordered = Int32Array.from(labels).reverse();
    expect(sameTestImages(a, encodeTestOutcomes(reordered, reordered))).toBe(false);
  });

  it('refuse mismatched lengths and damaged bits', () => {
    expect(() => encodeTestOutcomes(labels, predicted.subarray(1))).toThrow(/10 predictions for 11 labels/);
    const outcomes = encodeTestOutcomes(labels, predicted);
    expect(() => decodeTestOutcomes({ ...outcomes, count: 17 })).toThrow(/need 3 bytes, got 2/);
  });
});
