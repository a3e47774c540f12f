import { describe, expect, it } from 'vitest';
import { CONDITIONS } from '../../../src/core/crypto/condition.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { createPrng } from '../../../src/core/datasets/prng.js';
import { analyzeImage, type SecurityReport } from '../../../src/core/security/analyze-image.js';

const key = keyFromBytes(
  Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1),
  'test',
);

/** A smooth 64×64 image (a bright disc on a ramp): strongly correlated neighbours, an uneven histogram. */
function smoothImage(size = 64): Uint8Array {
  const pixels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inDisc = (x - size / 2) ** 2 + (y - size / 2) ** 2 < (size / 4) ** 2;
      pixels[y * size + x] = inDisc ? 220 : Math.floor((x * 100) / size);
    }
  }
  return pixels;
}

function assertPlainJson(value: unknown, path = 'report'): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    expect(Number.isFinite(value), `${path} is ${value}`).toBe(true);
    return;
  }
  expect(Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype, `${path} is plain`).toBe(
    true,
  );
  for (const [k, v] of Object.entries(value as object)) assertPlainJson(v, `${path}.${k}`);
}

describe('analyzeImage', () => {
  it('produces a plain-JSON report that survives a JSON round trip', () => {
    for (const condition of CONDITIONS) {
      const report = analyzeImage(smoothImage(), key, condition);
      assertPlainJson(report);
      expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    }
    // A constant image has undefined correlations: null, never NaN.
    const constant = analyzeImage(new Uint8Array(28 * 28).fill(40), key, 'plain');
    expect(constant.plain.correlation.horizontal).toBeNull();
    assertPlainJson(constant);
  });

  it('reports plain vs cipher statistics, references and both sensitivity blocks for arnold+xor', () => {
    const report = analyzeImage(smoothImage(), key, 'arnold+xor', {
      pairs: 2000,
      seed: 9,
      scatterSamples: 50,
    });
    expect(report).toMatchObject({
      format: 'cipherlens-security-report',
      version: 1,
      condition: 'arnold+xor',
      size: 64,
      pixels: 4096,
      keyFingerprint: key.fingerprint,
      settings: { pairs: 2000, seed: 9, scatterSamples: 50, blockSize: 8, keyBit: 0 },
    });
    expect(report.reference.uniformEntropy).toBeCloseTo(7.954588733848124, 9);
    expect(report.reference.wuCritical[0]!.npcrCriticalPercent).toBeCloseTo(99.4491, 4);
    expect(report.plain.entropy).toBeLessThan(7);
    expect(report.cipher.entropy).toBeGreaterThan(7.9);
    expect(report.plain.correlation.horizontal!).toBeGreaterThan(0.9);
    for (const r of Object.values(report.cipher.correlation)) expect(Math.abs(r!)).toBeLessThan(0.06);
    expect(report.cipher.sampledCorrelation.horizontal.samples.x).toHaveLength(50);
    expect(report.cipher.histogram.reduce((a, b) => a + b, 0)).toBe(4096);
    expect(report.plaintextSensitivity).toMatchObject({
      kind: 'plaintext',
      changedPixels: 1,
      verdict: 'fail',
    });
    expect(report.keySensitivity.kind).toBe('key');
    expect(report.plainVsCipher.npcrPercent).toBeGreaterThan(95);
    expect(report.notes.some((n) => /Plaintext sensitivity .*FAIL by design/.test(n))).toBe(true);
    expect(report.notes.some((n) => /Not IND-CPA/.test(n))).toBe(true);
    expect(report.notes.some((n) => /7\.9546/.test(n))).toBe(true);
  });

  it('shows that a permutation keeps the histogram and entropy (arnold)', () => {
    const report = analyzeImage(smoothImage(), key, 'arnold');
    expect(report.cipher.histogram).toEqual(report.plain.histogram);
    expect(report.cipher.entropy).toBe(report.plain.entropy);
    expect(report.cipher.flatness.flat).toBe(false);
    expect(Math.abs(report.cipher.correlation.horizontal!)).toBeLessThan(
      report.plain.correlation.horizontal!,
    );
    expect(report.notes.join(' ')).toMatch(/permutation only/i);
  });

  it('passes the key-sensitivity test on a typical noise-like cipher and is reproducible', () => {
    const prng = createPrng(3);
    const image = Uint8Array.from({ length: 64 * 64 }, () => prng.nextUint32() & 255);
    const a: SecurityReport = analyzeImage(image, key, 'xor', { seed: 4 });
    const b: SecurityReport = analyzeImage(image, key, 'xor', { seed: 4 });
    expect(a).toEqual(b);
    expect(a.keySensitivity.npcrPercent).toBeGreaterThan(99);
  });

  it('refuses a non-square pixel count and bad options', () => {
    expect(() => analyzeImage(new Uint8Array(30), key, 'xor')).toThrow(/not an N×N image/);
    expect(() => analyzeImage(smoothImage(), key, 'xor', { keyBit: 300 })).toThrow(/key bit/);
    expect(() => analyzeImage(smoothImage(), key, 'xor', { blockSize: 100 })).toThrow(/block size/);
    expect(() => analyzeImage(smoothImage(), key, 'xor', { pairs: 0 })).toThrow(/pairs/);
  });
});
