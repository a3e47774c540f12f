import { describe, expect, it } from 'vitest';
import { cipherTables } from '../../../src/core/crypto/cipher.js';
import { keyFromBytes } from '../../../src/core/crypto/keys.js';
import {
  applyToIndex,
  completeColumn,
  determinant,
  forEachSl2,
  gatherFromMatrix,
  inverseSl2,
  matrixFromGather,
  multiply,
  rotations,
  sl2Order,
  type Matrix2,
} from '../../../src/core/attacks/sl2.js';

const keyBytes = (seed: number): Uint8Array =>
  Uint8Array.from({ length: 32 }, (_, i) => (seed * 131 + i * 29 + 7) & 255);

describe('SL2(Z/N)', () => {
  it('has N³ ∏(1 − 1/p²) elements: the formula, the enumeration and a brute-force count agree', () => {
    expect(sl2Order(28)).toBe(16128);
    expect(sl2Order(64)).toBe(196608);
    expect(sl2Order(256)).toBe(12582912);
    for (let n = 2; n <= 30; n++) {
      const seen = new Set<string>();
      let notDetOne = 0;
      forEachSl2(n, (a, b, c, d) => {
        if (determinant([a, b, c, d], n) !== 1) notDetOne++;
        seen.add(`${a},${b},${c},${d}`);
      });
      expect(notDetOne).toBe(0);
      expect(seen.size, `N = ${n}`).toBe(sl2Order(n));
      if (n <= 10) {
        let brute = 0;
        for (let a = 0; a < n; a++)
          for (let b = 0; b < n; b++)
            for (let c = 0; c < n; c++)
              for (let d = 0; d < n; d++) if ((a * d - b * c - 1) % n === 0) brute++;
        expect(brute, `N = ${n}`).toBe(sl2Order(n));
      }
    }
  });

  it('completes a column exactly when gcd(p, q, N) = 1', () => {
    for (const n of [12, 28, 64]) {
      for (let p = 0; p < n; p++) {
        for (let q = 0; q < n; q++) {
          const column = completeColumn(p, q, n);
          const g = [p, q, n].reduce((x, y) => {
            let [a, b] = [x, y];
            while (b) [a, b] = [b, a % b];
            return a;
          });
          expect(column !== null).toBe(g === 1);
          if (column) expect(determinant([p, column[0], q, column[1]], n)).toBe(1);
        }
      }
    }
  });

  it('builds the gather table of a matrix and reads the matrix back', () => {
    const n = 28;
    const g: Matrix2 = [3, 4, 5, 7]; // det 1
    const gather = gatherFromMatrix(g, n);
    expect(matrixFromGather(gather, n)).toEqual(g);
    for (let i = 0; i < n * n; i += 37) expect(gather[i]).toBe(applyToIndex(g, i, n));
    expect(multiply(g, inverseSl2(g, n), n)).toEqual([1, 0, 0, 1]);
    const notLinear = Int32Array.from(gather);
    [notLinear[5], notLinear[6]] = [notLinear[6]!, notLinear[5]!];
    expect(matrixFromGather(notLinear, n)).toBeNull();
  });

  it('contains every Arnold permutation CipherLens derives (the key collapses to one matrix)', () => {
    for (let seed = 0; seed < 6; seed++) {
      const key = keyFromBytes(keyBytes(seed));
      for (const n of [16, 28, 64]) {
        const gather = cipherTables(key, 'arnold', n).gather!;
        const g = matrixFromGather(gather, n);
        expect(g, `seed ${seed}, N ${n}`).not.toBeNull();
        expect(gatherFromMatrix(g!, n)).toEqual(gather);
      }
    }
  });

  it('has four distinct rotations of any element, all in the group', () => {
    const n = 64;
    const turns = rotations([5, 2, 2, 1], n);
    expect(new Set(turns.map((m) => m.join())).size).toBe(4);
    for (const m of turns) expect(determinant(m, n)).toBe(1);
    expect(multiply(turns[3]!, [0, n - 1, 1, 0], n)).toEqual([5, 2, 2, 1]);
  });
});
