import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMAGE_FILE_BYTES, readImageFile } from '../../../src/core/image/decode.js';
import { loadKeyFile } from '../../../src/core/crypto/keys.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cipherlens-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Paths can come from API requests: a device or a huge file must be refused before anything is read.
describe('reading files named by a caller', () => {
  it.skipIf(process.platform === 'win32')('refuses a device as an image or a key file', async () => {
    await expect(readImageFile('/dev/zero')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(loadKeyFile('/dev/zero')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('refuses a directory and an oversized image file, and reads a normal one', async () => {
    await expect(readImageFile(dir)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const huge = join(dir, 'huge.png');
    await writeFile(huge, '');
    await truncate(huge, MAX_IMAGE_FILE_BYTES + 1); // sparse: takes no disk space
    await expect(readImageFile(huge)).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    const small = join(dir, 'small.bin');
    await writeFile(small, Buffer.from([1, 2, 3]));
    expect(Array.from(await readImageFile(small))).toEqual([1, 2, 3]);
    await expect(readImageFile(join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
