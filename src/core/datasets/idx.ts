import { readFile } from 'node:fs/promises';
import { CipherLensError } from '../errors.js';
import { maybeGunzip } from './gzip.js';

/** An IDX array of unsigned bytes (the only element type MNIST uses): dims plus row-major data. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Parses IDX bytes (http://yann.lecun.com/exdb/mnist/ format: 0x0000, type, ndims, big-endian dims). */
export function parseIdx(bytes: Uint8Array, source: string, expectedDims?: number): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new CipherLensError('BAD_FORMAT', `${source} is not an IDX file (bad magic number)`);
  }
  if (bytes[2] !== UNSIGNED_BYTE) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source}: IDX element type 0x${(bytes[2] ?? 0).toString(16)} is not supported (only unsigned byte, 0x08)`,
    );
  }
  const dimCount = bytes[3] ?? 0;
  if (dimCount < 1 || (expectedDims !== undefined && dimCount !== expectedDims)) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source}: IDX has ${dimCount} dimensions, expected ${expectedDims ?? 'at least 1'}`,
    );
  }
  const headerBytes = 4 + 4 * dimCount;
  if (bytes.length < headerBytes) {
    throw new CipherLensError('TRUNCATED', `${source} is truncated inside the IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < dimCount; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expectedBytes = dims.reduce((product, dim) => product * dim, 1);
  const available = bytes.length - headerBytes;
  if (available < expectedBytes) {
    throw new CipherLensError(
      'TRUNCATED',
      `${source} is truncated: header promises ${dims.join('×')} = ${expectedBytes} bytes of data, file has ${available}`,
    );
  }
  if (available > expectedBytes) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} has ${available - expectedBytes} bytes of trailing data after ${dims.join('×')} elements`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads an IDX file, gunzipping it first when it is gzip-compressed. */
export async function readIdxFile(path: string, expectedDims?: number): Promise<IdxArray> {
  let raw: Uint8Array;
  try {
    raw = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CipherLensError('NOT_FOUND', `missing dataset file ${path}`, { cause: error });
    }
    throw error;
  }
  return parseIdx(await maybeGunzip(raw, path), path, expectedDims);
}

/** Serialises an unsigned-byte IDX array (used by tests and by tools that write MNIST-style files). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UNSIGNED_BYTE;
  out[3] = dims.length;
  dims.forEach((dim, d) => view.setUint32(4 + 4 * d, dim, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
