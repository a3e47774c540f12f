import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGreyImage, encodeGreyPng } from '../../../src/core/image/decode.js';

let folder = '';
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cipherlens-decode-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const ramp = (width: number, height: number): Uint8Array =>
  Uint8Array.from({ length: width * height }, (_, i) => (i * 37 + 11) % 256);

const solidRgb = (width: number, height: number, r: number, g: number, b: number): sharp.Sharp =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } });

/** A PNG made by hand, so a header can claim any dimensions whatever the payload. */
function handMadePng(width: number, height: number, rows: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function expectError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as { code?: string; message: string },
  );
  expect(error, 'expected a CipherLensError').not.toBeNull();
  expect(error?.code).toBe(code);
  if (message) expect(error?.message).toMatch(message);
}

describe('decodeGreyImage: formats', () => {
  it('round-trips a greyscale PNG exactly, with no conversion', async () => {
    const pixels = ramp(16, 16);
    const png = await encodeGreyPng({ pixels, width: 16, height: 16 });
    const image = await decodeGreyImage(png);
    expect(image.width).toBe(16);
    expect(image.height).toBe(16);
    expect(Buffer.from(image.pixels).equals(Buffer.from(pixels))).toBe(true);
    expect(image.source).toEqual({ width: 16, height: 16, format: 'png' });
    expect(image.conversion).toEqual([]);
  });

  it('reads a greyscale TIFF from disk losslessly', async () => {
    const pixels = ramp(12, 12);
    const path = join(folder, 'grey.tiff');
    await sharp(pixels, { raw: { width: 12, height: 12, channels: 1 } })
      .toColourspace('b-w')
      .tiff({ compression: 'lzw' })
      .toFile(path);
    const image = await decodeGreyImage(path);
    expect(image.source.format).toBe('tiff');
    expect(Buffer.from(image.pixels).equals(Buffer.from(pixels))).toBe(true);
  });

  it('reads a colour JPEG as greyscale and says how', async () => {
    const jpeg = await solidRgb(24, 24, 40, 160, 90).jpeg({ quality: 95 }).toBuffer();
    const image = await decodeGreyImage(jpeg);
    expect(image.source.format).toBe('jpeg');
    expect(image.pixels.length).toBe(24 * 24);
    expect(image.conversion.join(' ')).toMatch(/BT\.709/);
  });

  it('uses linear-light BT.709 luminance re-encoded with the sRGB curve', async () => {
    // Expected values from the sRGB transfer function: Y = 0.2126 → 127, 0.7152 → 220, 0.0722 → 76.
    const expected: [number, number, number, number][] = [
      [255, 0, 0, 127],
      [0, 255, 0, 220],
      [0, 0, 255, 76],
      [128, 128, 128, 128],
    ];
    for (const [r, g, b, grey] of expected) {
      const image = await decodeGreyImage(await solidRgb(2, 2, r, g, b).png().toBuffer());
      expect([...image.pixels]).toEqual([grey, grey, grey, grey]);
    }
  });

  it('composites alpha over black', async () => {
    const rgba = await sharp({
      create: { width: 2, height: 2, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const image = await decodeGreyImage(rgba);
    expect([...image.pixels]).toEqual([0, 0, 0, 0]);
    expect(image.conversion).toContain('alpha composited over black');
  });

  it('reduces 16-bit samples to 8 bits', async () => {
    const png16 = await solidRgb(3, 3, 255, 255, 255).toColourspace('rgb16').png().toBuffer();
    const image = await decodeGreyImage(png16);
    expect([...image.pixels]).toEqual(new Array(9).fill(255));
    expect(image.conversion.join(' ')).toMatch(/reduced to 8 bits/);
  });

  it('turns an image upright from its EXIF orientation', async () => {
    const jpeg = await solidRgb(8, 4, 200, 200, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeGreyImage(jpeg, { fit: 'pad' });
    expect(image.source).toMatchObject({ width: 4, height: 8 });
    expect(image.conversion[0]).toMatch(/EXIF orientation 6/);
  });
});

describe('decodeGreyImage: geometry', () => {
  const wide = async (): Promise<Buffer> =>
    encodeGreyPng({ pixels: new Uint8Array(6 * 4).fill(200), width: 6, height: 4 });

  it('refuses a non-square image unless a fit is given', async () => {
    await expectError(decodeGreyImage(await wide(), { name: 'wide.png' }), 'NOT_SQUARE', /wide\.png is 6×4/);
    await expectError(decodeGreyImage(await wide(), { size: 6 }), 'NOT_SQUARE');
  });

  it('pads to the longer side, centred on black, without scaling', async () => {
    const image = await decodeGreyImage(await wide(), { fit: 'pad' });
    expect([image.width, image.height]).toEqual([6, 6]);
    const rows = Array.from({ length: 6 }, (_, y) => [...image.pixels.subarray(y * 6, y * 6 + 6)]);
    expect(rows[0]).toEqual([0, 0, 0, 0, 0, 0]);
    for (let y = 1; y <= 4; y++) expect(rows[y]).toEqual([200, 200, 200, 200, 200, 200]);
    expect(rows[5]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('pads to a target size after scaling the longer side to it', async () => {
    const image = await decodeGreyImage(await wide(), { fit: 'pad', size: 12 });
    expect([image.width, image.height]).toEqual([12, 12]);
    // 6×4 scaled ×2 → 12×8, 2 black rows above and below.
    expect([...image.pixels.subarray(0, 24)]).toEqual(new Array(24).fill(0));
    expect([...image.pixels.subarray(2 * 12, 10 * 12)]).toEqual(new Array(96).fill(200));
    expect([...image.pixels.subarray(10 * 12)]).toEqual(new Array(24).fill(0));
    expect(image.conversion).toHaveLength(2);
  });

  it('stretches to the target size with fit resize', async () => {
    const image = await decodeGreyImage(await wide(), { fit: 'resize', size: 5 });
    expect([image.width, image.height]).toEqual([5, 5]);
    expect([...image.pixels]).toEqual(new Array(25).fill(200));
    expect(image.conversion[0]).toMatch(/stretched 6×4 → 5×5 \(lanczos3, aspect ratio not kept\)/);
  });

  it('scales a square image to the requested size', async () => {
    const png = await encodeGreyPng({ pixels: new Uint8Array(64).fill(90), width: 8, height: 8 });
    const image = await decodeGreyImage(png, { size: 4 });
    expect([image.width, image.height]).toEqual([4, 4]);
    expect([...image.pixels]).toEqual(new Array(16).fill(90));
  });

  it('rejects nonsense options', async () => {
    const png = await wide();
    await expectError(decodeGreyImage(png, { size: 0 }), 'BAD_SIZE');
    await expectError(decodeGreyImage(png, { size: 2.5 }), 'BAD_SIZE');
    await expectError(decodeGreyImage(png, { fit: 'crop' as never }), 'BAD_INPUT');
  });
});

describe('decodeGreyImage: bad input', () => {
  it('names a garbage file', async () => {
    const path = join(folder, 'garbage.png');
    await writeFile(path, 'this is not an image at all');
    await expectError(decodeGreyImage(path), 'IMAGE_DECODE', /garbage\.png/);
  });

  it('rejects a zero-byte file clearly', async () => {
    const path = join(folder, 'empty.jpg');
    await writeFile(path, '');
    await expectError(decodeGreyImage(path), 'IMAGE_DECODE', /empty\.jpg is empty \(0 bytes\)/);
  });

  it('reports a missing file as not found', async () => {
    await expectError(decodeGreyImage(join(folder, 'nope.png')), 'NOT_FOUND', /nope\.png/);
  });

  it('rejects truncated PNG and JPEG files', async () => {
    const png = await encodeGreyPng({ pixels: ramp(32, 32), width: 32, height: 32 });
    const pngPath = join(folder, 'cut.png');
    await writeFile(pngPath, png.subarray(0, Math.floor(png.length / 2)));
    await expectError(decodeGreyImage(pngPath), 'IMAGE_DECODE', /cut\.png/);

    const noise = await sharp({
      create: {
        width: 64,
        height: 64,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 50 },
      },
    })
      .jpeg()
      .toBuffer();
    const jpegPath = join(folder, 'cut.jpg');
    await writeFile(jpegPath, noise.subarray(0, Math.floor(noise.length / 2)));
    await expectError(decodeGreyImage(jpegPath), 'IMAGE_DECODE', /cut\.jpg/);
  });

  it('rejects a header that claims zero width', async () => {
    await expectError(decodeGreyImage(handMadePng(0, 4, new Uint8Array(4))), 'IMAGE_DECODE');
  });

  it('refuses a decompression bomb from its header, before decoding', async () => {
    // 60000×60000 declared (3.6 gigapixels) with a few bytes of payload.
    const bomb = handMadePng(60_000, 60_000, new Uint8Array(60_001));
    const started = Date.now();
    await expectError(
      decodeGreyImage(bomb, { name: 'bomb.png' }),
      'IMAGE_TOO_LARGE',
      /bomb\.png is 60000×60000/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('honours a caller-chosen pixel limit', async () => {
    const png = await encodeGreyPng({ pixels: ramp(20, 20), width: 20, height: 20 });
    await expectError(decodeGreyImage(png, { maxInputPixels: 399 }), 'IMAGE_TOO_LARGE', /399 pixels/);
    await expect(decodeGreyImage(png, { maxInputPixels: 400 })).resolves.toMatchObject({ width: 20 });
  });
});

describe('encodeGreyPng', () => {
  it('writes a one-channel 8-bit PNG', async () => {
    const png = await encodeGreyPng({ pixels: ramp(5, 3), width: 5, height: 3 });
    const metadata = await sharp(png).metadata();
    expect([metadata.format, metadata.channels, metadata.depth, metadata.width, metadata.height]).toEqual([
      'png',
      1,
      'uchar',
      5,
      3,
    ]);
  });

  it('refuses a pixel buffer of the wrong length', async () => {
    await expectError(encodeGreyPng({ pixels: new Uint8Array(5), width: 2, height: 2 }), 'BAD_INPUT');
    await expectError(encodeGreyPng({ pixels: new Uint8Array(0), width: 0, height: 0 }), 'BAD_SIZE');
  });
});
