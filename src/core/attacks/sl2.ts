import { CipherLensError } from '../errors.js';

/**
 * The group SL2(Z/N): 2×2 matrices with entries mod N and determinant 1. Every Arnold permutation CipherLens can
 * produce at size N is one of them (M = [[1, a], [b, ab + 1]] has det 1, and so has every power M^k), so a, b and
 * the iteration count collapse into one matrix: the attacks below search this group, not the key derivation.
 *
 * Matrices are row-major [m00, m01, m10, m11]; they act on pixel coordinates (x = column, y = row):
 * (x, y) → (m00·x + m01·y, m10·x + m11·y) mod N.
 */
export type Matrix2 = [number, number, number, number];

export const mod = (value: number, n: number): number => ((value % n) + n) % n;

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Extended Euclid: [g, s, t] with s·a + t·b = g = gcd(a, b) (a, b ≥ 0). */
export function extendedGcd(a: number, b: number): [number, number, number] {
  let [oldR, r] = [a, b];
  let [oldS, s] = [1, 0];
  let [oldT, t] = [0, 1];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
    [oldT, t] = [t, oldT - q * t];
  }
  return [oldR, oldS, oldT];
}

/** Inverse of a mod n, or null when gcd(a, n) ≠ 1. */
export function inverseMod(a: number, n: number): number | null {
  const [g, s] = extendedGcd(mod(a, n), n);
  return g === 1 ? mod(s, n) : null;
}

/** Distinct prime factors of n, ascending. */
export function primeFactors(n: number): number[] {
  const factors: number[] = [];
  let rest = n;
  for (let p = 2; p * p <= rest; p++) {
    if (rest % p === 0) {
      factors.push(p);
      while (rest % p === 0) rest /= p;
    }
  }
  if (rest > 1) factors.push(rest);
  return factors;
}

/** |SL2(Z/N)| = N³ · ∏_{p | N} (1 − 1/p²), computed in integers: N³ · ∏ (p² − 1) / p². */
export function sl2Order(n: number): number {
  assertModulus(n);
  let order = n * n * n;
  for (const p of primeFactors(n)) order = (order / (p * p)) * (p * p - 1);
  return order;
}

export function assertModulus(n: number): void {
  if (!Number.isInteger(n) || n < 2 || n > 8192) {
    throw new CipherLensError('BAD_SIZE', `image size ${n} is not supported here (2–8192)`);
  }
}

export function multiply(p: Matrix2, q: Matrix2, n: number): Matrix2 {
  return [
    (p[0] * q[0] + p[1] * q[2]) % n,
    (p[0] * q[1] + p[1] * q[3]) % n,
    (p[2] * q[0] + p[3] * q[2]) % n,
    (p[2] * q[1] + p[3] * q[3]) % n,
  ];
}

/** Inverse of a det-1 matrix: [[d, −b], [−c, a]]. */
export function inverseSl2(m: Matrix2, n: number): Matrix2 {
  return [m[3] % n, mod(-m[1], n), mod(-m[2], n), m[0] % n];
}

export const determinant = (m: Matrix2, n: number): number => mod(m[0] * m[3] - m[1] * m[2], n);

export const sameMatrix = (p: Matrix2, q: Matrix2): boolean =>
  p[0] === q[0] && p[1] === q[1] && p[2] === q[2] && p[3] === q[3];

/** Quarter turn [[0, −1], [1, 0]] (det 1): the image rotations are the only symmetries smoothness cannot see. */
export const quarterTurn = (n: number): Matrix2 => [0, n - 1, 1, 0];

/** T, T·R, T·R², T·R³ with R the quarter turn: the four orientations of one recovered permutation. */
export function rotations(m: Matrix2, n: number): Matrix2[] {
  const turn = quarterTurn(n);
  const out: Matrix2[] = [m];
  for (let r = 1; r < 4; r++) out.push(multiply(out[r - 1]!, turn, n));
  return out;
}

/**
 * One solution (r, s) of p·s − q·r ≡ 1 (mod n), or null when gcd(p, q, n) ≠ 1 (then (p, q) is no column of an
 * SL2 matrix). With g = gcd(p, q) = u·p + v·q and g invertible mod n: s = u·g⁻¹, r = −v·g⁻¹.
 */
export function completeColumn(p: number, q: number, n: number): [number, number] | null {
  const [g, u, v] = extendedGcd(p, q);
  if (g === 0) return null;
  const gInverse = inverseMod(g, n);
  if (gInverse === null) return null;
  return [mod(-v * gInverse, n), mod(u * gInverse, n)];
}

/**
 * Calls `visit(m00, m01, m10, m11)` for every element of SL2(Z/N), first column (m00, m10) in row-major order of
 * (m10, m00), then the N second columns c0 + λ·(first column). Stops early when `visit` returns false. The second
 * columns of one first column t are exactly c0 + λt: the solutions of det = 1 form a coset of the kernel
 * {λt}, which has N elements because t has order N when gcd(t, N) = 1.
 */
export function forEachSl2(
  n: number,
  visit: (m00: number, m01: number, m10: number, m11: number) => boolean | void,
): void {
  assertModulus(n);
  for (let q = 0; q < n; q++) {
    for (let p = 0; p < n; p++) {
      const column = completeColumn(p, q, n);
      if (!column) continue;
      let [r, s] = column;
      for (let lambda = 0; lambda < n; lambda++) {
        if (visit(p, r, q, s) === false) return;
        r += p;
        if (r >= n) r -= n;
        s += q;
        if (s >= n) s -= n;
      }
    }
  }
}

/**
 * The gather table of a matrix G: gather[w] = index of G·w, so cipher[w] = plain[G·w]. CipherLens's Arnold tables
 * are exactly this with G = T⁻¹, T = M^k the encryption matrix (arnold.ts: cipher[T·v] = plain[v]).
 */
export function gatherFromMatrix(g: Matrix2, n: number, out = new Int32Array(n * n)): Int32Array {
  for (let y = 0; y < n; y++) {
    let sx = (g[1] * y) % n;
    let sy = (g[3] * y) % n;
    const row = y * n;
    for (let x = 0; x < n; x++) {
      out[row + x] = sy * n + sx;
      sx += g[0];
      if (sx >= n) sx -= n;
      sy += g[2];
      if (sy >= n) sy -= n;
    }
  }
  return out;
}

/**
 * The matrix G behind a gather table that comes from one (gather[w] = G·w): its columns are where e1 = (1, 0) and
 * e2 = (0, 1) gather from. Returns null when the table is not linear (not an Arnold permutation).
 */
export function matrixFromGather(gather: Int32Array, n: number): Matrix2 | null {
  if (gather.length !== n * n || n < 2) return null;
  const e1 = gather[1]!;
  const e2 = gather[n]!;
  const g: Matrix2 = [e1 % n, e2 % n, Math.floor(e1 / n), Math.floor(e2 / n)];
  if (determinant(g, n) !== 1) return null;
  const check = gatherFromMatrix(g, n);
  for (let i = 0; i < check.length; i++) if (check[i] !== gather[i]) return null;
  return g;
}

/** Index of the point m·(x, y) in an N×N image. */
export function applyToIndex(m: Matrix2, index: number, n: number): number {
  const x = index % n;
  const y = (index - x) / n;
  return ((m[2] * x + m[3] * y) % n) * n + ((m[0] * x + m[1] * y) % n);
}
