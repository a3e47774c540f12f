import { describe, expect, it } from 'vitest';
import { WasmDifferentialKernel } from '../../../src/core/crypto/wasm-kernels.js';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { npcrUaci, npcrUaciSums } from '../../../src/core/security/differential.js';

function images(count: number, pixels: number, seed: number): Uint8Array {
  const prng = createPrng(seed);
  return Uint8Array.from({ length: count * pixels }, () => prng.nextUint32() & 255);
}

describe('npcrUaciSums (batched NPCR/UACI)', () => {
  it.each([16, 784, 4096, 30, 5])('agrees with npcrUaci pair by pair at %i pixels', (pixels) => {
    const count = 37;
    const a = images(count, pixels, pixels);
    const b = images(count, pixels, pixels + 1);
    // Some identical pairs and extremes, so zero, full and 255-wide differences are all covered.
    b.set(a.subarray(0, pixels), 0);
    a.fill(0, pixels, 2 * pixels);
    b.fill(255, pixels, 2 * pixels);
    const sums = npcrUaciSums(a, b, pixels);
    for (let k = 0; k < count; k++) {
      const one = npcrUaci(
        a.subarray(k * pixels, (k + 1) * pixels),
        b.subarray(k * pixels, (k + 1) * pixels),
      );
      expect(sums.changedPixels[k]).toBe(one.changedPixels);
      expect((100 * sums.absoluteDifference[k]!) / (255 * pixels)).toBeCloseTo(one.uaciPercent, 10);
    }
    expect(sums.changedPixels[0]).toBe(0);
    expect(sums.absoluteDifference[1]).toBe(255 * pixels);
  });

  it('crosses chunk boundaries and reuses the caller arrays and kernel', () => {
    const pixels = 4096;
    const count = 300; // > one 512 KiB chunk of 64×64 pairs
    const a = images(count, pixels, 1);
    const b = images(count, pixels, 2);
    const into = { changedPixels: new Uint32Array(count), absoluteDifference: new Uint32Array(count) };
    const kernel = new WasmDifferentialKernel(pixels);
    expect(npcrUaciSums(a, b, pixels, into, kernel)).toBe(into);
    const last = npcrUaci(a.subarray((count - 1) * pixels), b.subarray((count - 1) * pixels));
    expect(into.changedPixels[count - 1]).toBe(last.changedPixels);
  });

  it('refuses mismatched batches, short result arrays and a kernel of another size', () => {
    expect(() => npcrUaciSums(new Uint8Array(32), new Uint8Array(16), 16)).toThrow(/whole 16-pixel images/);
    expect(() => npcrUaciSums(new Uint8Array(30), new Uint8Array(30), 16)).toThrow(/whole 16-pixel images/);
    const short = { changedPixels: new Uint32Array(1), absoluteDifference: new Uint32Array(1) };
    expect(() => npcrUaciSums(new Uint8Array(32), new Uint8Array(32), 16, short)).toThrow(
      /fewer than 2 pairs/,
    );
    expect(() =>
      npcrUaciSums(new Uint8Array(32), new Uint8Array(32), 16, undefined, new WasmDifferentialKernel(32)),
    ).toThrow(/32-pixel kernel/);
  });
});
