import { arch, cpus, loadavg, platform } from 'node:os';
import { cipherTables, createImageCipher } from '../crypto/cipher.js';
import { DEFAULT_CONDITION, usesPermutation, type Condition } from '../crypto/condition.js';
import type { CipherKey } from '../crypto/keys.js';
import { buildUniformPlan } from '../crypto/uniform.js';
import { CipherLensError } from '../errors.js';
import { ciphertextOnlyAttack } from './ciphertext-only.js';
import { keyspaceRow, type KeyspaceRow } from './keyspace.js';
import { bruteForceArnold, firstPairs, permutationKnownPlaintext, searchArnold } from './known-plaintext.js';
import {
  agreement,
  decryptWith,
  scoreRecovery,
  type ImageBatch,
  type RecoveredCipher,
  type RecoveryScore,
} from './recovered.js';
import { syntheticImages } from './image-sets.js';
import { gatherFromMatrix, inverseSl2, matrixFromGather, sameMatrix, type Matrix2 } from './sl2.js';

/**
 * Measurements of the attacks against the real cipher: images are encrypted with `createImageCipher(key,
 * condition, N)` (the one implementation; arnold+xor unless a caller names another permuting condition, e.g.
 * uniform+xor), the attack sees only what its model allows, and the result is scored against the truth
 * (`cipherTables` and the original images), which the attack never sees.
 */
export interface MachineInfo {
  cpu: string;
  cores: number;
  platform: string;
  node: string;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    platform: `${platform()} ${arch()}`,
    node: process.version,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

export interface Encrypted {
  condition: Condition;
  plain: ImageBatch;
  cipher: Uint8Array;
  truth: RecoveredCipher;
  /**
   * T = M^k of the key at this size (plain[v] = C[T·v] ⊕ K[T·v]) when the permutation is an element of SL2(Z/N)
   * (Arnold); null for a permutation outside it (uniform).
   */
  truthMatrix: Matrix2 | null;
}

export function encryptBatch(
  key: CipherKey,
  images: ImageBatch,
  condition: Condition = DEFAULT_CONDITION,
): Encrypted {
  if (!usesPermutation(condition)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `the attacks recover a permutation; condition "${condition}" does not permute`,
    );
  }
  const n = images.size;
  const pixels = n * n;
  const cipher = new Uint8Array(images.count * pixels);
  createImageCipher(key, condition, n).encryptBatch(
    images.pixels.subarray(0, images.count * pixels),
    cipher,
    images.count,
  );
  const tables = cipherTables(key, condition, n);
  const gather = tables.gather!;
  const gatherMatrix = matrixFromGather(gather, n);
  return {
    condition,
    plain: images,
    cipher,
    // A condition without XOR has the zero keystream.
    truth: { size: n, gather, keystream: tables.keystream ?? new Uint8Array(pixels) },
    truthMatrix: gatherMatrix ? inverseSl2(gatherMatrix, n) : null,
  };
}

const slice = (batch: ImageBatch, start: number, count: number): ImageBatch => {
  const pixels = batch.size * batch.size;
  return { size: batch.size, count, pixels: batch.pixels.subarray(start * pixels, (start + count) * pixels) };
};

export interface KnownPlaintextRow {
  method: 'arnold-sl2' | 'permutation-li2008';
  known: number;
  ms: number;
  /** arnold-sl2: SL2 elements consistent with the pairs (capped at 64); 0 when the whole group was searched in vain. */
  consistent: number | null;
  /** permutation-li2008: positions pinned to a single source. */
  uniquePositions: number | null;
  gatherCorrect: number;
  keystreamCorrect: number;
  /** Over the other images of the key; null when the method recovered no key material at all. */
  targets: RecoveryScore | null;
}

export interface KnownPlaintextReport {
  condition: Condition;
  size: number;
  targets: number;
  rows: KnownPlaintextRow[];
  /** Smallest k after which the method recovered the exact gather table and keystream (null: not within the run). */
  kNeeded: { 'arnold-sl2': number | null; 'permutation-li2008': number | null };
  /** Smallest k after which every target image decrypted exactly. */
  kAllTargetsExact: { 'arnold-sl2': number | null; 'permutation-li2008': number | null };
}

