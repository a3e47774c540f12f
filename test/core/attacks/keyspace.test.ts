import { describe, expect, it } from 'vitest';
import { arnoldPeriod, buildArnoldPlan } from '../../../src/core/crypto/arnold.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import { measureKeyspace } from '../../../src/core/attacks/experiments.js';
import {
  keyspaceRow,
  log2Factorial,
  reachableArnold,
  reducedValueProbabilities,
} from '../../../src/core/attacks/keyspace.js';
import { inverseSl2, matrixFromGather, sl2Order } from '../../../src/core/attacks/sl2.js';

/** Every (a, b, k) the real arnold.ts can produce at N, through buildArnoldPlan itself. */
function distinctPermutationsViaArnold(n: number): number {
  const values = new Set<number>();
  for (let raw = 1; raw <= 1023; raw++) values.add(raw % n || 1);
  const seen = new Set<string>();
  const subkey = new Uint8Array(32);
  for (const a of values) {
    for (const b of values) {
      const period = arnoldPeriod(a, b, n);
      for (let seed = 0; seed < period - 1; seed++) {
        const plan = buildArnoldPlan({ a, b, iterationSeed: seed, subkey }, n);
        seen.add(matrixFromGather(plan.gather, n)!.join());
      }
    }
  }
  return seen.size;
}

describe('Arnold key space', () => {
  it('counts exactly the permutations arnold.ts reaches', () => {
    for (const n of [6, 8, 12, 16]) {
      const reachable = reachableArnold(n);
      expect(reachable.distinctPermutations, `N = ${n}`).toBe(distinctPermutationsViaArnold(n));
      expect(reachable.distinctPermutations).toBeLessThanOrEqual(sl2Order(n));
      expect(reachable.parameterPairs).toBe((n - 1) * (n - 1));
      expect(reachable.entropyBits).toBeLessThanOrEqual(Math.log2(reachable.distinctPermutations) + 1e-9);
      expect(reachable.minEntropyBits).toBeLessThanOrEqual(reachable.entropyBits);
    }
  });

  it('gives the exact distribution of T for a random key (entropy, most likely matrices)', () => {
    const n = 8;
    // Multiplicities straight from the derivation: a_raw = 1 + (u16 mod 1023), then a = a_raw mod N (0 → 1).
    const countA = new Map<number, number>();
    for (let v = 0; v < 65536; v++) {
      const a = (1 + (v % 1023)) % n || 1;
      countA.set(a, (countA.get(a) ?? 0) + 1);
    }
    const probability = new Map<string, number>();
    const subkey = new Uint8Array(32);
    for (const [a, ca] of countA) {
      for (const [b, cb] of countA) {
        const period = arnoldPeriod(a, b, n);
        for (let r = 0; r < period - 1; r++) {
          const seeds = Math.floor((2 ** 32 - 1 - r) / (period - 1)) + 1;
          const plan = buildArnoldPlan({ a, b, iterationSeed: r, subkey }, n);
          const t = inverseSl2(matrixFromGather(plan.gather, n)!, n).join();
          probability.set(t, (probability.get(t) ?? 0) + (ca / 65536) * (cb / 65536) * (seeds / 2 ** 32));
        }
      }
    }
    const entropy = -[...probability.values()].reduce((sum, p) => sum + p * Math.log2(p), 0);
    const best = [...probability].sort((x, y) => y[1] - x[1])[0]!;
    const reachable = reachableArnold(n);
    expect(reachable.entropyBits).toBeCloseTo(entropy, 9);
    expect(reachable.mostLikely[0]!.matrix.join()).toBe(best[0]);
    expect(reachable.mostLikely[0]!.probability).toBeCloseTo(best[1], 12);
    // At 28×28 one key in twenty gets the scalar map (x, y) → (13x, 13y).
    const at28 = reachableArnold(28).mostLikely[0]!;
    expect(at28.matrix).toEqual([13, 0, 0, 13]);
    expect(at28.probability).toBeCloseTo(0.0504, 4);
  });

  it('derives the probabilities of the reduced parameters from the u16 → 1..1023 mapping', () => {
    for (const n of [28, 64, 256]) {
      const p = reducedValueProbabilities(n);
      expect(p.reduce((sum, v) => sum + v, 0)).toBeCloseTo(1, 12);
      expect(p[0]).toBe(0); // a ≡ 0 becomes 1
    }
    // At N = 1024 every a_raw keeps its value: 65 u16 values for a_raw − 1 < 64, 64 for the rest.
    const wide = reducedValueProbabilities(1024);
    expect(wide[1]! * 65536).toBe(65);
    expect(wide[64]! * 65536).toBe(65);
    expect(wide[65]! * 65536).toBe(64);
  });

  it('compares with a uniform permutation: log2((N²)!)', () => {
    expect(log2Factorial(4)).toBeCloseTo(Math.log2(24), 12);
    const row = keyspaceRow(28);
    expect(row.sl2Order).toBe(16128);
    expect(row.uniformPermutationBits).toBeGreaterThan(6400);
    expect(row.reachableBits).toBeLessThan(row.sl2Bits);
    // The uniform condition is limited by its 256-bit sub-key, not by (N²)!.
    expect(row.uniformReachableBits).toBe(256);
    expect(keyspaceRow(2).uniformReachableBits).toBeCloseTo(Math.log2(24), 12);
  });

  it('times brute force per candidate and finds the key among the candidates', () => {
    const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i * 3));
    const measured = measureKeyspace(key, 16, { fullLimit: 500 });
    expect(measured.bruteForce.earlyAbort.candidates).toBe(sl2Order(16));
    expect(measured.bruteForce.fullTable.candidates).toBe(500);
    expect(measured.bruteForce.earlyAbort.microsPerCandidate).toBeGreaterThan(0);
    expect(measured.uniformBruteForce.microsPerCandidate).toBeGreaterThan(0);
    expect(measured.uniformBruteForce.log10Years).toBeGreaterThan(60);
    expect(measured.bruteForce.seconds.sl2FullTable).toBeCloseTo(
      (sl2Order(16) * measured.bruteForce.fullTable.microsPerCandidate) / 1e6,
      9,
    );
  });
});
