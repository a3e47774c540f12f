import { CipherLensError } from '../errors.js';
import { createPrng, shuffleInPlace } from '../datasets/prng.js';
import { checkBatch, type ImageBatch, type RecoveredCipher } from './recovered.js';
import { completeColumn, forEachSl2, gatherFromMatrix, inverseSl2, sl2Order, type Matrix2 } from './sl2.js';

/**
 * Known-plaintext attacks on `cipher[i] = plain[gather[i]] ^ keystream[i]` with one fixed gather table and one
 * fixed keystream per key and size (CipherLens's arnold+xor; also arnold and xor, which are special cases).
 *
 * Both attacks start from the two-time pad: for pairs (P₀, C₀), (Pⱼ, Cⱼ) of the same key,
 * Cⱼ ⊕ C₀ = (Pⱼ ⊕ P₀)∘gather — the keystream cancels and what is left is a permutation-only cipher of the
 * known difference images. Once the gather table is known, keystream[i] = C₀[i] ⊕ P₀[gather[i]].
 */
export interface KnownPairs {
  size: number;
  count: number;
  plain: Uint8Array;
  cipher: Uint8Array;
}

function checkPairs(pairs: KnownPairs): void {
  checkBatch({ size: pairs.size, count: pairs.count, pixels: pairs.plain }, 'known plaintexts');
  checkBatch({ size: pairs.size, count: pairs.count, pixels: pairs.cipher }, 'known ciphertexts');
  if (pairs.count < 1)
    throw new CipherLensError('BAD_INPUT', 'a known-plaintext attack needs at least one pair');
}

/** Qⱼ = Pⱼ ⊕ P₀ and Dⱼ = Cⱼ ⊕ C₀ for j = 1..k−1, laid end to end. */
function differences(pairs: KnownPairs): { plain: Uint8Array; cipher: Uint8Array; count: number } {
  const pixels = pairs.size * pairs.size;
  const count = pairs.count - 1;
  const plain = new Uint8Array(count * pixels);
  const cipher = new Uint8Array(count * pixels);
  for (let j = 0; j < count; j++) {
    const base = (j + 1) * pixels;
    for (let i = 0; i < pixels; i++) {
      plain[j * pixels + i] = pairs.plain[base + i]! ^ pairs.plain[i]!;
      cipher[j * pixels + i] = pairs.cipher[base + i]! ^ pairs.cipher[i]!;
    }
  }
  return { plain, cipher, count };
}

/** keystream[i] = C₀[i] ⊕ P₀[gather[i]]: exact at every position once the gather table is right. */
function keystreamFrom(pairs: KnownPairs, gather: Int32Array): Uint8Array {
  const keystream = new Uint8Array(gather.length);
  for (let i = 0; i < gather.length; i++) keystream[i] = pairs.cipher[i]! ^ pairs.plain[gather[i]!]!;
  return keystream;
}

export interface ArnoldAttackResult {
  recovered: RecoveredCipher;
  /** G with gather[w] = G·w (the decryption side). */
  gatherMatrix: Matrix2;
  /** T = G⁻¹ = M^k, the matrix the encryption applies to pixel coordinates. */
  encryptionMatrix: Matrix2;
  /** Elements of SL2(Z/N) consistent with every pair (1 = the key material is pinned down). */
  consistent: number;
  /** True when the count stopped at `maxConsistent` (there may be more). */
  consistentCapped: boolean;
  /** Full-image checks run (candidates that survived the two-pixel filter). */
  verified: number;
  /** |SL2(Z/N)|, the whole search space. */
  searchSpace: number;
}

/**
 * Arnold-specific attack: the gather table is G·w for one G ∈ SL2(Z/N) (N³∏(1 − 1/p²) elements: 16,128 at 28,
 * 196,608 at 64). G·e1 (its first column) is where cipher pixel (1, 0) gathers from and G·e2 where (0, 1) gathers
 * from, so each column is filtered by one pixel of every difference image before a full check:
 * first columns u with Qⱼ[u] = Dⱼ[(1, 0)], then the N second columns v that give det 1 (c₀ + λu) with
 * Qⱼ[v] = Dⱼ[(0, 1)], then every pixel. With a single pair nothing constrains the permutation (any G works with a
 * matching keystream), so k ≥ 2 is required for arnold+xor.
 */
