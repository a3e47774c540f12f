import { UMAP } from 'umap-js';
import { CipherLensError } from '../errors.js';

/** Rows × columns, row-major (one embedding per row). */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface PcaResult {
  /** rows × components, row-major: each row's coordinates on the principal axes. */
  coordinates: Float32Array;
  components: number;
  /** Variance along each axis, largest first. */
  variances: number[];
  /** Total variance of the data (sum over all dimensions), so `variances[i] / total` is the explained share. */
  totalVariance: number;
}

/** Covariance is d × d doubles: 4096 dims is 128 MiB, the most a map of one model's embeddings may ask. */
export const MAX_PROJECTION_DIMENSION = 4096;
/** UMAP's kNN graph and layout grow with n; past this the instant PCA picture is the map. */
export const MAX_UMAP_POINTS = 50_000;
/** UMAP needs a neighbourhood to work with; fewer points get PCA only. */
export const MIN_UMAP_POINTS = 5;

function checkMatrix(matrix: Matrix, what: string): void {
  const { rows, cols, data } = matrix;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new CipherLensError('BAD_INPUT', `${what}: needs at least one vector of at least one value`);
  }
  if (cols > MAX_PROJECTION_DIMENSION) {
    throw new CipherLensError(
      'TOO_LARGE',
      `${what}: ${cols}-dimensional vectors; at most ${MAX_PROJECTION_DIMENSION} are projected`,
    );
  }
  if (data.length !== rows * cols) {
    throw new CipherLensError('BAD_INPUT', `${what}: expected ${rows * cols} values, got ${data.length}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new CipherLensError(
        'BAD_INPUT',
        `${what}: vector ${Math.floor(i / cols)} holds a non-finite value (NaN or ∞)`,
      );
    }
  }
}

/** Mulberry32: a small seeded generator, so a map is the same picture every time it is computed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Modified Gram–Schmidt on the `width` columns of a row-major rows × width matrix, in place (two passes for
 * stability). A column that collapses (the data has fewer independent directions than asked) is refilled at
 * random and retried; it ends with variance 0.
 */
function orthonormaliseColumns(m: Float64Array, rows: number, width: number, random: () => number): void {
  for (let j = 0; j < width; j++) {
    for (let attempt = 0; attempt < 3; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < j; i++) {
          let dot = 0;
          for (let r = 0; r < rows; r++) dot += m[r * width + i]! * m[r * width + j]!;
          for (let r = 0; r < rows; r++) m[r * width + j]! -= dot * m[r * width + i]!;
        }
      }
      let norm = 0;
      for (let r = 0; r < rows; r++) norm += m[r * width + j]! ** 2;
      norm = Math.sqrt(norm);
      if (norm > 1e-10) {
        for (let r = 0; r < rows; r++) m[r * width + j]! /= norm;
        break;
      }
      for (let r = 0; r < rows; r++) m[r * width + j] = random() - 0.5;
      if (attempt === 2) for (let r = 0; r < rows; r++) m[r * width + j] = 0;
    }
  }
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: values and column vectors. */
function symmetricEigen(input: Float64Array, size: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(size * size);
  for (let i = 0; i < size; i++) v[i * size + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < size; p++) for (let q = p + 1; q < size; q++) off += a[p * size + q]! ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * size + q]! - a[p * size + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p]!;
          const akq = a[k * size + q]!;
          a[k * size + p] = c * akp - s * akq;
          a[k * size + q] = s * akp + c * akq;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k]!;
          const aqk = a[q * size + k]!;
          a[p * size + k] = c * apk - s * aqk;
          a[q * size + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < size; k++) {
          const vkp = v[k * size + p]!;
          const vkq = v[k * size + q]!;
          v[k * size + p] = c * vkp - s * vkq;
          v[k * size + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Array.from({ length: size }, (_, i) => a[i * size + i]!), vectors: v };
}

/**
 * Principal components by a randomised range finder with power iterations (Halko, Martinsson & Tropp 2011),
 * centring implicitly: every pass over the data costs n·d·w multiply-adds for a block of w
 * directions (components + 6), so a 2-D map of n embeddings is a few dozen n·d passes, never the n·d² of a covariance matrix.
 * Deterministic for a seed; each axis's sign is fixed (largest loading positive), so the picture never flips.
 */
export function pca(
  matrix: Matrix,
  components = 2,
  options: { iterations?: number; seed?: number } = {},
): PcaResult {
  checkMatrix(matrix, 'PCA');
  if (!Number.isInteger(components) || components < 1) {
    throw new CipherLensError('BAD_INPUT', `PCA: components must be a positive integer, got ${components}`);
  }
  const { rows: n, cols: d, data } = matrix;
  const k = Math.min(components, d);
  const width = Math.min(d, k + 6);
  const mean = new Float64Array(d);
  for (let row = 0; row < n; row++) {
    const offset = row * d;
    for (let c = 0; c < d; c++) mean[c]! += data[offset + c]!;
  }
  for (let c = 0; c < d; c++) mean[c]! /= n;
  let totalVariance = 0;
  const centred = new Float64Array(d);
  const centre = (row: number): Float64Array => {
    const offset = row * d;
    for (let c = 0; c < d; c++) centred[c] = data[offset + c]! - mean[c]!;
    return centred;
  };
  for (let row = 0; row < n; row++) {
    const x = centre(row);
    for (let c = 0; c < d; c++) totalVariance += x[c]! * x[c]!;
  }
  const denominator = Math.max(1, n - 1);
  totalVariance /= denominator;

  /** Y (n × w) = Xc · Q for Q (d × w). */
  const project = (q: Float64Array, y: Float64Array): void => {
    y.fill(0);
    for (let row = 0; row < n; row++) {
      const x = centre(row);
      const base = row * width;
      for (let c = 0; c < d; c++) {
        const xc = x[c]!;
        if (xc === 0) continue;
        const qBase = c * width;
        for (let j = 0; j < width; j++) y[base + j]! += xc * q[qBase + j]!;
      }
    }
  };
  /** Q (d × w) = Xcᵀ · Y for Y (n × w). */
  const backProject = (y: Float64Array, q: Float64Array): void => {
    q.fill(0);
    for (let row = 0; row < n; row++) {
      const x = centre(row);
      const base = row * width;
      for (let c = 0; c < d; c++) {
        const xc = x[c]!;
        if (xc === 0) continue;
        const qBase = c * width;
        for (let j = 0; j < width; j++) q[qBase + j]! += xc * y[base + j]!;
      }
    }
  };

  const random = seededRandom(options.seed ?? 1);
  const q = Float64Array.from({ length: d * width }, () => random() - 0.5);
  const y = new Float64Array(n * width);
  orthonormaliseColumns(q, d, width, random);
  for (let iteration = 0; iteration < (options.iterations ?? 4); iteration++) {
    project(q, y);
    orthonormaliseColumns(y, n, width, random);
    backProject(y, q);
    orthonormaliseColumns(q, d, width, random);
  }
  // Rayleigh–Ritz in the found subspace: S = (Xc Q)ᵀ (Xc Q) is w × w; its eigenvectors rotate Q onto the axes.
  project(q, y);
  const s = new Float64Array(width * width);
  for (let row = 0; row < n; row++) {
    const base = row * width;
    for (let i = 0; i < width; i++) {
      const yi = y[base + i]!;
      for (let j = i; j < width; j++) s[i * width + j]! += yi * y[base + j]!;
    }
  }
  for (let i = 0; i < width; i++) for (let j = 0; j < i; j++) s[i * width + j] = s[j * width + i]!;
  const eigen = symmetricEigen(s, width);
  const order = eigen.values
    .map((value, index) => ({ value, index }))
    .sort((a, b) => b.value - a.value)
    .slice(0, k);

  const coordinates = new Float32Array(n * k);
  const variances: number[] = [];
  order.forEach(({ value, index }, axis) => {
    // The axis in data space, to fix its sign by its largest loading.
    let largest = 0;
    for (let c = 0; c < d; c++) {
      let loading = 0;
      for (let j = 0; j < width; j++) loading += q[c * width + j]! * eigen.vectors[j * width + index]!;
      if (Math.abs(loading) > Math.abs(largest)) largest = loading;
    }
    const sign = largest < 0 ? -1 : 1;
    for (let row = 0; row < n; row++) {
      let sum = 0;
      for (let j = 0; j < width; j++) sum += y[row * width + j]! * eigen.vectors[j * width + index]!;
      coordinates[row * k + axis] = sign * sum || 0;
    }
    variances.push(Math.max(0, value) / denominator);
  });
  return { coordinates, components: k, variances, totalVariance };
}

export interface UmapOptions {
  seed?: number;
  /** Neighbours of each point in the fuzzy graph (UMAP's n_neighbors); default 15, at most n − 1. */
  neighbours?: number;
  /** Layout epochs; default: umap-js's own choice for n (500 below 10 000 points, 200 above). */
  epochs?: number;
  signal?: AbortSignal;
  /** Called after the neighbour graph (done 0) and every few epochs with (done, total) epochs. */
  onProgress?: (done: number, total: number, message: string) => void;
}

/** UMAP works on this many PCA dimensions: the usual pre-step, which cuts its kNN search cost ~10× at 512-d. */
const UMAP_INPUT_DIMENSIONS = 50;
/** Epochs between yields to the event loop (progress, cancellation, other requests). */
const EPOCHS_PER_YIELD = 5;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A 2-D UMAP layout (umap-js) of the rows, after PCA to 50 dimensions. The neighbour-graph step runs in one go;
 * the layout epochs run a few at a time with a yield between, so progress is reported and `signal` cancels.
 */
export async function umap(matrix: Matrix, options: UmapOptions = {}): Promise<Float32Array> {
  checkMatrix(matrix, 'UMAP');
  const n = matrix.rows;
  if (n < MIN_UMAP_POINTS) {
    throw new CipherLensError(
      'BAD_INPUT',
      `UMAP needs at least ${MIN_UMAP_POINTS} points, got ${n}: the PCA map shows them`,
    );
  }
  if (n > MAX_UMAP_POINTS) {
    throw new CipherLensError(
      'TOO_LARGE',
      `UMAP of ${n} points: at most ${MAX_UMAP_POINTS} are laid out (the PCA map shows them all)`,
    );
  }
  const cancelled = (): void => {
    if (options.signal?.aborted) throw new CipherLensError('CANCELLED', 'UMAP cancelled');
  };
  const seed = options.seed ?? 1;
  const reduced =
    matrix.cols > UMAP_INPUT_DIMENSIONS
      ? pca(matrix, UMAP_INPUT_DIMENSIONS, { seed, iterations: 3 })
      : { coordinates: matrix.data, components: matrix.cols };
  cancelled();
  const vectors: number[][] = [];
  for (let row = 0; row < n; row++) {
    vectors.push(
      Array.from(reduced.coordinates.subarray(row * reduced.components, (row + 1) * reduced.components)),
    );
  }
  options.onProgress?.(0, 1, `finding the neighbours of ${n} points`);
  await yieldToEventLoop();
  const model = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.neighbours ?? 15, n - 1),
    random: seededRandom(seed),
    ...(options.epochs !== undefined && { nEpochs: options.epochs }),
  });
  const total = model.initializeFit(vectors);
  for (let epoch = 0; epoch < total;) {
    cancelled();
    const stop = Math.min(total, epoch + EPOCHS_PER_YIELD);
    while (epoch < stop) epoch = model.step();
    options.onProgress?.(epoch, total, `UMAP layout: epoch ${epoch} of ${total}`);
    await yieldToEventLoop();
  }
  const embedding = model.getEmbedding();
  const coordinates = new Float32Array(n * 2);
  for (let row = 0; row < n; row++) {
    const point = embedding[row]!;
    coordinates[row * 2] = point[0]!;
    coordinates[row * 2 + 1] = point[1]!;
  }
  return coordinates;
}
