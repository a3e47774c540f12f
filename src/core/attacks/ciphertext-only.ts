import { CipherLensError } from '../errors.js';
import { torusAutocorrelation } from './autocorrelation.js';
import { checkBatch, decryptWith, type ImageBatch, type RecoveredCipher } from './recovered.js';
import { forEachSl2, gatherFromMatrix, inverseSl2, rotations, type Matrix2 } from './sl2.js';

/**
 * Ciphertext-only attack on arnold+xor, using nothing but ciphertexts of one key and size — and, to settle the two
 * things smoothness cannot see (one global XOR byte and one of four rotations), optionally public plain images of
 * the same kind (their value histogram and mean image), never the attacked images themselves:
 *
 * 1. Keystream from per-position statistics. cipher[w] = plain[G·w] ⊕ K[w] with the same K[w] for every image, so
 *    where most images are black at the source pixel, the most frequent cipher value at w is K[w].
 * 2. Permutation from smoothness. With A = C ⊕ K̂, decryption reads plain[v] = A[T·v] (T = G⁻¹ ∈ SL2(Z/N)), so
 *    horizontally adjacent plain pixels sit at the fixed lag t₁ = T·e1 in A and vertical ones at t₂ = T·e2. The
 *    smoothness of a candidate T is therefore a sum of torus autocorrelations of A at a few lags,
 *    score(T) = R(t₁) + R(t₂) + ½(R(t₁ + t₂) + R(t₁ − t₂)), and R at all N² lags comes from one DFT pass: the
 *    search over all of SL2(Z/N) (196,608 elements at 64) is then table look-ups. T, T·R, T·R², T·R³ (R a quarter
 *    turn) score the same by construction — smoothness cannot tell an image from its rotation.
 * 3. Keystream from neighbour differences in plain geometry (`keystreamFromNeighbours`): exact up to one global
 *    byte wherever neighbouring pixels are often equal, which also covers images without a black background.
 * 4. Orientation: the rotation whose mean decrypted image correlates best with the reference mean image.
 */
export interface CiphertextOnlyOptions {
  /** Public plain images of the same kind: their histogram fixes the global byte, their mean the orientation. */
  reference?: ImageBatch | null;
}

export interface CiphertextOnlyResult {
  recovered: RecoveredCipher;
  /** The keystream estimate from step 1 alone. */
  modeKeystream: Uint8Array;
  /** Share of images carrying the most frequent value, averaged over positions. */
  modeShare: number;
  /** Mean agreement of the images on the spanning-tree edges of step 3. */
  treeConfidence: number;
  globalBy: NeighbourKeystream['globalBy'];
  /** The chosen T (plain[v] = C[T·v] ⊕ K[T·v]). */
  encryptionMatrix: Matrix2;
  /** The four rotations of the best-scoring T, all equally smooth; `orientation` says which one was chosen. */
  orientations: Matrix2[];
  orientation: number;
  orientationBy: 'reference' | 'none';
  /** Smoothness of the best candidate and of the best one outside its rotation class. */
  bestScore: number;
  runnerUpScore: number | null;
  candidatesScored: number;
  timings: {
    modeMs: number;
    autocorrelationMs: number;
    searchMs: number;
    keystreamMs: number;
    orientationMs: number;
  };
}

/** Most frequent value per position over the images (ties: the smaller value), and its average share. */
export function keystreamByMode(ciphers: ImageBatch): { keystream: Uint8Array; share: number } {
  checkBatch(ciphers, 'ciphertexts');
  const pixels = ciphers.size * ciphers.size;
  const counts = new Uint32Array(pixels * 256);
  for (let image = 0; image < ciphers.count; image++) {
    const base = image * pixels;
    for (let i = 0; i < pixels; i++) counts[i * 256 + ciphers.pixels[base + i]!]!++;
  }
  const keystream = new Uint8Array(pixels);
  let share = 0;
  for (let i = 0; i < pixels; i++) {
    let best = 0;
    let bestCount = -1;
    for (let v = 0; v < 256; v++) {
      const c = counts[i * 256 + v]!;
      if (c > bestCount) {
        best = v;
        bestCount = c;
      }
    }
    keystream[i] = best;
    share += bestCount;
  }
  return { keystream, share: ciphers.count === 0 ? 0 : share / (pixels * ciphers.count) };
}