/**
 * The first max(known) images are the known pairs (k of them for each k), the next `targets` images are the
 * "other images of that key" that the recovered tables must decrypt.
 */
export function measureKnownPlaintext(
  key: CipherKey,
  images: ImageBatch,
  knownCounts: readonly number[],
  targets: number,
  methods: readonly KnownPlaintextRow['method'][] = ['arnold-sl2', 'permutation-li2008'],
  condition: Condition = DEFAULT_CONDITION,
): KnownPlaintextReport {
  const maxKnown = Math.max(...knownCounts);
  if (maxKnown + targets > images.count) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${maxKnown} known pairs and ${targets} targets need ${maxKnown + targets} images; ${images.count} given`,
    );
  }
  const encrypted = encryptBatch(key, slice(images, 0, maxKnown + targets), condition);
  const n = images.size;
  const pixels = n * n;
  const targetPlain = encrypted.plain.pixels.subarray(maxKnown * pixels, (maxKnown + targets) * pixels);
  const targetCipher: ImageBatch = {
    size: n,
    count: targets,
    pixels: encrypted.cipher.subarray(maxKnown * pixels, (maxKnown + targets) * pixels),
  };
  const rows: KnownPlaintextRow[] = [];
  for (const method of methods) {
    for (const known of [...knownCounts].sort((a, b) => a - b)) {
      const pairs = firstPairs(encrypted.plain, encrypted.cipher, known);
      const started = performance.now();
      let recovered: RecoveredCipher | null;
      let consistent: number | null = null;
      let uniquePositions: number | null = null;
      if (method === 'arnold-sl2') {
        const result = searchArnold(pairs);
        recovered = result?.recovered ?? null;
        consistent = result?.consistent ?? 0;
      } else {
        const result = permutationKnownPlaintext(pairs);
        recovered = result.recovered;
        uniquePositions = result.uniquePositions;
      }
      const ms = performance.now() - started;
      rows.push({
        method,
        known,
        ms,
        consistent,
        uniquePositions,
        gatherCorrect: recovered ? agreement(recovered.gather, encrypted.truth.gather) : 0,
        keystreamCorrect: recovered ? agreement(recovered.keystream, encrypted.truth.keystream) : 0,
        targets: recovered
          ? scoreRecovery(decryptWith(recovered, targetCipher), targetPlain, n, targets)
          : null,
      });
    }
  }
  const needed = (
    method: KnownPlaintextRow['method'],
    ok: (row: KnownPlaintextRow) => boolean,
  ): number | null => {
    const list = rows.filter((row) => row.method === method).sort((a, b) => a.known - b.known);
    // The smallest k from which every larger k in the run also succeeded.
    let answer: number | null = null;
    for (let i = list.length - 1; i >= 0; i--) {
      if (!ok(list[i]!)) break;
      answer = list[i]!.known;
    }
    return answer;
  };
  const exactTables = (row: KnownPlaintextRow): boolean =>
    row.gatherCorrect === 1 && row.keystreamCorrect === 1;
  const allTargets = (row: KnownPlaintextRow): boolean => row.targets?.imagesExact === 1;
  return {
    condition,
    size: n,
    targets,
    rows,
    kNeeded: {
      'arnold-sl2': needed('arnold-sl2', exactTables),
      'permutation-li2008': needed('permutation-li2008', exactTables),
    },
    kAllTargetsExact: {
      'arnold-sl2': needed('arnold-sl2', allTargets),
      'permutation-li2008': needed('permutation-li2008', allTargets),
    },
  };
}

export interface CiphertextOnlyRow {
  ciphertexts: number;
  ms: number;
  modeShare: number;
  keystreamCorrectMode: number;
  treeConfidence: number;
  keystreamCorrect: number;
  /** Fraction of positions where the recovered gather table is the key's. */
  gatherCorrect: number;
  /** exact: the chosen T is the key's; rotation: T is the key's up to a quarter turn; wrong: neither. */
  permutation: 'exact' | 'rotation' | 'wrong';
  orientationBy: 'reference' | 'none';
  bestScore: number;
  runnerUpScore: number | null;
  /** Over the attacked images, with the chosen orientation. */
  recovery: RecoveryScore;
  /** The same had the orientation been known (null when T is wrong beyond rotation). */
  recoveryIfOrientationKnown: RecoveryScore | null;
}

export interface CiphertextOnlyReport {
  condition: Condition;
  size: number;
  reference: number;
  rows: CiphertextOnlyRow[];
}

/** For each count c, the attack sees the first c ciphertexts (and the mean of the reference images). */
export function measureCiphertextOnly(
  key: CipherKey,
  images: ImageBatch,
  reference: ImageBatch | null,
  counts: readonly number[],
  options: { keepImages?: number; condition?: Condition } = {},
): {
  report: CiphertextOnlyReport;
  samples: { count: number; recovered: Uint8Array }[];
  encrypted: Encrypted;
} {
  const maxCount = Math.max(...counts);
  if (maxCount > images.count) {
    throw new CipherLensError('BAD_INPUT', `${maxCount} ciphertexts asked for, ${images.count} images given`);
  }
  const condition = options.condition ?? DEFAULT_CONDITION;
  const encrypted = encryptBatch(key, slice(images, 0, maxCount), condition);
  const n = images.size;
  const pixels = n * n;
  const keep = options.keepImages ?? 0;
  const rows: CiphertextOnlyRow[] = [];
  const samples: { count: number; recovered: Uint8Array }[] = [];
  for (const count of counts) {
    const ciphers: ImageBatch = { size: n, count, pixels: encrypted.cipher.subarray(0, count * pixels) };
    const started = performance.now();
    const result = ciphertextOnlyAttack(ciphers, {
      reference: reference && reference.count > 0 ? reference : null,
    });
    const ms = performance.now() - started;
    const truthPlain = encrypted.plain.pixels.subarray(0, count * pixels);
    const decrypted = decryptWith(result.recovered, ciphers);
    const truthMatrix = encrypted.truthMatrix;
    // A permutation outside SL2(Z/N) (uniform) is never one of the candidates: always 'wrong'.
    const trueIndex = truthMatrix ? result.orientations.findIndex((t) => sameMatrix(t, truthMatrix)) : -1;
    const permutation =
      truthMatrix && sameMatrix(result.encryptionMatrix, truthMatrix)
        ? 'exact'
        : trueIndex >= 0
          ? 'rotation'
          : 'wrong';
    let ifKnown: RecoveryScore | null = null;
    if (trueIndex >= 0) {
      const gather = gatherFromMatrix(inverseSl2(result.orientations[trueIndex]!, n), n);
      ifKnown = scoreRecovery(
        decryptWith({ size: n, gather, keystream: result.recovered.keystream }, ciphers),
        truthPlain,
        n,
        count,
      );
    }
    rows.push({
      ciphertexts: count,
      ms,
      modeShare: result.modeShare,
      keystreamCorrectMode: agreement(result.modeKeystream, encrypted.truth.keystream),
      treeConfidence: result.treeConfidence,
      keystreamCorrect: agreement(result.recovered.keystream, encrypted.truth.keystream),
      gatherCorrect: agreement(result.recovered.gather, encrypted.truth.gather),
      permutation,
      orientationBy: result.orientationBy,
      bestScore: result.bestScore,
      runnerUpScore: result.runnerUpScore,
      recovery: scoreRecovery(decrypted, truthPlain, n, count),
      recoveryIfOrientationKnown: ifKnown,
    });
    if (keep > 0) samples.push({ count, recovered: decrypted.slice(0, Math.min(keep, count) * pixels) });
  }
  return { report: { condition, size: n, reference: reference?.count ?? 0, rows }, samples, encrypted };
}

export interface BruteForceTiming {
  /** Candidates tried with the early-abort check against two known pairs, and how long each took. */
  earlyAbort: { candidates: number; microsPerCandidate: number };
  /** Per candidate: build the full gather table, derive the keystream from pair 0, decrypt pair 1, compare all. */
  fullTable: { candidates: number; microsPerCandidate: number };
  /** Exhaustive search of SL2(Z/N) and of the reachable set at each rate, in seconds. */
  seconds: {
    sl2EarlyAbort: number;
    sl2FullTable: number;
    reachableEarlyAbort: number;
    reachableFullTable: number;
  };
}

export interface KeyspaceMeasurement extends KeyspaceRow {
  bruteForce: BruteForceTiming;
  /**
   * Brute force against the uniform condition: each candidate sub-key costs one Fisher–Yates table (measured), and
   * there are 2^uniformReachableBits of them; log₁₀ of the years that takes at the measured rate.
   */
  uniformBruteForce: { candidates: number; microsPerCandidate: number; log10Years: number };
}

/**
 * The counts for size N and the measured price of brute force on two synthetic pairs of `key` at that size. At most
 * `earlyAbortLimit` candidates are tried in the early-abort loop (all of SL2 when it is smaller) and `fullLimit`
 * in the full-table loop; totals are the measured rate times the count.
 */
export function measureKeyspace(
  key: CipherKey,
  n: number,
  options: { earlyAbortLimit?: number; fullLimit?: number; uniformLimit?: number } = {},
): KeyspaceMeasurement {
  const row = keyspaceRow(n);
  const pair = encryptBatch(key, syntheticImages(2, n, 7));
  const pairs = firstPairs(pair.plain, pair.cipher, 2);
  const earlyLimit = Math.min(row.sl2Order, options.earlyAbortLimit ?? 2_000_000);
  let started = performance.now();
  const brute = bruteForceArnold(pairs, { limit: earlyLimit });
  const earlyMicros = ((performance.now() - started) * 1000) / brute.examined;

  const fullLimit = Math.min(row.sl2Order, options.fullLimit ?? 2000);
  const pixels = n * n;
  const gather = new Int32Array(pixels);
  const decrypted = new Uint8Array(pixels);
  let tried = 0;
  started = performance.now();
  bruteForceArnold(pairs, {
    limit: fullLimit,
    check: (g) => {
      tried++;
      gatherFromMatrix(g, n, gather);
      for (let i = 0; i < pixels; i++) {
        const keystreamByte = pairs.cipher[i]! ^ pairs.plain[gather[i]!]!;
        decrypted[gather[i]!] = pairs.cipher[pixels + i]! ^ keystreamByte;
      }
      let equal = true;
      for (let i = 0; i < pixels; i++) if (decrypted[i] !== pairs.plain[pixels + i]) equal = false;
      return equal;
    },
  });
  const fullMicros = ((performance.now() - started) * 1000) / Math.max(1, tried);
  const reachable = row.reachable.distinctPermutations;
  const uniformCandidates = Math.max(1, options.uniformLimit ?? 200);
  const candidate = new Uint8Array(32);
  // A few untimed tables first, so the JIT has compiled the shuffle before the clock runs.
  for (let i = 0; i < 5; i++) buildUniformPlan(candidate.fill(255 - i), n);
  started = performance.now();
  for (let i = 0; i < uniformCandidates; i++) {
    new DataView(candidate.buffer).setUint32(0, i);
    buildUniformPlan(candidate, n);
  }
  const uniformMicros = ((performance.now() - started) * 1000) / uniformCandidates;
  const secondsPerYear = 365.25 * 24 * 3600;
  return {
    ...row,
    uniformBruteForce: {
      candidates: uniformCandidates,
      microsPerCandidate: uniformMicros,
      log10Years: row.uniformReachableBits * Math.log10(2) + Math.log10(uniformMicros / 1e6 / secondsPerYear),
    },
    bruteForce: {
      earlyAbort: { candidates: brute.examined, microsPerCandidate: earlyMicros },
      fullTable: { candidates: tried, microsPerCandidate: fullMicros },
      seconds: {
        sl2EarlyAbort: (row.sl2Order * earlyMicros) / 1e6,
        sl2FullTable: (row.sl2Order * fullMicros) / 1e6,
        reachableEarlyAbort: (reachable * earlyMicros) / 1e6,
        reachableFullTable: (reachable * fullMicros) / 1e6,
      },
    },
  };
}
