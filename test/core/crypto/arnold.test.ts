import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arnoldParametersFromKey,
  arnoldPeriod,
  assertSupportedSize,
  buildArnoldPlan,
  invertTable,
  MAX_SIZE,
} from '../../../src/core/crypto/arnold.js';
import { deriveSubkey } from '../../../src/core/crypto/subkeys.js';

const keyBytes = (seed: number): Uint8Array =>
  Uint8Array.from({ length: 32 }, (_, i) => (seed * 131 + i * 29) & 255);

/** One application of M = [[1, a], [b, ab + 1]] as a gather table, iterated until it is the identity. */
function bruteForcePeriod(a: number, b: number, n: number): number {
  const step = new Int32Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) step[((b * x + (a * b + 1) * y) % n) * n + ((x + a * y) % n)] = y * n + x;
  }
  let current = Int32Array.from(step);
  for (let k = 1; k <= 10 * n; k++) {
    if (current.every((v, i) => v === i)) return k;
    current = current.map((v) => step[v]!);
  }
  throw new Error('no period');
}

describe('Arnold period', () => {
  it('matches the known periods of the classic cat map', () => {
    expect(arnoldPeriod(1, 1, 28)).toBe(24);
    expect(arnoldPeriod(1, 1, 64)).toBe(48);
    expect(arnoldPeriod(1, 1, 256)).toBe(192);
  });

  it('agrees with iterating the permutation itself on small grids', () => {
    for (let n = 2; n <= 24; n++) {
      for (const [a, b] of [
        [1, 1],
        [1, n - 1],
        [2, 3],
        [n - 1, 5],
      ] as const) {
        const ra = a % n || 1;
        const rb = b % n || 1;
        expect(arnoldPeriod(ra, rb, n), `a=${ra} b=${rb} N=${n}`).toBe(bruteForcePeriod(ra, rb, n));
      }
    }
  });

  it('never picks an iteration count that is a multiple of the period, for every N from 2 to 4096', () => {
    for (const seed of [1, 2, 3]) {
      const params = arnoldParametersFromKey(keyBytes(seed));
      for (let n = 2; n <= 4096; n++) {
        const a = params.a % n || 1;
        const b = params.b % n || 1;
        const period = arnoldPeriod(a, b, n);
        const iterations = 1 + (params.iterationSeed % (period - 1));
        expect(period).toBeGreaterThanOrEqual(2);
        expect(period).toBeLessThanOrEqual(3 * n);
        expect(iterations % period).not.toBe(0);
      }
    }
  });

  it('maps a residue a ≡ 0 (mod N) to 1 so M is never the identity', () => {
    const plan = buildArnoldPlan({ a: 28, b: 56, iterationSeed: 7, subkey: new Uint8Array(32) }, 28);
    expect([plan.a, plan.b]).toEqual([1, 1]);
    expect(plan.period).toBe(24);
    expect(plan.iterations).toBe(1 + (7 % 23));
  });
});

describe('Arnold plan', () => {
  it('is a non-identity permutation whose inverse undoes it, for random keys and sizes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 2, max: 130 }),
        (key, n) => {
          const plan = buildArnoldPlan(arnoldParametersFromKey(key), n);
          const seen = new Uint8Array(n * n);
          for (const source of plan.gather) seen[source] = 1;
          expect(seen.every((v) => v === 1)).toBe(true);
          expect(plan.gather.some((v, i) => v !== i)).toBe(true);
          const inverse = invertTable(plan.gather);
          expect(plan.gather.every((source, i) => inverse[source] === i)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('follows the gather convention: pixel (x, y) lands at M^k·(x, y) mod N', () => {
    const plan = buildArnoldPlan({ a: 2, b: 3, iterationSeed: 0, subkey: new Uint8Array(32) }, 5);
    // iterations = 1, M = [[1, 2], [3, 7]]: (x, y) = (1, 0) → (1, 3); (0, 1) → (2, 7 mod 5 = 2).
    expect(plan.iterations).toBe(1);
    expect(plan.gather[3 * 5 + 1]).toBe(0 * 5 + 1);
    expect(plan.gather[2 * 5 + 2]).toBe(1 * 5 + 0);
    expect(plan.gather[0]).toBe(0);
  });

  it('gives different permutations for different keys', () => {
    const plans = [1, 2, 3, 4].map((seed) => buildArnoldPlan(arnoldParametersFromKey(keyBytes(seed)), 64));
    const tables = new Set(plans.map((plan) => Buffer.from(plan.gather.buffer).toString('base64')));
    expect(tables.size).toBe(4);
  });

  it('keys the parameters id, so the stored id does not reveal a, b and the iteration count', () => {
    const key = keyBytes(9);
    const plan = buildArnoldPlan(arnoldParametersFromKey(key), 28);
    const expected = createHmac('sha256', deriveSubkey(key, 'arnold'))
      .update(`arnold-parameters-v1:28:${plan.a}:${plan.b}:${plan.iterations}`)
      .digest('hex')
      .slice(0, 16);
    expect(plan.parametersId).toBe(expected);
    const sameValuesOtherKey = buildArnoldPlan(
      { ...arnoldParametersFromKey(key), subkey: new Uint8Array(32) },
      28,
    );
    expect(sameValuesOtherKey.gather).toEqual(plan.gather);
    expect(sameValuesOtherKey.parametersId).not.toBe(plan.parametersId);
  });

  it('refuses unsupported sizes', () => {
    for (const bad of [0, 1, 2.5, -4, MAX_SIZE + 1, Number.NaN]) {
      expect(() => assertSupportedSize(bad)).toThrow(expect.objectContaining({ code: 'BAD_SIZE' }));
    }
  });
});