export interface ScoredMatrix {
  matrix: Matrix2;
  score: number;
}

/** score(T) = R(t₁) + R(t₂) + ½(R(t₁ + t₂) + R(t₁ − t₂)) with t₁, t₂ the columns of T. */
export function smoothnessScore(correlation: Float64Array, n: number, t: Matrix2): number {
  const at = (x: number, y: number): number => correlation[(y % n) * n + (x % n)]!;
  const [p, r, q, s] = t;
  return at(p, q) + at(r, s) + 0.5 * (at(p + r, q + s) + at(p + n - r, q + n - s));
}

/**
 * Scores every T ∈ SL2(Z/N); returns the best (the first found among equals) and the best outside the best's
 * rotation class, which says how clearly the search won.
 */
export function smoothestMatrix(
  correlation: Float64Array,
  n: number,
): { best: ScoredMatrix; runnerUp: ScoredMatrix | null; scored: number } {
  const found = { best: null as ScoredMatrix | null, runnerUp: null as ScoredMatrix | null, scored: 0 };
  forEachSl2(n, (p, r, q, s) => {
    found.scored++;
    const score = smoothnessScore(correlation, n, [p, r, q, s]);
    if (!found.best || score > found.best.score) found.best = { matrix: [p, r, q, s], score };
  });
  const best = found.best;
  if (!best) throw new CipherLensError('INTERNAL', 'SL2 search found no candidate');
  const rotationKeys = new Set(rotations(best.matrix, n).map((m) => m.join(',')));
  forEachSl2(n, (p, r, q, s) => {
    const score = smoothnessScore(correlation, n, [p, r, q, s]);
    if (found.runnerUp && score <= found.runnerUp.score) return;
    if (rotationKeys.has(`${p},${r},${q},${s}`)) return;
    found.runnerUp = { matrix: [p, r, q, s], score };
  });
  return { best, runnerUp: found.runnerUp, scored: found.scored };
}

