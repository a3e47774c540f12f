/** Recorded in export manifests so a split can be reproduced elsewhere. */
export const PRNG_NAME = 'xoshiro128** seeded by splitmix32 (stratified Fisher-Yates)';

/**
 * xoshiro128** (Blackman & Vigna, 2018) seeded through splitmix32. Chosen because it is tiny, fast in
 * 32-bit integer arithmetic, has a 2^128−1 period and passes BigCrush — and because splits must come out
 * identical on every machine and Node version, which rules out Math.random.
 */
export interface Prng {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform integer in [0, bound), without modulo bias. */
  nextBelow(bound: number): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** The raw xoshiro128** generator over a 4-word state (exported to check it against the reference C code). */
export function xoshiro128StarStar(state: readonly [number, number, number, number]): () => number {
  let [s0, s1, s2, s3] = state.map((word) => word >>> 0) as [number, number, number, number];
  // An all-zero state is a fixed point of the generator.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
}

export function createPrng(seed: number): Prng {
  const seeder = splitmix32(seed);
  const nextUint32 = xoshiro128StarStar([seeder(), seeder(), seeder(), seeder()]);

  const nextBelow = (bound: number): number => {
    if (!Number.isInteger(bound) || bound < 1 || bound > 0x1_0000_0000) {
      throw new RangeError(`nextBelow bound must be an integer in [1, 2^32], got ${bound}`);
    }
    // Rejection sampling: discard the top partial bucket so every residue is equally likely.
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
    for (;;) {
      const value = nextUint32();
      if (value < limit) return value % bound;
    }
  };

  return { nextUint32, nextBelow };
}

/** Fisher–Yates shuffle in place, driven by `prng`. */
export function shuffleInPlace<T extends { length: number; [index: number]: number }>(
  values: T,
  prng: Prng,
): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = prng.nextBelow(i + 1);
    const swap = values[i]!;
    values[i] = values[j]!;
    values[j] = swap;
  }
  return values;
}
