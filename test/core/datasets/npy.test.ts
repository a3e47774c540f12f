import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  int64Bytes,
  npyHeader,
  npyIntegers,
  NpyWriter,
  parseNpy,
  readNpy,
} from '../../../src/core/datasets/npy.js';
import { makeTempDir } from './fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(() => temp.cleanup());

describe('.npy', () => {
  it('writes a numpy 1.0 header aligned to 64 bytes', () => {
    const header = npyHeader('|u1', [3, 28, 28]);
    expect(header.length % 64).toBe(0);
    expect([...header.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(header.readUInt16LE(8)).toBe(header.length - 10);
    expect(header.toString('latin1', 10)).toMatch(
      /^\{'descr': '\|u1', 'fortran_order': False, 'shape': \(3, 28, 28\), \} *\n$/,
    );
    expect(npyHeader('<i8', [5]).toString('latin1')).toContain("'shape': (5,)");
  });

  it('streams data in pieces and reads it back', async () => {
    const path = join(temp.dir, 'a.npy');
    const writer = await NpyWriter.create(path, '<i8', [4]);
    await writer.write(int64Bytes([1, -2]));
    await writer.write(int64Bytes([3, 2 ** 40]));
    await writer.close();
    const array = await readNpy(path);
    expect(array).toMatchObject({ dtype: '<i8', shape: [4] });
    expect([...npyIntegers(array)].slice(0, 3)).toEqual([1, -2, 3]);
    const view = new DataView(array.data.buffer, array.data.byteOffset);
    expect(view.getBigInt64(24, true)).toBe(2n ** 40n);
  });

  it('refuses to close an incomplete array and leaves no file behind', async () => {
    const path = join(temp.dir, 'b.npy');
    const writer = await NpyWriter.create(path, '|u1', [2, 2, 2]);
    await writer.write(new Uint8Array(7));
    await expect(writer.close()).rejects.toThrow(/wrote 7 of 8 data bytes/);
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports bad magic and truncated data by file name', async () => {
    expect(() => parseNpy(new Uint8Array(20), 'x.npy')).toThrow(/x\.npy is not a \.npy file/);
    const header = npyHeader('|u1', [2, 2]);
    const path = join(temp.dir, 'short.npy');
    await writeFile(path, Buffer.concat([header, Buffer.alloc(3)]));
    await expect(readNpy(path)).rejects.toMatchObject({
      code: 'TRUNCATED',
      message: expect.stringContaining('short.npy'),
    });
  });
});
