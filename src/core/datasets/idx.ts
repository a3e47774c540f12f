import { CipherLensError } from '../errors.js';
import { streamRegularFile } from '../fs/read.js';
import { gunzipStream, isGzip } from './gzip.js';

/** An IDX array of unsigned bytes (the only element type MNIST uses): dims plus row-major data. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/**
 * The largest IDX array read (header-declared elements): MNIST's biggest file, the training images, is
 * 60000×28×28 = 47 MB. A header declaring more is refused before anything is allocated or inflated.
 */
export const MAX_IDX_DATA_BYTES = 256 * 1024 * 1024;
/** The largest IDX file on disk (gzip-compressed or not). */
export const MAX_IDX_FILE_BYTES = MAX_IDX_DATA_BYTES + 1024 * 1024;

interface IdxHeader {
  dims: number[];
  headerBytes: number;
  dataBytes: number;
}

/** The header of IDX bytes, once enough of them are there (null until then); checks magic, type, dims. */
function readIdxHeader(
  bytes: Uint8Array,
  source: string,
  expectedDims: number | undefined,
  complete: boolean,
): IdxHeader | null {
  if (
    (bytes.length >= 1 && bytes[0] !== 0) ||
    (bytes.length >= 2 && bytes[1] !== 0) ||
    (complete && bytes.length < 4)
  ) {
    throw new CipherLensError('BAD_FORMAT', `${source} is not an IDX file (bad magic number)`);
  }
  if (bytes.length < 4) return null;
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
    if (complete) throw new CipherLensError('TRUNCATED', `${source} is truncated inside the IDX header`);
    return null;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < dimCount; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const dataBytes = dims.reduce((product, dim) => product * dim, 1);
  if (dataBytes > MAX_IDX_DATA_BYTES) {
    throw new CipherLensError(
      'TOO_LARGE',
      `${source}: IDX header declares ${dims.join('×')} = ${dataBytes} bytes of data; the limit is ${MAX_IDX_DATA_BYTES} bytes`,
    );
  }
  return { dims, headerBytes, dataBytes };
}

function checkLength(header: IdxHeader, available: number, source: string): void {
  const { dims, dataBytes } = header;
  if (available < dataBytes) {
    throw new CipherLensError(
      'TRUNCATED',
      `${source} is truncated: header promises ${dims.join('×')} = ${dataBytes} bytes of data, file has ${available}`,
    );
  }
  if (available > dataBytes) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} has ${available - dataBytes} bytes of trailing data after ${dims.join('×')} elements`,
    );
  }
}

/** Parses IDX bytes (http://yann.lecun.com/exdb/mnist/ format: 0x0000, type, ndims, big-endian dims). */
export function parseIdx(bytes: Uint8Array, source: string, expectedDims?: number): IdxArray {
  const header = readIdxHeader(bytes, source, expectedDims, true)!;
  checkLength(header, bytes.length - header.headerBytes, source);
  return { dims: header.dims, data: bytes.subarray(header.headerBytes) };
}

/**
 * Reads an IDX file, gunzipping it first when it is gzip-compressed. A regular file only, streamed: the output
 * buffer is allocated from the header's dimensions (at most MAX_IDX_DATA_BYTES), and inflating stops at the
 * first byte past them, so a gzip bomb or a device never costs more than the array it claims to be.
 */
export async function readIdxFile(path: string, expectedDims?: number): Promise<IdxArray> {
  const what = `dataset file ${path}`;
  const chunks = streamRegularFile(path, MAX_IDX_FILE_BYTES, { what });
  try {
    const first = await chunks.next();
    const head = first.done ? Buffer.alloc(0) : first.value;
    async function* replay(): AsyncGenerator<Buffer> {
      if (head.length > 0) yield head;
      yield* chunks;
    }
    const body = isGzip(head) ? gunzipStream(replay(), path, { maxBytes: MAX_IDX_FILE_BYTES }) : replay();
    return await collectIdx(body, path, expectedDims);
  } catch (error) {
    if (error instanceof CipherLensError && error.code === 'NOT_FOUND') {
      throw new CipherLensError('NOT_FOUND', `missing dataset file ${path}`, { cause: error });
    }
    throw error;
  } finally {
    // Closes the file however the parse ended (a header error stops before `replay` reaches `chunks`).
    await chunks.return(undefined);
  }
}

async function collectIdx(
  body: AsyncGenerator<Buffer>,
  source: string,
  expectedDims: number | undefined,
): Promise<IdxArray> {
  let pending = Buffer.alloc(0);
  let header: IdxHeader | null = null;
  let out: Uint8Array | null = null;
  let filled = 0;
  try {
    for await (const chunk of body) {
      if (!header) {
        pending = Buffer.concat([pending, chunk]);
        header = readIdxHeader(pending, source, expectedDims, false);
        if (!header) continue;
        out = new Uint8Array(header.headerBytes + header.dataBytes);
        const take = Math.min(pending.length, out.length);
        out.set(pending.subarray(0, take), 0);
        filled = take;
        if (pending.length > out.length) checkLength(header, pending.length - header.headerBytes, source);
        continue;
      }
      if (filled + chunk.length > out!.length) {
        checkLength(header, filled + chunk.length - header.headerBytes, source);
      }
      out!.set(chunk, filled);
      filled += chunk.length;
    }
  } finally {
    await body.return(undefined);
  }
  if (!header) {
    readIdxHeader(pending, source, expectedDims, true);
    throw new CipherLensError('TRUNCATED', `${source} is truncated inside the IDX header`);
  }
  checkLength(header, filled - header.headerBytes, source);
  return { dims: header.dims, data: out!.subarray(header.headerBytes) };
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
