import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClassFolders } from '../../../src/core/datasets/class-folders.js';
import { flatImage, greyJpeg, greyPng, makeTempDir, pattern } from './fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(() => temp.cleanup());

async function put(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, bytes);
}

describe('loadClassFolders', () => {
  it('labels by sub-folder, resizes to the target size and ignores non-images', async () => {
    await put(join(temp.dir, 'cats', 'a.png'), await greyPng(pattern(32, 1), 32));
    await put(join(temp.dir, 'cats', 'b.JPG'), await greyJpeg(flatImage(32, 200), 32));
    await put(join(temp.dir, 'cats', 'notes.txt'), Buffer.from('ignored'));
    await put(join(temp.dir, 'dogs', 'c.png'), await greyPng(flatImage(16, 50), 16));
    const progress: number[] = [];
    const dataset = await loadClassFolders(temp.dir, {
      imageSize: 16,
      name: 'pets',
      onProgress: (done) => progress.push(done),
    });
    expect(dataset.name).toBe('pets');
    expect(dataset.classes).toEqual(['cats', 'dogs']);
    expect([...dataset.parts.all!.labels]).toEqual([0, 0, 1]);
    expect(dataset.parts.all!.images.length).toBe(3 * 256);
    expect([...dataset.parts.all!.images.subarray(512)].every((v) => v === 50)).toBe(true);
    expect(progress.sort((a, b) => a - b)).toEqual([1, 2, 3]);
    expect(dataset.source.files[0]).toMatchObject({ name: expect.stringContaining('(3 files)') });
  });

  it('pads non-square images when asked, refuses them otherwise', async () => {
    await put(join(temp.dir, 'a', 'wide.png'), await greyPng(flatImage(8 * 4, 255), 8, 4));
    await put(join(temp.dir, 'b', 'square.png'), await greyPng(flatImage(64, 10), 8));
    await expect(loadClassFolders(temp.dir, { imageSize: 8 })).rejects.toMatchObject({ code: 'NOT_SQUARE' });
    const padded = await loadClassFolders(temp.dir, { imageSize: 8, fit: 'pad' });
    const wide = padded.parts.all!.images.subarray(0, 64);
    expect([...wide.subarray(0, 16)].every((v) => v === 0)).toBe(true);
    expect([...wide.subarray(16, 48)].every((v) => v === 255)).toBe(true);
  });

  it('gives clear errors for a missing folder, too few classes and an empty class', async () => {
    await expect(loadClassFolders(join(temp.dir, 'absent'), { imageSize: 8 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await put(join(temp.dir, 'only', 'x.png'), await greyPng(flatImage(64, 1), 8));
    await expect(loadClassFolders(temp.dir, { imageSize: 8 })).rejects.toThrow(
      /one sub-folder per class \(found 1\)/,
    );
    await mkdir(join(temp.dir, 'empty'));
    await expect(loadClassFolders(temp.dir, { imageSize: 8 })).rejects.toThrow(
      /no PNG\/JPEG images.*: empty/,
    );
  });
});
