import { createHmac } from 'node:crypto';
import { CipherLensError } from '../errors.js';
import { deriveSubkey } from './subkeys.js';

/**
 * Generalised Arnold cat map M = [[1, a], [b, ab + 1]] (det 1) on an N×N grid.
 * A pixel at column x, row y moves to (x', y') = M·(x, y) mod N per iteration.
 * Tables are in gather form: cipher[i] = plain[gather[i]] with i = y·N + x.
 */
export interface ArnoldParameters {
  /** Values derived from the key before reduction mod N. */
  a: number;
  b: number;
  /** Raw 32-bit iteration seed from the key; the used count depends on the period at N. */
  iterationSeed: number;
  /** The HKDF "arnold" sub-key the values came from; keys the parameters id. */
  subkey: Uint8Array;
}

export interface ArnoldPlan {
  size: number;
  a: number;
  b: number;
  period: number;
  iterations: number;
  /** cipher[i] = plain[gather[i]] */
  gather: Int32Array;
  /**
   * 16 hex chars identifying (N, a, b, iterations) under this key. Keyed (HMAC with the arnold sub-key) because
   * it is stored in clear in containers and model cards: an unkeyed hash of so few values (a, b < 1024,
   * iterations < 3N) could be brute-forced back to the permutation.
   */
  parametersId: string;
}

export function arnoldParametersFromKey(masterKey: Uint8Array): ArnoldParameters {
  const sub = deriveSubkey(masterKey, 'arnold');
  return {
    subkey: sub,
    a: 1 + (sub.readUInt16BE(0) % 1023),
    b: 1 + (sub.readUInt16BE(2) % 1023),
    iterationSeed: sub.readUInt32BE(4),
  };
}

type Mat = [number, number, number, number]; // row-major [m00, m01, m10, m11]

function mulMod(p: Mat, q: Mat, n: number): Mat {
  // Entries are < n ≤ 65536, so each product is < 2^32 and each sum < 2^33: exact in doubles.
  return [
    (p[0] * q[0] + p[1] * q[2]) % n,
    (p[0] * q[1] + p[1] * q[3]) % n,
    (p[2] * q[0] + p[3] * q[2]) % n,
    (p[2] * q[1] + p[3] * q[3]) % n,
  ];
}

function powMod(m: Mat, exponent: number, n: number): Mat {
  let result: Mat = [1 % n, 0, 0, 1 % n];
  let base = m;
  let e = exponent;
  while (e > 0) {
    if (e & 1) result = mulMod(result, base, n);
    base = mulMod(base, base, n);
    e = Math.floor(e / 2);
  }
  return result;
}

const isIdentity = (m: Mat, n: number): boolean =>
  m[0] === 1 % n && m[1] === 0 && m[2] === 0 && m[3] === 1 % n;

/** Smallest k ≥ 1 with M^k ≡ I (mod n). Element orders in SL2(Z/n) are O(n), so iterating is cheap. */
export function arnoldPeriod(a: number, b: number, n: number): number {
  const m: Mat = [1 % n, a % n, b % n, (a * b + 1) % n];
  let acc = m;
  for (let k = 1; k <= 6 * n + 12; k++) {
    if (isIdentity(acc, n)) return k;
    acc = mulMod(acc, m, n);
  }
  throw new CipherLensError('INTERNAL', `Arnold period not found for a=${a}, b=${b}, N=${n}`);
}

export const MIN_SIZE = 2;
export const MAX_SIZE = 8192;

export function assertSupportedSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) {
    throw new CipherLensError(
      'BAD_SIZE',
      `image size ${size}×${size} is not supported (N must be ${MIN_SIZE}–${MAX_SIZE})`,
    );
  }
}

/**
 * Builds the gather table for one size. a and b are reduced mod N and a zero residue becomes 1, so M is never
 * the identity mod N and the period is ≥ 2; the iteration count is 1 + (seed mod (period − 1)), so it is never
 * a multiple of the period (which would make the permutation the identity).
 */
export function buildArnoldPlan(params: ArnoldParameters, size: number): ArnoldPlan {
  assertSupportedSize(size);
  const n = size;
  const a = params.a % n || 1;
  const b = params.b % n || 1;
  const period = arnoldPeriod(a, b, n);
  const iterations = 1 + (params.iterationSeed % (period - 1));
  const m = powMod([1 % n, a, b, (a * b + 1) % n], iterations, n);
  const gather = new Int32Array(n * n);
  // Pixel (x, y) moves to (x', y') = M^k·(x, y): cipher[y'·N + x'] = plain[y·N + x]. x' and y' are advanced
  // incrementally along each row instead of multiplying, which keeps N = 8192 (67 M pixels) well under a second.
  for (let y = 0; y < n; y++) {
    let xd = (m[1] * y) % n;
    let yd = (m[3] * y) % n;
    const source = y * n;
    for (let x = 0; x < n; x++) {
      gather[yd * n + xd] = source + x;
      xd += m[0];
      if (xd >= n) xd -= n;
      yd += m[2];
      if (yd >= n) yd -= n;
    }
  }
  const parametersId = createHmac('sha256', params.subkey)
    .update(`arnold-parameters-v1:${n}:${a}:${b}:${iterations}`)
    .digest('hex')
    .slice(0, 16);
  return { size: n, a, b, period, iterations, gather, parametersId };
}

/** inverse[gather[i]] = i, so plain[j] = cipher[inverse[j]]. */
export function invertTable(gather: Int32Array): Int32Array {
  const inverse = new Int32Array(gather.length);
  for (let i = 0; i < gather.length; i++) inverse[gather[i]!] = i;
  return inverse;
}
