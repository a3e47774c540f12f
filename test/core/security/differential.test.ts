import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { npcrUaci } from '../../../src/core/security/differential.js';

describe('NPCR and UACI', () => {
  it('match a hand computation on two 2×2 images', () => {
    // Differences 0, 1, 10, 255: three of four pixels changed; Σ|Δ| = 266.
    const result = npcrUaci(Uint8Array.from([0, 0, 10, 255]), Uint8Array.from([0, 1, 20, 0]));
    expect(result.changedPixels).toBe(3);
    expect(result.pixels).toBe(4);
    expect(result.npcrPercent).toBe(75);
    expect(result.uaciPercent).toBeCloseTo((100 * 266) / (255 * 4), 12); // 26.0784…%
  });
  it('are 0 for identical images and 100% for a full black/white inversion', () => {
    const image = Uint8Array.from([3, 7, 9, 200]);
    expect(npcrUaci(image, image)).toMatchObject({ npcrPercent: 0, uaciPercent: 0 });
    expect(npcrUaci(new Uint8Array(9), new Uint8Array(9).fill(255))).toMatchObject({
      npcrPercent: 100,
      uaciPercent: 100,
    });
  });
  it('are symmetric and bounded, and UACI ≤ NPCR', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 0, max: 255 }),
        (a, shift) => {
          const b = a.map((v, i) => (v + shift * (i % 3)) & 255);
          const ab = npcrUaci(a, b);
          const ba = npcrUaci(b, a);
          expect(ab).toEqual(ba);
          expect(ab.npcrPercent).toBeGreaterThanOrEqual(0);
          expect(ab.npcrPercent).toBeLessThanOrEqual(100);
          expect(ab.uaciPercent).toBeLessThanOrEqual(ab.npcrPercent + 1e-9);
        },
      ),
    );
  });
  it('refuse images of different sizes and empty images', () => {
    expect(() => npcrUaci(new Uint8Array(4), new Uint8Array(9))).toThrow(/equal size/);
    expect(() => npcrUaci(new Uint8Array(0), new Uint8Array(0))).toThrow(/empty/);
  });
});