export function arnoldKnownPlaintext(
  pairs: KnownPairs,
  options: { maxConsistent?: number } = {},
): ArnoldAttackResult {
  const result = searchArnold(pairs, options);
  if (!result) {
    throw new CipherLensError(
      'BAD_INPUT',
      'no Arnold permutation is consistent with these pairs: they are not one key, one size, a permuting condition',
    );
  }
  return result;
}

/**
 * The search behind `arnoldKnownPlaintext`, answering null when the whole of SL2(Z/N) was searched and no element
 * fits the pairs: what happens against a permutation that is not an Arnold map (the uniform condition).
 */
export function searchArnold(
  pairs: KnownPairs,
  options: { maxConsistent?: number } = {},
): ArnoldAttackResult | null {
  checkPairs(pairs);
  const n = pairs.size;
  const pixels = n * n;
  const searchSpace = sl2Order(n);
  const maxConsistent = options.maxConsistent ?? 64;
  if (pairs.count === 1) {
    // Every element is consistent; answer the identity, as good a guess as any.
    const identity: Matrix2 = [1, 0, 0, 1];
    const gather = gatherFromMatrix(identity, n);
    return {
      recovered: { size: n, gather, keystream: keystreamFrom(pairs, gather) },
      gatherMatrix: identity,
      encryptionMatrix: identity,
      consistent: searchSpace,
      consistentCapped: false,
      verified: 0,
      searchSpace,
    };
  }
  const diff = differences(pairs);
  const k = diff.count;
  const q = diff.plain;
  const d = diff.cipher;
  const matchesAt = (source: number, target: number): boolean => {
    for (let j = 0, off = 0; j < k; j++, off += pixels) if (q[off + source] !== d[off + target]) return false;
    return true;
  };
  const fullCheck = (p: number, qq: number, r: number, s: number): boolean => {
    for (let y = 0; y < n; y++) {
      let sx = (r * y) % n;
      let sy = (s * y) % n;
      const row = y * n;
      for (let x = 0; x < n; x++) {
        if (!matchesAt(sy * n + sx, row + x)) return false;
        sx += p;
        if (sx >= n) sx -= n;
        sy += qq;
        if (sy >= n) sy -= n;
      }
    }
    return true;
  };

  let found: Matrix2 | null = null;
  let consistent = 0;
  let verified = 0;
  let capped = false;
  search: for (let c1y = 0; c1y < n; c1y++) {
    for (let c1x = 0; c1x < n; c1x++) {
      if (!matchesAt(c1y * n + c1x, 1)) continue;
      const column = completeColumn(c1x, c1y, n);
      if (!column) continue;
      let [r, s] = column;
      for (let lambda = 0; lambda < n; lambda++) {
        if (matchesAt(s * n + r, n)) {
          verified++;
          if (fullCheck(c1x, c1y, r, s)) {
            consistent++;
            found ??= [c1x, r, c1y, s];
            if (consistent >= maxConsistent) {
              capped = true;
              break search;
            }
          }
        }
        r += c1x;
        if (r >= n) r -= n;
        s += c1y;
        if (s >= n) s -= n;
      }
    }
  }
  if (!found) return null;
  const gather = gatherFromMatrix(found, n);
  return {
    recovered: { size: n, gather, keystream: keystreamFrom(pairs, gather) },
    gatherMatrix: found,
    encryptionMatrix: inverseSl2(found, n),
    consistent,
    consistentCapped: capped,
    verified,
    searchSpace,
  };
}

export interface PermutationAttackResult {
  recovered: RecoveredCipher;
  /** Cipher positions whose source pixel is pinned to exactly one plain position. */
  uniquePositions: number;
  /** Groups of positions that no known pair tells apart. */
  classes: number;
  largestClass: number;
}

/**
 * The general attack on permutation-only ciphers (Li, Li, Chen & Bourbakis 2008), which assumes nothing about
 * how the permutation was made: after the XOR is cancelled by differences, each cipher position w carries the
 * value vector (D₁[w], …, D_{k−1}[w]) and each plain position s the vector (Q₁[s], …, Q_{k−1}[s]); w gathers from
 * a plain position with the same vector. A vector that occurs once pins its position; positions sharing a vector
 * are matched at random (seeded): any matching is consistent with the pairs, and a random one does not borrow
 * the spatial order of a structured permutation (matching in index order would, for Arnold maps close to a
 * shear, and flatter the attack). Needs about
 * ⌈log₂₅₆(N²)⌉ + 1 pairs for noise-like images, more for images with large uniform regions.
 */
