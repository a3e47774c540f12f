import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMednist, loadMednistFolder, loadMednistTar } from '../../../src/core/datasets/mednist.js';
import {
  decodeGrey,
  greyJpeg,
  greyPng,
  makeTarGz,
  makeTempDir,
  pattern,
  type TarMember,
} from './fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(() => temp.cleanup());

/** Three classes of 64×64 images, listed out of order in the archive to prove the reader sorts them. */
async function tinyMednistMembers(): Promise<{ members: TarMember[]; files: Map<string, Uint8Array> }> {
  const files = new Map<string, Uint8Array>();
  const spec: [string, string, number][] = [
    ['Hand', '000001.jpeg', 5],
    ['CXR', '000000.jpeg', 1],
    ['Hand', '000000.jpeg', 4],
    ['ChestCT', '000000.png', 3],
    ['CXR', '000001.jpeg', 2],
  ];
  for (const [className, fileName, seed] of spec) {
    const pixels = pattern(64, seed);
    const bytes = fileName.endsWith('.png') ? await greyPng(pixels, 64) : await greyJpeg(pixels, 64);
    files.set(`${className}/${fileName}`, bytes);
  }
  const members: TarMember[] = [{ name: 'MedNIST/', type: '5' }];
  for (const [path, data] of files) members.push({ name: `MedNIST/${path}`, data });
  members.push({ name: 'MedNIST/README.txt', data: Buffer.from('not an image') });
  return { members, files };
}

const tinyCounts = { CXR: 2, ChestCT: 1, Hand: 2 };

describe('MedNIST', () => {
  it('reads the tarball: classes in byte order, images sorted by (class, file), decoded pixels', async () => {
    const { members, files } = await tinyMednistMembers();
    const tarPath = join(temp.dir, 'MedNIST.tar.gz');
    await writeFile(tarPath, makeTarGz(members));
    const dataset = await loadMednistTar(tarPath, { expectedCounts: tinyCounts });
    expect(dataset.classes).toEqual(['CXR', 'ChestCT', 'Hand']);
    const part = dataset.parts.all!;
    expect([...part.labels]).toEqual([0, 0, 1, 2, 2]);
    const order = [
      'CXR/000000.jpeg',
      'CXR/000001.jpeg',
      'ChestCT/000000.png',
      'Hand/000000.jpeg',
      'Hand/000001.jpeg',
    ];
    for (const [index, path] of order.entries()) {
      const expected = await decodeGrey(files.get(path)!);
      expect(
        Buffer.from(part.images.subarray(index * 4096, (index + 1) * 4096)).equals(Buffer.from(expected)),
      ).toBe(true);
    }
    expect(dataset.splitPolicy).toEqual({ kind: 'stratified-fractions', val: 0.1, test: 0.1 });
    expect(dataset.source.kind).toBe('mednist-tar');
    expect(dataset.source.files[0]).toMatchObject({
      name: 'MedNIST.tar.gz',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('gives the same images from the extracted folder as from the tarball', async () => {
    const { members, files } = await tinyMednistMembers();
    await writeFile(join(temp.dir, 'MedNIST.tar.gz'), makeTarGz(members));
    const folder = join(temp.dir, 'extracted', 'MedNIST');
    for (const [path, data] of files) {
      await mkdir(join(folder, path.split('/')[0]!), { recursive: true });
      await writeFile(join(folder, path), data);
    }
    const fromTar = await loadMednist(temp.dir, { expectedCounts: tinyCounts });
    const fromFolder = await loadMednist(join(temp.dir, 'extracted'), { expectedCounts: tinyCounts });
    expect(fromFolder.source.kind).toBe('class-folders');
    expect(fromFolder.classes).toEqual(fromTar.classes);
    expect([...fromFolder.parts.all!.labels]).toEqual([...fromTar.parts.all!.labels]);
    expect(Buffer.from(fromFolder.parts.all!.images).equals(Buffer.from(fromTar.parts.all!.images))).toBe(
      true,
    );
  });

  it('fails on unexpected class counts, naming the archive and the class', async () => {
    const { members } = await tinyMednistMembers();
    const tarPath = join(temp.dir, 'MedNIST.tar.gz');
    await writeFile(tarPath, makeTarGz(members));
    await expect(
      loadMednistTar(tarPath, { expectedCounts: { ...tinyCounts, Hand: 3, BreastMRI: 1 } }),
    ).rejects.toMatchObject({
      code: 'DATASET',
      message: expect.stringMatching(
        /MedNIST\.tar\.gz has unexpected class counts.*Hand: 2 \(expected 3\).*BreastMRI: 0 \(expected 1\)/,
      ),
    });
  });

  it('names the member when a JPEG inside the tarball is corrupt', async () => {
    const { members } = await tinyMednistMembers();
    const broken = members.map((m) =>
      m.name === 'MedNIST/Hand/000000.jpeg' ? { ...m, data: Buffer.from(m.data!).subarray(0, 200) } : m,
    );
    const tarPath = join(temp.dir, 'MedNIST.tar.gz');
    await writeFile(tarPath, makeTarGz(broken));
    await expect(loadMednistTar(tarPath, { expectedCounts: null })).rejects.toMatchObject({
      code: 'IMAGE_DECODE',
      message: expect.stringContaining('MedNIST.tar.gz:MedNIST/Hand/000000.jpeg'),
    });
  });

  it('names the tarball when it is truncated, and reports a missing dataset', async () => {
    const { members } = await tinyMednistMembers();
    const gz = makeTarGz(members);
    const tarPath = join(temp.dir, 'MedNIST.tar.gz');
    await writeFile(tarPath, gz.subarray(0, Math.floor(gz.length / 2)));
    await expect(loadMednistTar(tarPath, { expectedCounts: null })).rejects.toMatchObject({
      code: 'TRUNCATED',
      message: expect.stringContaining(tarPath),
    });
    await expect(loadMednist(join(temp.dir, 'nowhere'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses images that are not 64×64', async () => {
    const folder = join(temp.dir, 'MedNIST');
    await mkdir(join(folder, 'A'), { recursive: true });
    await mkdir(join(folder, 'B'), { recursive: true });
    await writeFile(join(folder, 'A', '0.png'), await greyPng(pattern(64, 1), 64));
    await writeFile(join(folder, 'B', '0.png'), await greyPng(pattern(64 * 32, 1), 64, 32));
    await expect(loadMednistFolder(folder, { expectedCounts: null })).rejects.toMatchObject({
      code: 'NOT_SQUARE',
    });
  });
});
