import { describe, expect, it } from 'vitest';
import { blockEntropy, entropyOfHistogram, shannonEntropy } from '../../../src/core/security/entropy.js';
import { histogram256 } from '../../../src/core/security/histogram.js';

describe('histogram256', () => {
  it('counts every grey level and reuses a given buffer', () => {
    const pixels = Uint8Array.from([0, 0, 7, 255, 255, 255]);
    const buffer = new Uint32Array(256).fill(99);
    const counts = histogram256(pixels, buffer);
    expect(counts).toBe(buffer);
    expect(counts[0]).toBe(2);
    expect(counts[7]).toBe(1);
    expect(counts[255]).toBe(3);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
  });
  it('refuses a buffer of the wrong length', () => {
    expect(() => histogram256(new Uint8Array(4), new Uint32Array(10))).toThrow(/256 entries/);
  });
});

describe('Shannon entropy', () => {
  it('is 0 for a constant image', () => {
    expect(shannonEntropy(new Uint8Array(64 * 64).fill(137))).toBe(0);
  });
  it('is 1 bit for a two-level image with equal halves', () => {
    const pixels = new Uint8Array(28 * 28);
    pixels.fill(255, 0, pixels.length / 2);
    expect(shannonEntropy(pixels)).toBeCloseTo(1, 12);
  });
  it('is 2 bits for four equally used levels and 8 bits when every level is used equally', () => {
    expect(shannonEntropy(Uint8Array.from({ length: 400 }, (_, i) => (i % 4) * 60))).toBeCloseTo(2, 12);
    expect(shannonEntropy(Uint8Array.from({ length: 256 * 16 }, (_, i) => i & 255))).toBeCloseTo(8, 12);
  });
  it('matches −Σ p log2 p for an uneven histogram', () => {
    const histogram = new Uint32Array(256);
    histogram[0] = 1;
    histogram[1] = 3;
    const expected = -(0.25 * Math.log2(0.25) + 0.75 * Math.log2(0.75));
    expect(entropyOfHistogram(histogram)).toBeCloseTo(expected, 12);
    expect(entropyOfHistogram(new Uint32Array(256))).toBe(0);
  });
  it('refuses an empty image', () => {
    expect(() => shannonEntropy(new Uint8Array(0))).toThrow(/empty/);
  });
});

describe('block entropy', () => {
  it('is 0 when every block is constant, whatever the global entropy', () => {
    const size = 16;
    const pixels = new Uint8Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) pixels[y * size + x] = (y >> 3) * 2 + (x >> 3);
    expect(shannonEntropy(pixels)).toBeCloseTo(2, 12);
    expect(blockEntropy(pixels, size, 8)).toEqual({ blockSize: 8, blocks: 4, mean: 0, min: 0, max: 0 });
  });
  it('averages over ⌊N/B⌋² blocks, leaving out the remainder', () => {
    const size = 28;
    const pixels = new Uint8Array(size * size);
    // A checkerboard: every 8×8 block holds 32 zeros and 32 ones → 1 bit.
    for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.floor(i / size) + (i % size)) & 1;
    const result = blockEntropy(pixels, size);
    expect(result.blockSize).toBe(8);
    expect(result.blocks).toBe(9);
    expect(result.mean).toBeCloseTo(1, 12);
  });
  it('uses the whole image as one block when the image is smaller than the default block', () => {
    expect(blockEntropy(Uint8Array.from([0, 1, 2, 3]), 2)).toMatchObject({
      blockSize: 2,
      blocks: 1,
      mean: 2,
    });
  });
  it('refuses bad block sizes and mismatched images', () => {
    expect(() => blockEntropy(new Uint8Array(64), 8, 9)).toThrow(/block size/);
    expect(() => blockEntropy(new Uint8Array(64), 8, 1)).toThrow(/block size/);
    expect(() => blockEntropy(new Uint8Array(63), 8)).toThrow(/needs 64/);
  });
});