export function permutationKnownPlaintext(
  pairs: KnownPairs,
  options: { seed?: number } = {},
): PermutationAttackResult {
  checkPairs(pairs);
  const prng = createPrng(options.seed ?? 1);
  const n = pairs.size;
  const pixels = n * n;
  const diff = differences(pairs);
  const signature = (source: Uint8Array, position: number): string => {
    let text = '';
    for (let j = 0, off = position; j < diff.count; j++, off += pixels)
      text += String.fromCharCode(source[off]!);
    return text;
  };
  const plainClasses = new Map<string, number[]>();
  for (let s = 0; s < pixels; s++) {
    const key = signature(diff.plain, s);
    const list = plainClasses.get(key);
    if (list) list.push(s);
    else plainClasses.set(key, [s]);
  }
  const cipherClasses = new Map<string, number[]>();
  for (let w = 0; w < pixels; w++) {
    const key = signature(diff.cipher, w);
    const list = cipherClasses.get(key);
    if (list) list.push(w);
    else cipherClasses.set(key, [w]);
  }
  const gather = new Int32Array(pixels);
  let uniquePositions = 0;
  let largestClass = 0;
  for (const [key, targets] of cipherClasses) {
    const sources = plainClasses.get(key);
    if (!sources || sources.length !== targets.length) {
      throw new CipherLensError(
        'BAD_INPUT',
        'the pairs are inconsistent with one fixed permutation and keystream (different keys or sizes?)',
      );
    }
    if (targets.length === 1) uniquePositions++;
    else shuffleInPlace(sources, prng);
    largestClass = Math.max(largestClass, targets.length);
    targets.forEach((w, i) => (gather[w] = sources[i]!));
  }
  return {
    recovered: { size: n, gather, keystream: keystreamFrom(pairs, gather) },
    uniquePositions,
    classes: cipherClasses.size,
    largestClass,
  };
}

/**
 * Plain brute force over SL2(Z/N) in enumeration order, without the column filter of `arnoldKnownPlaintext`: each
 * candidate G is checked pixel by pixel against every difference image and abandoned at the first mismatch (or by
 * a caller's `check`). Used to time what exhaustive search costs per candidate; it tries `limit` candidates (default
 * all) and does not stop at a match.
 */
export function bruteForceArnold(
  pairs: KnownPairs,
  options: { limit?: number; check?: (gatherMatrix: Matrix2) => boolean } = {},
): { examined: number; consistent: number; first: Matrix2 | null } {
  checkPairs(pairs);
  const n = pairs.size;
  const pixels = n * n;
  const diff = differences(pairs);
  const limit = options.limit ?? Infinity;
  const check =
    options.check ??
    ((g: Matrix2): boolean => {
      const [p, r, q, s] = g;
      for (let y = 0; y < n; y++) {
        let sx = (r * y) % n;
        let sy = (s * y) % n;
        for (let x = 0; x < n; x++) {
          const source = sy * n + sx;
          const target = y * n + x;
          for (let j = 0, off = 0; j < diff.count; j++, off += pixels) {
            if (diff.plain[off + source] !== diff.cipher[off + target]) return false;
          }
          sx += p;
          if (sx >= n) sx -= n;
          sy += q;
          if (sy >= n) sy -= n;
        }
      }
      return true;
    });
  let examined = 0;
  let consistent = 0;
  let first: Matrix2 | null = null;
  forEachSl2(n, (p, r, q, s) => {
    if (examined >= limit) return false;
    examined++;
    const g: Matrix2 = [p, r, q, s];
    if (check(g)) {
      consistent++;
      first ??= g;
    }
    return true;
  });
  return { examined, consistent, first };
}

/** Pairs j = 0..k−1 taken from the front of a batch of plaintexts and their ciphertexts. */
export function firstPairs(plain: ImageBatch, cipher: Uint8Array, k: number): KnownPairs {
  const pixels = plain.size * plain.size;
  if (k > plain.count)
    throw new CipherLensError('BAD_INPUT', `asked for ${k} pairs from ${plain.count} images`);
  return {
    size: plain.size,
    count: k,
    plain: plain.pixels.subarray(0, k * pixels),
    cipher: cipher.subarray(0, k * pixels),
  };
}
