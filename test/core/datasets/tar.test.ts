import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { gunzipStream } from '../../../src/core/datasets/gzip.js';
import { readTarEntries, type TarEntry } from '../../../src/core/datasets/tar.js';
import { makeTar, makeTempDir } from './fixtures.js';

/** Feeds the archive in awkward chunk sizes so block boundaries never line up with chunks. */
async function* chunked(bytes: Buffer, size = 97): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(source: AsyncIterable<Buffer>): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  for await (const entry of readTarEntries(source, 'test.tar')) entries.push(entry);
  return entries;
}

const longName = `Root/${'LongClassName'.repeat(10)}/000001.jpeg`;
const members = [
  { name: 'Root/', type: '5' as const },
  { name: 'Root/A/000000.jpeg', data: Buffer.from('first file') },
  { name: 'Root/A/empty.jpeg', data: new Uint8Array(0) },
  { name: longName, data: Buffer.alloc(1500, 7) },
];

describe('readTarEntries', () => {
  it.each(['gnu', 'ustar'] as const)(
    'reads %s members, including long names, across chunk boundaries',
    async (format) => {
      const archive = makeTar(format === 'gnu' ? members : members.slice(0, 3), format);
      const entries = await collect(chunked(archive));
      expect(entries.map((e) => [e.name, e.type, e.size])).toEqual(
        [
          ['Root/', 'directory', 0],
          ['Root/A/000000.jpeg', 'file', 10],
          ['Root/A/empty.jpeg', 'file', 0],
          [longName, 'file', 1500],
        ].slice(0, format === 'gnu' ? 4 : 3),
      );
      expect(entries[1]!.data!.toString()).toBe('first file');
      if (format === 'gnu') expect(entries[3]!.data!.every((b) => b === 7)).toBe(true);
    },
  );

  it('reports a truncated archive with the member it stopped in', async () => {
    const archive = makeTar(members);
    const cut = archive.subarray(0, archive.length - 1024 - 600);
    await expect(collect(chunked(cut))).rejects.toMatchObject({
      code: 'TRUNCATED',
      message: expect.stringContaining(`test.tar is truncated: the archive ends inside member ${longName}`),
    });
  });

  it('detects a corrupted header by its checksum', async () => {
    const archive = Buffer.from(makeTar(members));
    archive[512 + 3] = archive[512 + 3]! ^ 0x20;
    await expect(collect(chunked(archive))).rejects.toThrow(
      /test\.tar is corrupt: tar header checksum mismatch at byte 512/,
    );
  });

  it('reads through gunzip, and names the file when the gzip stream is cut', async () => {
    const gz = gzipSync(makeTar(members));
    const entries = await collect(gunzipStream(Readable.from(chunked(gz)), 'a.tar.gz'));
    expect(entries).toHaveLength(4);
    const truncated = gunzipStream(Readable.from(chunked(gz.subarray(0, gz.length - 40))), 'a.tar.gz');
    await expect(collect(truncated)).rejects.toMatchObject({
      code: 'TRUNCATED',
      message: expect.stringContaining('a.tar.gz is truncated'),
    });
  });

  it.skipIf(!existsSync('/usr/bin/tar')).each(['gnu', 'pax', 'ustar'])(
    'reads archives written by GNU tar --format=%s',
    async (format) => {
      const temp = await makeTempDir();
      try {
        const deep = format === 'ustar' ? 'Class' : 'C'.repeat(120);
        await mkdir(join(temp.dir, 'Root', deep), { recursive: true });
        await writeFile(join(temp.dir, 'Root', deep, 'a.jpeg'), 'alpha');
        await writeFile(join(temp.dir, 'Root', deep, 'b.jpeg'), Buffer.alloc(700, 3));
        const archive = join(temp.dir, 'x.tar.gz');
        execFileSync('/usr/bin/tar', [`--format=${format}`, '-czf', archive, '-C', temp.dir, 'Root']);
        const entries = await collect(gunzipStream(createReadStream(archive), archive));
        const files = entries.filter((e) => e.type === 'file');
        expect(files.map((e) => e.name).sort()).toEqual([`Root/${deep}/a.jpeg`, `Root/${deep}/b.jpeg`]);
        expect(files.find((e) => e.name.endsWith('a.jpeg'))!.data!.toString()).toBe('alpha');
      } finally {
        await temp.cleanup();
      }
    },
  );
});