function meanImage(images: Uint8Array, count: number, pixels: number): Float64Array {
  const mean = new Float64Array(pixels);
  for (let image = 0; image < count; image++) {
    const base = image * pixels;
    for (let i = 0; i < pixels; i++) mean[i] = mean[i]! + images[base + i]!;
  }
  for (let i = 0; i < pixels; i++) mean[i] = mean[i]! / Math.max(1, count);
  return mean;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/** Histogram of all pixel values of a batch of plain images, normalised to sum 1 (the attacker's public prior). */
export function valueHistogram(images: ImageBatch): Float64Array {
  checkBatch(images, 'images');
  const histogram = new Float64Array(256);
  const total = images.count * images.size * images.size;
  for (let i = 0; i < total; i++) histogram[images.pixels[i]!]!++;
  for (let v = 0; v < 256; v++) histogram[v] = total > 0 ? histogram[v]! / total : 0;
  return histogram;
}

export interface NeighbourKeystream {
  keystream: Uint8Array;
  /** How the one byte the neighbour differences leave open was chosen. */
  globalBy: 'reference-histogram' | 'mode-vote';
  /** Mean share of images showing the modal XOR on the spanning-tree edges (1 = every edge unanimous). */
  treeConfidence: number;
}

/** The 4-neighbour grid of plain positions: edge e joins from[e] and to[e]. */
function gridEdges(n: number): { from: Int32Array; to: Int32Array } {
  const from: number[] = [];
  const to: number[] = [];
  for (let v = 0; v < n * n; v++) {
    if (v % n < n - 1) {
      from.push(v);
      to.push(v + 1);
    }
    if (v + n < n * n) {
      from.push(v);
      to.push(v + n);
    }
  }
  return { from: Int32Array.from(from), to: Int32Array.from(to) };
}

/**
 * Keystream from neighbour differences, once the permutation is known. For plain neighbours v, u (cipher positions
 * w = T·v, w' = T·u), C[w] ⊕ C[w'] = (P[v] ⊕ P[u]) ⊕ (K[w] ⊕ K[w']); adjacent pixels are very often equal (flat
 * regions, backgrounds, saturated strokes), so the most frequent value of C[w] ⊕ C[w'] over the images is
 * K[w] ⊕ K[w']. Writing K[T·v] = R[v] ⊕ g:
 *
 * - R follows the modal XOR along a maximum spanning tree of the N×N grid, the weight of an edge being how far its
 *   mode leads the runner-up (the least ambiguous edges decide). A wrong tree edge offsets its whole subtree by one
 *   XOR byte. (A local search after the tree, maximising the count of equal neighbours over all edges by single
 *   pixels and whole subtrees, was measured on MedNIST with 4 fixed keys: +0.4 to +1.4 points of keystream bytes
 *   at 10 and 100 ciphertexts for 3–5× the time, so it is not used.)
 * - g, the one byte left, is the byte whose decrypted value histogram is closest (L1) to the reference histogram
 *   when one is given, else the byte most positions' mode agrees with.
 */
export function keystreamFromNeighbours(
  ciphers: ImageBatch,
  gather: Int32Array,
  modeKeystream: Uint8Array,
  referenceHistogram: Float64Array | null,
): NeighbourKeystream {
  const n = ciphers.size;
  const pixels = n * n;
  const where = new Int32Array(pixels);
  for (let w = 0; w < pixels; w++) where[gather[w]!] = w;
  const { from, to } = gridEdges(n);
  const edges = from.length;
  // h_e(δ), the histogram of C[w] ⊕ C[w'] over the images, for every edge: edges × 256 counts.
  const histogram = new Uint32Array(edges * 256);
  const delta = new Uint8Array(edges);
  const weight = new Float64Array(edges);
  const share = new Float64Array(edges);
  for (let e = 0; e < edges; e++) {
    const a = where[from[e]!]!;
    const b = where[to[e]!]!;
    const h = e * 256;
    for (let image = 0, base = 0; image < ciphers.count; image++, base += pixels) {
      histogram[h + (ciphers.pixels[base + a]! ^ ciphers.pixels[base + b]!)]!++;
    }
    let best = 0;
    let second = 1;
    if (histogram[h + 1]! > histogram[h]!) [best, second] = [1, 0];
    for (let value = 2; value < 256; value++) {
      const c = histogram[h + value]!;
      if (c > histogram[h + best]!) {
        second = best;
        best = value;
      } else if (c > histogram[h + second]!) second = value;
    }
    delta[e] = best;
    share[e] = histogram[h + best]! / Math.max(1, ciphers.count);
    // How decisive the mode is: its lead over the runner-up.
    weight[e] = (histogram[h + best]! - histogram[h + second]!) / Math.max(1, ciphers.count);
  }

  // Kruskal: strongest edges first.
  const order = Array.from({ length: edges }, (_, e) => e).sort((x, y) => weight[y]! - weight[x]! || x - y);
  const parent = Int32Array.from({ length: pixels }, (_, i) => i);
  const find = (x: number): number => {
    let root = x;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[x] !== root) {
      const next = parent[x]!;
      parent[x] = root;
      x = next;
    }
    return root;
  };
  const treeAdjacency: number[][] = Array.from({ length: pixels }, () => []);
  let treeShare = 0;
  let treeEdges = 0;
  for (const e of order) {
    const a = find(from[e]!);
    const b = find(to[e]!);
    if (a === b) continue;
    parent[a] = b;
    treeAdjacency[from[e]!]!.push(e);
    treeAdjacency[to[e]!]!.push(e);
    treeShare += share[e]!;
    treeEdges++;
  }

  // R[v] = K[T·v] ⊕ K[T·0], propagated along the tree from plain position 0.
  const relative = new Uint8Array(pixels);
  const seen = new Uint8Array(pixels);
  seen[0] = 1;
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const e of treeAdjacency[v]!) {
      const other = from[e] === v ? to[e]! : from[e]!;
      if (seen[other]) continue;
      seen[other] = 1;
      relative[other] = relative[v]! ^ delta[e]!;
      queue.push(other);
    }
  }

  let global = 0;
  let globalBy: NeighbourKeystream['globalBy'];
  if (referenceHistogram) {
    // Histogram of the images decrypted with g = 0; with g it is the same histogram indexed by value ⊕ g.
    const base = new Float64Array(256);
    for (let image = 0, off = 0; image < ciphers.count; image++, off += pixels) {
      for (let v = 0; v < pixels; v++) base[ciphers.pixels[off + where[v]!]! ^ relative[v]!]!++;
    }
    const total = ciphers.count * pixels;
    let bestDistance = Infinity;
    for (let g = 0; g < 256; g++) {
      let distance = 0;
      for (let value = 0; value < 256; value++) {
        distance += Math.abs(base[value ^ g]! / total - referenceHistogram[value]!);
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        global = g;
      }
    }
    globalBy = 'reference-histogram';
  } else {
    const votes = new Uint32Array(256);
    for (let v = 0; v < pixels; v++) votes[modeKeystream[where[v]!]! ^ relative[v]!]!++;
    for (let g = 1; g < 256; g++) if (votes[g]! > votes[global]!) global = g;
    globalBy = 'mode-vote';
  }
  const keystream = new Uint8Array(pixels);
  for (let w = 0; w < pixels; w++) keystream[w] = relative[gather[w]!]! ^ global;
  return { keystream, globalBy, treeConfidence: treeEdges > 0 ? treeShare / treeEdges : 0 };
}

