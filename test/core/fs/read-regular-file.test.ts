import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdx, readIdxFile, MAX_IDX_DATA_BYTES } from '../../../src/core/datasets/idx.js';
import { maybeGunzip } from '../../../src/core/datasets/gzip.js';
import { loadKeyFile } from '../../../src/core/crypto/keys.js';
import { readContainerFile } from '../../../src/core/crypto/container.js';
import { readRegularFile, streamRegularFile } from '../../../src/core/fs/read.js';
import { readImageFile } from '../../../src/core/image/decode.js';

const posix = process.platform !== 'win32';
let dir: string;
let fifo: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cipherlens-regular-'));
  fifo = join(dir, 'pipe');
  if (posix) execFileSync('mkfifo', [fifo]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Resolves within `ms` or fails: the old code never settled on a FIFO. */
function within<T>(promise: Promise<T>, ms = 3000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)),
  ]);
}

describe.skipIf(!posix)('readRegularFile: only regular files, never past the cap', () => {
  it('refuses a FIFO at once (no writer needed), a device, a symlink to a device and a folder', async () => {
    await expect(within(readRegularFile(fifo, 1024))).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('FIFO'),
    });
    await expect(readRegularFile('/dev/zero', 1024)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const link = join(dir, 'zero.clens');
    await symlink('/dev/zero', link);
    await expect(within(readContainerFile(link))).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('is not a regular file (it is a device)'),
    });
    await expect(readRegularFile(dir, 1024)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    // Workspace files: a symlink is not followed at all.
    const target = join(dir, 'target');
    await writeFile(target, 'x');
    const plainLink = join(dir, 'plain-link');
    await symlink(target, plainLink);
    expect((await readRegularFile(plainLink, 10)).toString()).toBe('x');
    await expect(readRegularFile(plainLink, 10, { noFollow: true })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
  });

  it('every caller-named read goes through it: keys, images, containers, IDX', async () => {
    for (const read of [
      (): Promise<unknown> => loadKeyFile(fifo),
      () => readImageFile(fifo),
      () => readContainerFile(fifo),
      () => readIdxFile(fifo),
      () => readIdxFile('/dev/zero'),
    ]) {
      await expect(within(read())).rejects.toMatchObject({ code: 'BAD_INPUT' });
    }
  });

  it('refuses a file over the cap before reading, with the limit in the message', async () => {
    const big = join(dir, 'big');
    await writeFile(big, '');
    await truncate(big, 2049);
    await expect(readRegularFile(big, 2048)).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringContaining('2048 bytes'),
    });
    await expect(readRegularFile(join(dir, 'absent'), 10)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await readRegularFile(big, 4096)).length).toBe(2049);
  });

  it('the streaming variant stops a file that grows past its cap while being read', async () => {
    const growing = join(dir, 'growing');
    await writeFile(growing, Buffer.alloc(2048, 1));
    const chunks = streamRegularFile(growing, 3000, { chunkBytes: 1024 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const chunk of chunks) {
          seen.push(chunk.length);
          if (seen.length === 1) await appendFile(growing, Buffer.alloc(4096, 2));
        }
      })(),
    ).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(seen.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3000);
  });
});

describe('decompression is capped by what the format needs', () => {
  it('a gzip bomb in an IDX file fails at the first byte past the header-declared size', async () => {
    // Header: 1×28×28 images, then 256 MiB of zeros (≈ 256 KB compressed).
    const header = encodeIdx([1, 28, 28], new Uint8Array(784));
    const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(256 * 1024 * 1024)]), { level: 1 });
    const path = join(dir, 'bomb-idx3-ubyte.gz');
    await writeFile(path, bomb);
    const before = process.memoryUsage().rss;
    await expect(readIdxFile(path, 3)).rejects.toMatchObject({
      code: 'BAD_FORMAT',
      message: expect.stringContaining('trailing data'),
    });
    // The whole inflated stream is never held: far less than the 256 MiB it would inflate to.
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
  });

  it('an IDX header declaring more than the limit is refused before any allocation', async () => {
    const huge = Buffer.from(encodeIdx([60000, 28, 28], new Uint8Array(0)));
    huge.writeUInt32BE(0xffffffff, 4);
    const path = join(dir, 'huge-idx3-ubyte.gz');
    await writeFile(path, gzipSync(huge));
    await expect(readIdxFile(path, 3)).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringContaining(String(MAX_IDX_DATA_BYTES)),
    });
  });

  it('a correct gzipped IDX file still reads, and maybeGunzip stops at its cap', async () => {
    const data = Uint8Array.from({ length: 2 * 4 * 4 }, (_, i) => i);
    const path = join(dir, 'ok-idx3-ubyte.gz');
    await writeFile(path, gzipSync(encodeIdx([2, 4, 4], data)));
    const parsed = await readIdxFile(path, 3);
    expect(parsed.dims).toEqual([2, 4, 4]);
    expect(Array.from(parsed.data)).toEqual(Array.from(data));
    await expect(maybeGunzip(gzipSync(Buffer.alloc(1 << 20)), 'z.gz', 1000)).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
  });
});
