import { describe, expect, it } from 'vitest';
import { attackSummary, pairRows } from '../../src/renderer/views/security/attacks.js';
import type { SecurityAttacksResult } from '../../src/shared/attacks.js';

const recovery = (pixelsExact: number, imagesExact: number) => ({
  pixelsExact,
  imagesExact,
  meanAbsoluteError: 0,
});

function result(
  inSl2: boolean,
  kNeeded: SecurityAttacksResult['knownPlaintext']['kNeeded'],
): SecurityAttacksResult {
  return {
    source: 'mnist',
    description: 'sample',
    keyFingerprint: '0123456789abcdef',
    condition: inSl2 ? 'arnold+xor' : 'uniform+xor',
    permutation: { label: inSl2 ? 'Arnold cat map' : 'keyed uniform permutation', inSl2 },
    size: 28,
    images: 1000,
    reference: 200,
    keyspace: {
      sl2Order: 16128,
      reachablePermutations: 3861,
      reachableBits: 11.91,
      uniformPermutationBits: 6413,
      uniformReachableBits: 256,
      sl2SearchSeconds: 0.64,
      uniformSearchLog10Years: 66.4,
    },
    knownPlaintext: {
      targets: 500,
      rows: [2, 64].map((known) => ({
        method: 'arnold-sl2' as const,
        known,
        ms: 1,
        consistent: 1,
        uniquePositions: null,
        gatherCorrect: 1,
        keystreamCorrect: 1,
        targets: recovery(1, 1),
      })),
      kNeeded,
      kAllTargetsExact: kNeeded,
    },
    ciphertextOnly: {
      rows: [
        {
          ciphertexts: 10,
          ms: 5,
          keystreamCorrect: 0.99,
          gatherCorrect: 1,
          permutation: 'exact',
          recovery: recovery(0.98, 0.5),
        },
        {
          ciphertexts: 1000,
          ms: 50,
          keystreamCorrect: 1,
          gatherCorrect: 1,
          permutation: 'exact',
          recovery: recovery(1, 1),
        },
      ],
    },
    grid: 'data:image/png;base64,',
    ms: 100,
  };
}

describe('Attacks panel summary', () => {
  it('states the Arnold key space, the pairs each method needed and the ciphertext-only recovery', () => {
    const summary = attackSummary(result(true, { 'arnold-sl2': 2, 'permutation-li2008': null }));
    expect(summary.keyspace.value).toBe('3,861 (11.9 bits)');
    expect(summary.keyspace.note).toContain('SL2(Z/28) = 16,128: all searched in 0.64 s');
    expect(summary.sl2.value).toBe('2 pairs');
    expect(summary.general.value).toBe('not within 64 pairs');
    expect(summary.ciphertextOnly.value).toBe('100.0% of pixels');
    expect(summary.ciphertextOnly.note).toContain('100.0% of images exact');
    expect(summary.ciphertextOnly.note).toContain('from 10: 98.0% of pixels');
  });

  it('states the sub-key bound for a permutation outside SL2', () => {
    const summary = attackSummary(result(false, { 'arnold-sl2': null, 'permutation-li2008': 16 }));
    expect(summary.keyspace.value).toBe('2^256');
    expect(summary.keyspace.note).toContain('10^66 years');
    expect(summary.sl2.value).toBe('not within 64 pairs');
    expect(summary.general.value).toBe('16 pairs');
  });

  it('puts the two methods side by side, one row per number of pairs', () => {
    const rows = pairRows(result(true, { 'arnold-sl2': 2, 'permutation-li2008': null }));
    expect(rows.map((r) => r.known)).toEqual([2, 64]);
    expect(rows[0]!.sl2?.method).toBe('arnold-sl2');
    expect(rows[0]!.general).toBeUndefined();
  });
});
