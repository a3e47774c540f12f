import { describe, expect, it } from 'vitest';
import { demoPlan, runAttackDemo } from '../../../src/core/attacks/demo.js';
import { syntheticImages } from '../../../src/core/attacks/image-sets.js';

const keyBytes = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 1) & 255);

describe('attack demonstration (the Security view’s Attacks panel)', () => {
  it('plans known pairs below half the sample and ciphertext counts up to the sample', () => {
    expect(demoPlan(1000)).toEqual({
      known: [1, 2, 3, 4, 8, 16, 32, 64],
      targets: 500,
      ciphertexts: [10, 100, 1000],
    });
    expect(demoPlan(57)).toEqual({ known: [1, 2, 3, 4, 8, 16], targets: 41, ciphertexts: [10, 57] });
    expect(demoPlan(4)).toEqual({ known: [1, 2], targets: 2, ciphertexts: [4] });
  });

  it('measures the three attacks on one sample and keeps the grid images', () => {
    const result = runAttackDemo({
      keyBytes,
      condition: 'arnold+xor',
      images: syntheticImages(60, 16, 4),
      reference: syntheticImages(20, 16, 5),
      keepImages: 8,
    });
    expect(result.knownPlaintext.kNeeded['arnold-sl2']).toBe(2);
    expect(result.ciphertextOnly.rows.map((r) => r.ciphertexts)).toEqual([10, 60]);
    expect(result.grid.originals.length).toBe(8 * 256);
    expect(result.grid.recovered.map((r) => r.pixels.length)).toEqual([8 * 256, 8 * 256]);
    expect(result.keyspace.uniformReachableBits).toBe(256);
  });

  it('refuses a condition without a permutation, too few images and sizes above the demonstration limit', () => {
    const run = (condition: 'xor' | 'arnold+xor', count: number, size: number) =>
      runAttackDemo({
        keyBytes,
        condition,
        images: syntheticImages(count, size, 1),
        reference: null,
        keepImages: 0,
      });
    expect(() => run('xor', 10, 16)).toThrow(/does not permute/);
    expect(() => run('arnold+xor', 3, 16)).toThrow(/at least 4/);
    expect(() => run('arnold+xor', 4, 130)).toThrow(/N ≤ 128/);
  });
});
