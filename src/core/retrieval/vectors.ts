import { CipherLensError } from '../errors.js';

/**
 * Writes `vector / ‖vector‖` into `out` (may be `vector` itself). A zero, NaN or infinite vector has no
 * direction and is refused rather than stored as garbage.
 */
export function normalizeInto(vector: Float32Array, out: Float32Array, what = 'vector'): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) {
    throw new CipherLensError('BAD_INPUT', `${what} has norm ${norm}: cannot rank by cosine similarity`);
  }
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! / norm;
  return out;
}

/** Row-wise L2 normalisation of `count` vectors of `dim` values; `what` names a row in a refusal. */
export function normalizeRows(
  vectors: Float32Array,
  count: number,
  dim: number,
  out = new Float32Array(count * dim),
  what = 'vector',
): Float32Array {
  for (let row = 0; row < count; row++) {
    const start = row * dim;
    normalizeInto(vectors.subarray(start, start + dim), out.subarray(start, start + dim), `${what} ${row}`);
  }
  return out;
}

export function checkDimension(vector: Float32Array, dimension: number, what = 'vector'): void {
  if (vector.length !== dimension) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${what} has ${vector.length} values; this index holds ${dimension}-d vectors`,
    );
  }
}
