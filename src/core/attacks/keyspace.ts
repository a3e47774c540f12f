import { CipherLensError } from '../errors.js';
import { assertModulus, sl2Order, type Matrix2 } from './sl2.js';

/**
 * How many permutations the Arnold step can produce at size N, against a keyed uniform permutation.
 *
 * arnold.ts derives a_raw = 1 + (u16 mod 1023), b_raw likewise, seed = u32; at size N it uses a = a_raw mod N
 * (0 → 1), b likewise, M = [[1, a], [b, ab + 1]], k = 1 + (seed mod (P − 1)) with P the period of M, and T = M^k.
 * Every T is in SL2(Z/N), and distinct matrices give distinct permutations (T·e1 and T·e2 can be read off the
 * table), so the reachable set is ⋃_{a,b} {M^k : 1 ≤ k < P} — at most |SL2(Z/N)| elements.
 */
export const A_RAW_MODULUS = 1023;
/** Bits of the HKDF sub-key that drives the uniform permutation. */
export const SUBKEY_BITS = 256;

/** log₂(m!) = Σ_{i ≤ m} log₂ i: the bits of a uniformly random permutation of m pixels. */
export function log2Factorial(m: number): number {
  let bits = 0;
  for (let i = 2; i <= m; i++) bits += Math.log2(i);
  return bits;
}

/** Probability of each reduced value a ∈ 0..N−1 (a = (1 + (u16 mod 1023)) mod N, 0 → 1) for a uniform u16. */
export function reducedValueProbabilities(n: number): Float64Array {
  const probabilities = new Float64Array(n);
  for (let r = 0; r < A_RAW_MODULUS; r++) {
    // u16 values with v mod 1023 = r: 65536 = 64·1023 + 64, so residues below 64 occur 65 times, the rest 64.
    const count = r < 65536 % A_RAW_MODULUS ? 65 : 64;
    const reduced = (1 + r) % n || 1;
    probabilities[reduced] = probabilities[reduced]! + count / 65536;
  }
  return probabilities;
}

export interface ReachableArnold {
  size: number;
  /** Distinct (a, b) after reduction. */
  parameterPairs: number;
  /** Σ over (a, b) of (P − 1): the (a, b, k) triples the derivation can produce. */
  triples: number;
  /** Distinct permutations (matrices T) among them. */
  distinctPermutations: number;
  /** Shannon entropy (bits) of T for a uniformly random key, from the exact derivation probabilities. */
  entropyBits: number;
  /** The most likely T's probability, as bits: −log₂ max p (min-entropy). */
  minEntropyBits: number;
  /** The three most likely matrices T (encryption side, plain[v] = C[T·v] ⊕ K[T·v]) and their probabilities. */
  mostLikely: { matrix: Matrix2; probability: number }[];
  period: { min: number; mean: number; max: number };
}

