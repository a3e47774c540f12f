import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CipherLensError } from '../errors.js';
import { readRegularFile } from '../fs/read.js';

/** The largest .npy read (decoded-dataset cache: all of MedNIST at 64×64 is 241 MB). */
export const MAX_NPY_BYTES = 1024 * 1024 * 1024;

/** The element types CipherLens writes: images as '|u1', labels as '<i8' (PyTorch's int64). */
export type NpyDtype = '|u1' | '<i4' | '<i8';
const ITEM_BYTES: Record<NpyDtype, number> = { '|u1': 1, '<i4': 4, '<i8': 8 };
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"
const ALIGNMENT = 64;

const shapeText = (shape: readonly number[]): string =>
  shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;

/** A .npy version 1.0 header, padded with spaces so the data starts on a 64-byte boundary (as numpy does). */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Buffer {
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
  const headerText = `${dict}${' '.repeat(padding)}\n`;
  if (headerText.length > 0xffff) throw new CipherLensError('INTERNAL', 'npy header too long for format 1.0');
  const out = Buffer.alloc(MAGIC.length + 4 + headerText.length);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(headerText.length, 8);
  out.write(headerText, 10, 'latin1');
  return out;
}

/**
 * Streams an array into `<path>` through a temporary sibling: the header first, then the data in as many
 * `write` calls as the caller likes; `close` checks the byte count, fsyncs and renames into place.
 */
export class NpyWriter {
  private written = 0;
  private readonly expected: number;

  private constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
    private readonly temporary: string,
    dtype: NpyDtype,
    shape: readonly number[],
  ) {
    this.expected = shape.reduce((product, dim) => product * dim, 1) * ITEM_BYTES[dtype];
  }

  static async create(path: string, dtype: NpyDtype, shape: readonly number[]): Promise<NpyWriter> {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temporary, 'w', 0o644);
    const writer = new NpyWriter(handle, path, temporary, dtype, shape);
    await handle.write(npyHeader(dtype, shape));
    return writer;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.written + bytes.length > this.expected) {
      throw new CipherLensError('INTERNAL', `${this.path}: more data than the declared shape holds`);
    }
    await this.handle.write(bytes);
    this.written += bytes.length;
  }

  async close(): Promise<void> {
    try {
      if (this.written !== this.expected) {
        throw new CipherLensError(
          'INTERNAL',
          `${this.path}: wrote ${this.written} of ${this.expected} data bytes`,
        );
      }
      await this.handle.sync();
      await this.handle.close();
      await rename(this.temporary, this.path);
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temporary, { force: true });
  }
}

/** Little-endian int64 bytes of integer labels, for a '<i8' array. */
export function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]!), true);
  return out;
}

export function int32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i]!, true);
  return out;
}

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Raw little-endian element bytes (C order). */
  data: Uint8Array;
}

/** Parses a .npy (format 1.0–3.0) holding one of the dtypes above in C order. */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 10 || !buffer.subarray(0, 6).equals(MAGIC)) {
    throw new CipherLensError('BAD_FORMAT', `${source} is not a .npy file (bad magic)`);
  }
  const major = buffer[6]!;
  const headerLength = major === 1 ? buffer.readUInt16LE(8) : buffer.readUInt32LE(8);
  const dataStart = (major === 1 ? 10 : 12) + headerLength;
  if (buffer.length < dataStart)
    throw new CipherLensError('TRUNCATED', `${source} is truncated inside its header`);
  const header = buffer.toString('latin1', major === 1 ? 10 : 12, dataStart);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeMatch = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !(descr in ITEM_BYTES) || fortran !== 'False' || shapeMatch === undefined) {
    throw new CipherLensError('BAD_FORMAT', `${source}: unsupported .npy header ${header.trim()}`);
  }
  const dtype = descr as NpyDtype;
  const shape = shapeMatch
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  const dataBytes = shape.reduce((product, dim) => product * dim, 1) * ITEM_BYTES[dtype];
  if (buffer.length - dataStart !== dataBytes) {
    throw new CipherLensError(
      buffer.length - dataStart < dataBytes ? 'TRUNCATED' : 'BAD_FORMAT',
      `${source}: shape (${shape.join(', ')}) needs ${dataBytes} data bytes, file has ${buffer.length - dataStart}`,
    );
  }
  return { dtype, shape, data: bytes.subarray(dataStart) };
}

export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, MAX_NPY_BYTES, { what: `array file ${path}` });
  } catch (error) {
    if (error instanceof CipherLensError && error.code === 'NOT_FOUND') {
      throw new CipherLensError('NOT_FOUND', `missing array file ${path}`, { cause: error });
    }
    throw error;
  }
  return parseNpy(bytes, path);
}

/** Integer elements of a '<i4' or '<i8' array as numbers (labels are small). */
export function npyIntegers(array: NpyArray): Int32Array {
  const itemBytes = ITEM_BYTES[array.dtype];
  const count = array.data.length / itemBytes;
  const view = new DataView(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] =
      array.dtype === '<i8'
        ? Number(view.getBigInt64(i * 8, true))
        : array.dtype === '<i4'
          ? view.getInt32(i * 4, true)
          : array.data[i]!;
  }
  return out;
}