export function ciphertextOnlyAttack(
  ciphers: ImageBatch,
  options: CiphertextOnlyOptions = {},
): CiphertextOnlyResult {
  checkBatch(ciphers, 'ciphertexts');
  if (ciphers.count < 1) throw new CipherLensError('BAD_INPUT', 'a ciphertext-only attack needs ciphertexts');
  const n = ciphers.size;
  const pixels = n * n;
  const reference = options.reference ?? null;
  if (reference && (reference.size !== n || reference.count < 1)) {
    throw new CipherLensError('BAD_SIZE', `reference images must be ${n}×${n} (and at least one)`);
  }
  let started = performance.now();
  const mode = keystreamByMode(ciphers);
  const modeMs = performance.now() - started;

  started = performance.now();
  const correlation = torusAutocorrelation(
    ciphers.pixels,
    ciphers.count,
    n,
    (value, position) => value ^ mode.keystream[position % pixels]!,
  );
  const autocorrelationMs = performance.now() - started;

  started = performance.now();
  const { best, runnerUp, scored } = smoothestMatrix(correlation, n);
  const orientations = rotations(best.matrix, n);
  const searchMs = performance.now() - started;

  // The neighbour structure is the same for every rotation, so the keystream does not depend on the orientation.
  started = performance.now();
  const firstGather = gatherFromMatrix(inverseSl2(best.matrix, n), n);
  const neighbours = keystreamFromNeighbours(
    ciphers,
    firstGather,
    mode.keystream,
    reference ? valueHistogram(reference) : null,
  );
  const keystreamMs = performance.now() - started;

  started = performance.now();
  let orientation = 0;
  let orientationBy: CiphertextOnlyResult['orientationBy'] = 'none';
  if (reference) {
    const target = referenceMean(reference);
    let bestCorrelation = -Infinity;
    orientations.forEach((t, index) => {
      const gather = gatherFromMatrix(inverseSl2(t, n), n);
      const decrypted = decryptWith({ size: n, gather, keystream: neighbours.keystream }, ciphers);
      const r = pearson(meanImage(decrypted, ciphers.count, pixels), target);
      if (r > bestCorrelation) {
        bestCorrelation = r;
        orientation = index;
      }
    });
    orientationBy = 'reference';
  }
  const chosen = orientations[orientation]!;
  const gather = gatherFromMatrix(inverseSl2(chosen, n), n);
  const orientationMs = performance.now() - started;

  return {
    recovered: { size: n, gather, keystream: neighbours.keystream },
    modeKeystream: mode.keystream,
    modeShare: mode.share,
    treeConfidence: neighbours.treeConfidence,
    globalBy: neighbours.globalBy,
    encryptionMatrix: chosen,
    orientations,
    orientation,
    orientationBy,
    bestScore: best.score,
    runnerUpScore: runnerUp ? runnerUp.score : null,
    candidatesScored: scored,
    timings: { modeMs, autocorrelationMs, searchMs, keystreamMs, orientationMs },
  };
}

/** Mean image of a batch of plain images (the attacker's public reference). */
export function referenceMean(images: ImageBatch): Float64Array {
  checkBatch(images, 'reference images');
  return meanImage(images.pixels, images.count, images.size * images.size);
}