/** Open addressing over Uint32 keys (matrix entries packed base N; N ≤ 256 so N⁴ ≤ 2³²) with a weight each. */
class MatrixTable {
  private readonly keys: Uint32Array;
  private readonly weights: Float64Array;
  private readonly mask: number;
  size = 0;
  constructor(capacityAtLeast: number) {
    let capacity = 1024;
    while (capacity < capacityAtLeast * 1.4) capacity *= 2;
    this.keys = new Uint32Array(capacity).fill(EMPTY);
    this.weights = new Float64Array(capacity);
    this.mask = capacity - 1;
  }
  add(key: number, weight: number): void {
    let slot = Math.imul(key ^ (key >>> 15), 0x2c1b3c6d) >>> 0;
    slot = (slot ^ (slot >>> 12)) & this.mask;
    for (;;) {
      const current = this.keys[slot]!;
      if (current === key) {
        this.weights[slot] = this.weights[slot]! + weight;
        return;
      }
      if (current === EMPTY) {
        this.keys[slot] = key;
        this.weights[slot] = weight;
        this.size++;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }
  forEach(visit: (key: number, weight: number) => void): void {
    for (let i = 0; i < this.keys.length; i++)
      if (this.keys[i] !== EMPTY) visit(this.keys[i]!, this.weights[i]!);
  }
}
// (N−1, N−1, N−1, N−1) packed: never a key, because its determinant is 0.
const EMPTY = 0xffffffff;

/** Enumerates every (a, b, k) the key derivation can give at size N and counts the distinct permutations. */
export function reachableArnold(n: number): ReachableArnold {
  assertModulus(n);
  if (n > 256) throw new CipherLensError('BAD_SIZE', 'the reachable-set count is implemented for N ≤ 256');
  const probabilities = reducedValueProbabilities(n);
  const values = [...probabilities.keys()].filter((v) => probabilities[v]! > 0);
  const table = new MatrixTable(Math.min(sl2Order(n), 4 * n * values.length * values.length));
  let triples = 0;
  let pairs = 0;
  let minPeriod = Infinity;
  let maxPeriod = 0;
  let periodSum = 0;
  const powers: number[] = [];
  for (const a of values) {
    for (const b of values) {
      pairs++;
      const m00 = 1 % n;
      const m01 = a;
      const m10 = b;
      const m11 = (a * b + 1) % n;
      let p0 = m00;
      let p1 = m01;
      let p2 = m10;
      let p3 = m11;
      powers.length = 0;
      // M^k for k = 1, 2, … until the identity (k = P); every entry < N ≤ 256 so products stay small.
      while (!(p0 === 1 % n && p1 === 0 && p2 === 0 && p3 === 1 % n)) {
        powers.push(((p0 * n + p1) * n + p2) * n + p3);
        const q0 = (p0 * m00 + p1 * m10) % n;
        const q1 = (p0 * m01 + p1 * m11) % n;
        const q2 = (p2 * m00 + p3 * m10) % n;
        const q3 = (p2 * m01 + p3 * m11) % n;
        p0 = q0;
        p1 = q1;
        p2 = q2;
        p3 = q3;
        if (powers.length > 6 * n + 12) throw new CipherLensError('INTERNAL', `no period for a=${a}, b=${b}`);
      }
      const period = powers.length + 1;
      minPeriod = Math.min(minPeriod, period);
      maxPeriod = Math.max(maxPeriod, period);
      periodSum += period;
      const used = period - 1;
      triples += used;
      const pairWeight = probabilities[a]! * probabilities[b]!;
      // k = 1 + (seed mod used): residue r of a uniform u32 occurs ⌊(2³² − 1 − r)/used⌋ + 1 times.
      for (let r = 0; r < used; r++) {
        const count = Math.floor((0xffffffff - r) / used) + 1;
        table.add(powers[r]! >>> 0, (pairWeight * count) / 0x1_0000_0000);
      }
    }
  }
  let entropy = 0;
  let top: { key: number; weight: number }[] = [];
  table.forEach((key, w) => {
    entropy -= w * Math.log2(w);
    if (top.length < 3 || w > top[top.length - 1]!.weight) {
      top.push({ key, weight: w });
      top.sort((x, y) => y.weight - x.weight || x.key - y.key);
      top = top.slice(0, 3);
    }
  });
  const unpack = (key: number): Matrix2 => [
    Math.floor(key / (n * n * n)),
    Math.floor(key / (n * n)) % n,
    Math.floor(key / n) % n,
    key % n,
  ];
  const maxWeight = top[0]?.weight ?? 1;
  return {
    size: n,
    parameterPairs: pairs,
    triples,
    distinctPermutations: table.size,
    entropyBits: entropy,
    minEntropyBits: -Math.log2(maxWeight),
    mostLikely: top.map(({ key, weight }) => ({ matrix: unpack(key), probability: weight })),
    period: { min: minPeriod, mean: periodSum / pairs, max: maxPeriod },
  };
}

export interface KeyspaceRow {
  size: number;
  sl2Order: number;
  sl2Bits: number;
  reachable: ReachableArnold;
  reachableBits: number;
  /** log₂((N²)!): a uniformly random permutation of the N² pixels. */
  uniformPermutationBits: number;
  /**
   * log₂ of the permutations the uniform condition can reach: one per 256-bit sub-key, so min(log₂((N²)!), 256)
   * (at N ≥ 8, (N²)! > 2²⁵⁶ and the sub-key is the limit).
   */
  uniformReachableBits: number;
}

export function keyspaceRow(n: number): KeyspaceRow {
  const order = sl2Order(n);
  const reachable = reachableArnold(n);
  return {
    size: n,
    sl2Order: order,
    sl2Bits: Math.log2(order),
    reachable,
    reachableBits: Math.log2(reachable.distinctPermutations),
    uniformPermutationBits: log2Factorial(n * n),
    uniformReachableBits: Math.min(log2Factorial(n * n), SUBKEY_BITS),
  };
}
