import { permutationOf, usesPermutation, type Condition } from '../crypto/condition.js';
import { keyFromBytes } from '../crypto/keys.js';
import { CipherLensError } from '../errors.js';
import {
  measureCiphertextOnly,
  measureKeyspace,
  measureKnownPlaintext,
  type CiphertextOnlyReport,
  type KnownPlaintextReport,
} from './experiments.js';
import { checkBatch, type ImageBatch } from './recovered.js';

/**
 * The attack demonstration behind the Security view's Attacks panel: the committed attacks (experiments.ts), run
 * on one sample of images of one key, size and condition, sized to finish in seconds. The panel shows these
 * numbers as measured, and the recovered images as a demonstration on that sample.
 */
export interface AttackDemoInput {
  keyBytes: Uint8Array;
  condition: Condition;
  /** The attacked images, plain (the truth the attacks are scored against; they see only what their model allows). */
  images: ImageBatch;
  /** Public plain images of the same kind (ciphertext-only orientation and global byte); null for none. */
  reference: ImageBatch | null;
  /** How many recovered images of each ciphertext count to return for the grid. */
  keepImages: number;
}

export interface AttackDemoResult {
  condition: Condition;
  /** The condition's permutation kernel (registry): its name, and whether it lies in SL2(Z/N). */
  permutation: { label: string; inSl2: boolean };
  size: number;
  images: number;
  keyspace: {
    sl2Order: number;
    reachablePermutations: number;
    reachableBits: number;
    uniformPermutationBits: number;
    uniformReachableBits: number;
    /** Exhaustive SL2 search against two known pairs (early-abort check) at the measured rate, seconds. */
    sl2SearchSeconds: number;
    /** Exhaustive search of the uniform condition's sub-keys at the measured rate, log₁₀ years. */
    uniformSearchLog10Years: number;
  };
  knownPlaintext: KnownPlaintextReport;
  ciphertextOnly: CiphertextOnlyReport;
  /** The first `keepImages` originals and ciphertexts, and what the ciphertext-only attack recovered per count. */
  grid: {
    originals: Uint8Array;
    ciphertexts: Uint8Array;
    recovered: { count: number; pixels: Uint8Array }[];
  };
  ms: number;
}

/** The largest N the demonstration runs at: SL2(Z/N) and the torus autocorrelation grow as N³. */
export const DEMO_MAX_SIZE = 128;
export const DEMO_MIN_IMAGES = 4;
const KNOWN_COUNTS = [1, 2, 3, 4, 8, 16, 32, 64];
const CIPHERTEXT_COUNTS = [10, 100, 1000];
const MAX_TARGETS = 500;

/** Known-pair counts below the sample size (at least one image is left to decrypt), and the targets after them. */
export function demoPlan(count: number): { known: number[]; targets: number; ciphertexts: number[] } {
  const known = KNOWN_COUNTS.filter((k) => k < count && k <= count / 2);
  const maxKnown = Math.max(...known);
  // The standard counts below the sample, then the whole sample.
  const ciphertexts = [...CIPHERTEXT_COUNTS.filter((c) => c < count), count];
  return {
    known,
    targets: Math.min(MAX_TARGETS, count - maxKnown),
    ciphertexts: ciphertexts.sort((a, b) => a - b),
  };
}

export function runAttackDemo(input: AttackDemoInput): AttackDemoResult {
  const { images, condition } = input;
  checkBatch(images, 'attacked images');
  const n = images.size;
  if (!usesPermutation(condition)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `the attacks recover a permutation; "${condition}" does not permute`,
    );
  }
  if (n > DEMO_MAX_SIZE) {
    throw new CipherLensError(
      'BAD_SIZE',
      `the attack demonstration runs at N ≤ ${DEMO_MAX_SIZE} (these images are ${n}×${n}); \`cipherlens attack\` measures larger sizes`,
    );
  }
  if (images.count < DEMO_MIN_IMAGES) {
    throw new CipherLensError(
      'BAD_INPUT',
      `the attacks need at least ${DEMO_MIN_IMAGES} images of one key and size; ${images.count} given`,
    );
  }
  const started = performance.now();
  const key = keyFromBytes(input.keyBytes);
  const plan = demoPlan(images.count);
  const keyspace = measureKeyspace(key, n, { earlyAbortLimit: 50_000, fullLimit: 100, uniformLimit: 20 });
  const knownPlaintext = measureKnownPlaintext(key, images, plan.known, plan.targets, undefined, condition);
  const { report, samples, encrypted } = measureCiphertextOnly(
    key,
    images,
    input.reference,
    plan.ciphertexts,
    {
      keepImages: input.keepImages,
      condition,
    },
  );
  const shown = Math.min(input.keepImages, Math.min(...plan.ciphertexts)) * n * n;
  const permutation = permutationOf(condition)!;
  return {
    condition,
    permutation: { label: permutation.label, inSl2: permutation.inSl2 },
    size: n,
    images: images.count,
    keyspace: {
      sl2Order: keyspace.sl2Order,
      reachablePermutations: keyspace.reachable.distinctPermutations,
      reachableBits: keyspace.reachableBits,
      uniformPermutationBits: keyspace.uniformPermutationBits,
      uniformReachableBits: keyspace.uniformReachableBits,
      sl2SearchSeconds: keyspace.bruteForce.seconds.sl2EarlyAbort,
      uniformSearchLog10Years: keyspace.uniformBruteForce.log10Years,
    },
    knownPlaintext,
    ciphertextOnly: report,
    grid: {
      originals: encrypted.plain.pixels.slice(0, shown),
      ciphertexts: encrypted.cipher.slice(0, shown),
      recovered: samples.map((s) => ({ count: s.count, pixels: s.recovered.slice(0, shown) })),
    },
    ms: performance.now() - started,
  };
}
