import { describe, expect, it } from 'vitest';
import { CipherLensError } from '../../../src/core/errors.js';
import { decodeDicom, isDicom } from '../../../src/core/image/dicom.js';
import { encodeGreyPng } from '../../../src/core/image/decode.js';
import { readImage } from '../../../src/core/image/read-image.js';
import { TRANSFER_SYNTAX, writeDicom } from './dicom-writer.js';

async function expectError(run: () => Promise<unknown>, code: string, fragment: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CipherLensError);
  expect((caught as CipherLensError).code).toBe(code);
  expect((caught as CipherLensError).message).toMatch(fragment);
}

describe('decodeDicom', () => {
  it('reads 8-bit MONOCHROME2 without a window as the stored grey levels', async () => {
    const values = [0, 10, 128, 255];
    const image = await decodeDicom(writeDicom({ rows: 2, columns: 2, bitsAllocated: 8, values }));
    expect([...image.pixels]).toEqual(values);
    expect(image.source).toMatchObject({ width: 2, height: 2, frames: 1, photometric: 'MONOCHROME2' });
  });

  it("applies the file's window centre/width with DICOM's LINEAR function", async () => {
    // C=100.5, W=201: 0 → black, 200 → white, halfway values by ((x − 100) / 200 + 0.5) × 255.
    const file = writeDicom({
      rows: 1,
      columns: 5,
      values: [0, 50, 100, 200, 300],
      window: { center: 100.5, width: 201 },
    });
    const image = await decodeDicom(file);
    expect([...image.pixels]).toEqual([0, 64, 128, 255, 255]);
    expect(image.conversion.join(' | ')).toMatch(/window C=100.5 W=201 \(from the file\)/);
  });

  it('uses the first of several windows and says so', async () => {
    const file = writeDicom({
      rows: 1,
      columns: 2,
      values: [0, 200],
      window: { center: [100.5, 50], width: [201, 10] },
    });
    const image = await decodeDicom(file);
    expect([...image.pixels]).toEqual([0, 255]);
    expect(image.conversion.join(' | ')).toMatch(/first of 2 windows/);
  });

  it('rescales signed 16-bit CT values to Hounsfield units before windowing', async () => {
    // stored s → HU = s − 1024; window C=40 W=400 spans HU −160 … 240.
    const stored = [0, 1024 - 160, 1024 + 40, 1024 + 240, 2000];
    const file = writeDicom({
      rows: 1,
      columns: 5,
      signed: true,
      bitsStored: 12,
      values: stored,
      rescale: { slope: 1, intercept: -1024 },
      window: { center: 40, width: 400 },
    });
    const image = await decodeDicom(file);
    const expected = stored.map((s) => {
      const x = s - 1024;
      if (x <= 40 - 0.5 - 399 / 2) return 0;
      if (x > 40 - 0.5 + 399 / 2) return 255;
      return Math.round(((x - 39.5) / 399 + 0.5) * 255);
    });
    expect([...image.pixels]).toEqual(expected);
    expect(image.conversion[0]).toMatch(/16-bit signed \(12 bits stored\).*× 1 \+ -1024/);
  });

  it('sign-extends negative stored values and masks bits above BitsStored', async () => {
    // 12 bits stored, signed: 0xFFF is −1; the garbage high nibble of 0xAFFF must be ignored.
    const file = writeDicom({
      rows: 1,
      columns: 3,
      signed: true,
      bitsStored: 12,
      values: [0xafff, 0x0001, 0x07ff],
      window: { center: 0.5, width: 3 },
    });
    // window C=0.5 W=3: bottom −1, top 1 → −1 → 0, 1 → 255, 2047 → 255
    expect([...(await decodeDicom(file)).pixels]).toEqual([0, 255, 255]);
  });

  it('inverts MONOCHROME1 so that higher values are brighter', async () => {
    const file = writeDicom({
      rows: 1,
      columns: 3,
      bitsAllocated: 8,
      photometric: 'MONOCHROME1',
      values: [0, 100, 255],
    });
    const image = await decodeDicom(file);
    expect([...image.pixels]).toEqual([255, 155, 0]);
    expect(image.conversion.join(' | ')).toMatch(/MONOCHROME1: inverted/);
  });

  it('takes the chosen frame of a multi-frame object and refuses a frame that does not exist', async () => {
    const frames = [
      [1, 1, 1, 1],
      [2, 2, 2, 2],
      [3, 3, 3, 3],
    ];
    const file = writeDicom({ rows: 2, columns: 2, bitsAllocated: 8, frames: 3, values: frames.flat() });
    expect([...(await decodeDicom(file, { frame: 2 })).pixels]).toEqual([3, 3, 3, 3]);
    expect((await decodeDicom(file, { frame: 1 })).conversion[0]).toBe('frame 1 of 3 (counting from 0)');
    await expectError(
      () => decodeDicom(file, { frame: 3 }),
      'BAD_INPUT',
      /has 3 frames; frame 3 does not exist/,
    );
  });

  it('falls back to an automatic percentile window when the file has none', async () => {
    // 1000 values 0…999 plus two extreme outliers: the 0.5–99.5 percentile window ignores them.
    const values = [...Array.from({ length: 1000 }, (_, i) => i), 60000, 60000];
    const file = writeDicom({ rows: 1, columns: values.length, values });
    const image = await decodeDicom(file);
    expect(image.conversion.join(' | ')).toMatch(/no usable window.*automatic window/);
    expect(image.pixels[0]).toBe(0);
    expect(image.pixels[1000]).toBe(255);
    expect(image.pixels[500]).toBeGreaterThan(110);
    expect(image.pixels[500]).toBeLessThan(145);
  });

  it('honours an explicit window and the automatic one on request', async () => {
    const file = writeDicom({
      rows: 1,
      columns: 3,
      values: [0, 100, 200],
      window: { center: 100.5, width: 201 },
    });
    expect([...(await decodeDicom(file, { window: { center: 50, width: 100 } })).pixels]).toEqual([
      0, 255, 255,
    ]);
    const auto = await decodeDicom(file, { window: 'auto' });
    expect(auto.conversion.join(' | ')).toMatch(/automatic window: 0.5th–99.5th percentile \[0, 200\]/);
    expect([...auto.pixels]).toEqual([0, 128, 255]);
  });

  it('reads the same pixels from implicit VR and big-endian files', async () => {
    const spec = {
      rows: 2,
      columns: 2,
      values: [0, 1000, 2000, 4000],
      window: { center: 2000, width: 4000 },
    };
    const reference = [...(await decodeDicom(writeDicom(spec))).pixels];
    for (const transferSyntax of [TRANSFER_SYNTAX.implicitLittle, TRANSFER_SYNTAX.explicitBig]) {
      expect([...(await decodeDicom(writeDicom({ ...spec, transferSyntax }))).pixels]).toEqual(reference);
    }
  });

  it('converts 8-bit RGB with BT.601 luma', async () => {
    const file = writeDicom({
      rows: 1,
      columns: 2,
      bitsAllocated: 8,
      samplesPerPixel: 3,
      photometric: 'RGB',
      values: [255, 0, 0, 0, 0, 255],
    });
    expect([...(await decodeDicom(file)).pixels]).toEqual([76, 29]);
  });

  it('names a compressed transfer syntax it cannot decode', async () => {
    for (const [uid, name] of [
      ['1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level'],
      ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Image Compression \\(Lossless Only\\)'],
    ] as const) {
      const file = writeDicom({
        rows: 2,
        columns: 2,
        bitsAllocated: 8,
        values: [1, 2, 3, 4],
        transferSyntax: uid,
      });
      await expectError(
        () => decodeDicom(file, { name: 'ct.dcm' }),
        'IMAGE_DECODE',
        new RegExp(`ct.dcm is compressed with ${name} \\(${uid.replace(/\./g, '\\.')}\\)`),
      );
    }
  });

  it('reports truncated pixel data and garbage clearly', async () => {
    const full = writeDicom({ rows: 8, columns: 8, values: new Array(64).fill(7) });
    await expectError(
      () => decodeDicom(full.subarray(0, full.length - 10)),
      'TRUNCATED',
      /truncated|ends early/,
    );
    await expectError(() => decodeDicom(new Uint8Array(50)), 'BAD_FORMAT', /not a DICOM file/);
    const garbage = new Uint8Array(400).fill(0x5a);
    garbage.set(new TextEncoder().encode('DICM'), 128);
    await expect(decodeDicom(garbage)).rejects.toThrow(CipherLensError);
  });

  it('refuses images without pixel data, unsupported depths and photometrics', async () => {
    const noPixels = writeDicom({ rows: 2, columns: 2, bitsAllocated: 8, values: [] });
    await expectError(() => decodeDicom(noPixels), 'TRUNCATED', /truncated/);
    const palette = writeDicom({
      rows: 1,
      columns: 1,
      bitsAllocated: 8,
      photometric: 'PALETTE COLOR',
      values: [1],
    });
    await expectError(() => decodeDicom(palette), 'IMAGE_DECODE', /PALETTE COLOR/);
  });

  it('refuses frames over the pixel limit before reading them', async () => {
    const file = writeDicom({ rows: 4, columns: 4, bitsAllocated: 8, values: new Array(16).fill(0) });
    await expectError(() => decodeDicom(file, { maxInputPixels: 15 }), 'IMAGE_TOO_LARGE', /4×4 pixels/);
  });
});

