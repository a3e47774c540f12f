import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTarEntries, readTarGzFile, type TarEntry } from '../../../src/core/datasets/tar.js';
import { makeTar, makeTempDir } from './fixtures.js';

async function drain(entries: AsyncIterable<TarEntry>): Promise<number> {
  let count = 0;
  for await (const entry of entries) if (entry) count++;
  return count;
}
async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

describe('tar caps: per member, total, member count', () => {
  const members = Array.from({ length: 5 }, (_, i) => ({
    name: `R/A/${i}.jpeg`,
    data: Buffer.alloc(1000, i),
  }));
  const tar = makeTar(members);

  it('a member over the per-member cap is TOO_LARGE, before its data is read', async () => {
    await expect(drain(readTarEntries(once(tar), 't.tar', { maxEntryBytes: 999 }))).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringContaining('over the 999-byte limit'),
    });
  });

  it('an archive past the total cap is TOO_LARGE at the member that crosses it', async () => {
    await expect(drain(readTarEntries(once(tar), 't.tar', { maxTotalBytes: 4000 }))).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringMatching(/takes the archive past/),
    });
    expect(await drain(readTarEntries(once(tar), 't.tar', { maxTotalBytes: tar.length }))).toBe(5);
  });

  it('more members than the cap is TOO_LARGE', async () => {
    await expect(drain(readTarEntries(once(tar), 't.tar', { maxEntries: 4 }))).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
  });

  it('readTarGzFile: a gzip bomb stops at the total cap; a FIFO is refused without waiting', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      // One 8 MiB member of zeros: ~8 KB of gzip.
      const bomb = gzipSync(makeTar([{ name: 'R/A/big.jpeg', data: Buffer.alloc(8 * 1024 * 1024) }]));
      const path = join(dir, 'bomb.tar.gz');
      await writeFile(path, bomb);
      await expect(drain(readTarGzFile(path, { maxTotalBytes: 1024 * 1024 }))).rejects.toMatchObject({
        code: 'TOO_LARGE',
      });
      expect(await drain(readTarGzFile(path))).toBe(1);
      if (process.platform !== 'win32') {
        const fifo = join(dir, 'pipe.tar.gz');
        execFileSync('mkfifo', [fifo]);
        await expect(drain(readTarGzFile(fifo))).rejects.toMatchObject({ code: 'BAD_INPUT' });
      }
    } finally {
      await cleanup();
    }
  });
});
