import { describe, expect, it } from 'vitest';
import type { Condition } from '../../../src/core/crypto/condition.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { keySensitivity, plaintextSensitivity } from '../../../src/core/security/sensitivity.js';
import { wuCriticalValues } from '../../../src/core/security/wu-test.js';

function randomBytes(prng: ReturnType<typeof createPrng>, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => prng.nextUint32() & 255);
}

describe('plaintext sensitivity', () => {
  it.each([28, 64])(
    'changes exactly one cipher pixel for arnold+xor at %i×%i: NPCR = 1/N², a FAIL',
    (size) => {
      const prng = createPrng(size);
      for (let trial = 0; trial < 5; trial++) {
        const key = keyFromBytes(randomBytes(prng, 32));
        const result = plaintextSensitivity(randomBytes(prng, size * size), key, 'arnold+xor', {
          seed: trial,
        });
        expect(result.changedPixels).toBe(1);
        expect(result.npcrPercent).toBeCloseTo(100 / (size * size), 12);
        expect(result.verdict).toBe('fail');
        expect(result.wu.verdicts.every((v) => !v.npcrPass)).toBe(true);
        expect(result.explanation).toMatch(/FAIL by design/);
        expect(result.changedPixel.to).toBe((result.changedPixel.from + 1) & 255);
      }
    },
  );
  it('reports 0.0244% at 64×64 and 0.1276% at 28×28, as REFERENCES.md says', () => {
    const key = keyFromBytes(new Uint8Array(32).fill(1));
    const at64 = plaintextSensitivity(new Uint8Array(4096).fill(90), key, 'arnold+xor', { pixelIndex: 0 });
    const at28 = plaintextSensitivity(new Uint8Array(784).fill(255), key, 'xor', { pixelIndex: 783 });
    expect(at64.npcrPercent.toFixed(4)).toBe('0.0244');
    expect(at28.npcrPercent.toFixed(4)).toBe('0.1276');
    expect(at28.changedPixel).toMatchObject({ row: 27, col: 27, from: 255, to: 0 });
  });
  it('refuses a pixel index outside the image and a non-square image', () => {
    const key = keyFromBytes(new Uint8Array(32));
    expect(() => plaintextSensitivity(new Uint8Array(16), key, 'xor', { pixelIndex: 16 })).toThrow(
      /pixel index/,
    );
    expect(() => plaintextSensitivity(new Uint8Array(15), key, 'xor')).toThrow(/not an N×N image/);
  });
});

describe('key sensitivity', () => {
  // Each trial passes Wu's test with probability ≈ 1 − α if the scheme behaves like independent noise, so the
  // check is on the pass rate over many random images and keys, not on one lucky draw. The exact NPCR pass rate
  // at 64×64 is 94.2% (the count of unchanged pixels is Binomial(4096, 1/256); Wu's normal approximation
  // says 95%); NPCR and UACI together ≈ 89.5%.
  it.each<Condition>(['arnold+xor', 'xor'])(
    'puts NPCR within the Wu critical range at 64×64 on random images (%s)',
    (condition) => {
      const prng = createPrng(condition === 'xor' ? 101 : 202);
      const trials = 300;
      const critical = wuCriticalValues(4096, 0.05);
      let npcrPasses = 0;
      let bothPasses = 0;
      let npcrSum = 0;
      let uaciSum = 0;
      for (let trial = 0; trial < trials; trial++) {
        const key = keyFromBytes(randomBytes(prng, 32));
        const result = keySensitivity(randomBytes(prng, 4096), key, condition, { bit: prng.nextBelow(256) });
        if (result.npcrPercent >= critical.npcrCriticalPercent) npcrPasses++;
        if (result.verdict === 'pass') bothPasses++;
        npcrSum += result.npcrPercent;
        uaciSum += result.uaciPercent;
      }
      // Over 300 trials the thresholds sit 4.6 and 3.7 standard errors below those rates.
      expect(npcrPasses / trials).toBeGreaterThanOrEqual(0.88);
      expect(bothPasses / trials).toBeGreaterThanOrEqual(0.83);
      expect(npcrSum / trials).toBeCloseTo(99.6094, 1);
      expect(uaciSum / trials).toBeCloseTo(33.4635, 0);
    },
  );
  it('shows no sensitivity for the plain condition (no key) and says so', () => {
    const key = keyFromBytes(new Uint8Array(32).fill(3));
    const result = keySensitivity(new Uint8Array(64).fill(5), key, 'plain');
    expect(result.npcrPercent).toBe(0);
    expect(result.verdict).toBe('fail');
    expect(result.explanation).toMatch(/uses no key/);
  });
  it('records the flipped bit and both fingerprints, and refuses bits outside the key', () => {
    const key = keyFromBytes(new Uint8Array(32).fill(3));
    const result = keySensitivity(new Uint8Array(64).fill(5), key, 'xor', { bit: 255 });
    expect(result.flippedBit).toBe(255);
    expect(result.keyFingerprint).toBe(key.fingerprint);
    expect(result.flippedKeyFingerprint).not.toBe(key.fingerprint);
    expect(() => keySensitivity(new Uint8Array(64), key, 'xor', { bit: 256 })).toThrow(/key bit/);
  });
});