describe('readImage', () => {
  it('recognises DICOM by content and makes it square at the requested size', async () => {
    const file = writeDicom({
      rows: 2,
      columns: 4,
      bitsAllocated: 8,
      values: [0, 50, 100, 150, 0, 50, 100, 150],
    });
    expect(isDicom(file)).toBe(true);
    const image = await readImage(file, { name: 'wide.dcm', size: 8, fit: 'pad' });
    expect(image.width).toBe(8);
    expect(image.height).toBe(8);
    expect(image.source).toEqual({ width: 4, height: 2, format: 'dicom' });
    expect(image.conversion.join(' | ')).toMatch(/DICOM 8-bit unsigned.*padded 8×4 → 8×8/);
  });

  it('passes other images to the sharp decoder', async () => {
    const png = await encodeGreyPng({ pixels: new Uint8Array([1, 2, 3, 4]), width: 2, height: 2 });
    const image = await readImage(png, { name: 'tiny.png' });
    expect([...image.pixels]).toEqual([1, 2, 3, 4]);
    expect(image.source.format).toBe('png');
  });

  it('refuses a non-square DICOM when no fit is asked for', async () => {
    const file = writeDicom({ rows: 2, columns: 4, bitsAllocated: 8, values: new Array(8).fill(0) });
    await expect(readImage(file, { name: 'wide.dcm', fit: 'error' })).rejects.toMatchObject({
      code: 'NOT_SQUARE',
    });
  });
});
