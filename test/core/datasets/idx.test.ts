import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx, readIdxFile } from '../../../src/core/datasets/idx.js';
import { makeTempDir } from './fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(() => temp.cleanup());

describe('IDX', () => {
  const images = encodeIdx(
    [2, 3, 3],
    Uint8Array.from({ length: 18 }, (_, i) => i),
  );

  it('round-trips dims and data, gzipped or not', async () => {
    const raw = join(temp.dir, 'images-idx3-ubyte');
    const gz = join(temp.dir, 'images-idx3-ubyte.gz');
    await writeFile(raw, images);
    await writeFile(gz, gzipSync(images));
    for (const path of [raw, gz]) {
      const parsed = await readIdxFile(path, 3);
      expect(parsed.dims).toEqual([2, 3, 3]);
      expect([...parsed.data]).toEqual(Array.from({ length: 18 }, (_, i) => i));
    }
  });

  it('names the file on a bad magic number, wrong rank, truncation or trailing bytes', () => {
    const badMagic = Uint8Array.from(images);
    badMagic[0] = 0x42;
    expect(() => parseIdx(badMagic, 'x.idx')).toThrow(/x\.idx is not an IDX file/);
    expect(() => parseIdx(images, 'y.idx', 1)).toThrow(/y\.idx: IDX has 3 dimensions, expected 1/);
    expect(() => parseIdx(images.subarray(0, images.length - 1), 'z.idx')).toThrow(
      expect.objectContaining({ code: 'TRUNCATED', message: expect.stringContaining('z.idx is truncated') }),
    );
    const trailing = new Uint8Array(images.length + 3);
    trailing.set(images);
    expect(() => parseIdx(trailing, 'w.idx')).toThrow(/w\.idx has 3 bytes of trailing data/);
  });

  it('reports a truncated gzip file by name, and a missing file as NOT_FOUND', async () => {
    const gz = gzipSync(encodeIdx([100, 3, 3], new Uint8Array(900).fill(9)));
    const path = join(temp.dir, 'cut.gz');
    await writeFile(path, gz.subarray(0, gz.length - 12));
    await expect(readIdxFile(path)).rejects.toMatchObject({
      code: 'TRUNCATED',
      message: expect.stringContaining(`${path} is truncated`),
    });
    await expect(readIdxFile(join(temp.dir, 'absent'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
