import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';

/** A fresh temporary folder; call the returned cleanup in afterEach. */
export async function makeTempDir(
  prefix = 'cipherlens-datasets-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface TarMember {
  name: string;
  data?: Uint8Array;
  type?: '0' | '5' | '2';
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, type: string, format: 'ustar' | 'gnu'): Buffer {
  const block = Buffer.alloc(512);
  block.write(name.slice(0, 100), 0, 'utf8');
  block.write(octal(0o644, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(size, 12), 124);
  block.write(octal(1551293134, 12), 136);
  block.write(' '.repeat(8), 148);
  block.write(type, 156);
  if (format === 'ustar') block.write('ustar\u000000', 257, 'latin1');
  else block.write('ustar  \u0000', 257, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

const pad = (length: number): Buffer => Buffer.alloc((512 - (length % 512)) % 512);

/** A tar archive (GNU flavour by default: names over 100 bytes get a ././@LongLink 'L' entry). */
export function makeTar(members: readonly TarMember[], format: 'ustar' | 'gnu' = 'gnu'): Buffer {
  const blocks: Buffer[] = [];
  for (const member of members) {
    const data = Buffer.from(member.data ?? new Uint8Array(0));
    const type = member.type ?? '0';
    if (Buffer.byteLength(member.name) > 100) {
      const longName = Buffer.from(`${member.name}\0`);
      blocks.push(header('././@LongLink', longName.length, 'L', 'gnu'), longName, pad(longName.length));
    }
    blocks.push(header(member.name, type === '0' ? data.length : 0, type, format));
    if (type === '0') blocks.push(data, pad(data.length));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const makeTarGz = (members: readonly TarMember[]): Buffer => gzipSync(makeTar(members));

/** A deterministic size×size grey test pattern, distinct per `seed`. */
export function pattern(size: number, seed: number): Uint8Array {
  const pixels = new Uint8Array(size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + seed * 31 + ((i * seed) % 13)) & 0xff;
  return pixels;
}

/** Flat-ish image whose value JPEG keeps exactly (large uniform blocks). */
export function flatImage(size: number, value: number): Uint8Array {
  return new Uint8Array(size * size).fill(value);
}

export const greyPng = (pixels: Uint8Array, width: number, height = width): Promise<Buffer> =>
  sharp(pixels, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();

export const greyJpeg = (pixels: Uint8Array, width: number, height = width): Promise<Buffer> =>
  sharp(pixels, { raw: { width, height, channels: 1 } })
    .jpeg({ quality: 95 })
    .toBuffer();

/** Decodes with sharp the way the readers do, to compare JPEG content without assuming losslessness. */
export async function decodeGrey(bytes: Uint8Array): Promise<Uint8Array> {
  const { data } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}
