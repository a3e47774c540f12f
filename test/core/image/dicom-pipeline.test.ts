import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../../src/core/datasets/cache.js';
import { loadClassFolders } from '../../../src/core/datasets/class-folders.js';
import { CipherLensError } from '../../../src/core/errors.js';
import { markUntransformedRgb } from '../../../src/core/image/codecs/dicom-jpeg-baseline.js';
import { imagePipelineIdentity } from '../../../src/core/image/codecs/index.js';
import { encodeGreyPng } from '../../../src/core/image/decode.js';
import { decodeDicom, dicomDimensions, renderModality, sniffDicom } from '../../../src/core/image/dicom.js';
import { collectInputFiles, IMAGE_EXTENSIONS } from '../../../src/core/image/files.js';
import { readImage } from '../../../src/core/image/read-image.js';
import { temporaryFolder } from '../workspace/helpers.js';
import { concat, TRANSFER_SYNTAX, writeDicom } from './dicom-writer.js';

async function rejection(promise: Promise<unknown>): Promise<CipherLensError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CipherLensError);
  return error as CipherLensError;
}

/** A DICOM RLE frame (PS3.5 G): 64-byte header with the segment offsets, then the PackBits segments. */
function rleFrame(segments: number[][]): Uint8Array {
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((segment, i) => {
    view.setUint32(4 + 4 * i, offset, true);
    offset += segment.length;
  });
  return concat([header, ...segments.map((s) => Uint8Array.from(s))]);
}

/** Where the data set starts in a file from writeDicom: after preamble, "DICM" and the meta group. */
function dataSetStart(file: Uint8Array): number {
  return 144 + new DataView(file.buffer, file.byteOffset).getUint32(140, true);
}

describe('DICOM transfer syntaxes and framings', () => {
  const spec = {
    rows: 2,
    columns: 2,
    bitsAllocated: 16 as const,
    signed: true,
    values: [-1000, 0, 40, 3000],
  };

  it('decodes RLE Lossless: literal and repeat runs, 16-bit as two byte segments, frame by frame', async () => {
    // Frame 0: -1000, 0, 40, 3000 as 16-bit two's complement, high bytes then low bytes (literal runs).
    const high = [3, 0xfc, 0x00, 0x00, 0x0b];
    const low = [3, 0x18, 0x00, 0x28, 0xb8];
    // Frame 1: 7, 7, 7, 7 — one repeat run per segment.
    const frames = [
      rleFrame([high, low]),
      rleFrame([
        [0xfd, 0],
        [0xfd, 7],
      ]),
    ];
    const file = writeDicom({ ...spec, frames: 2, transferSyntax: TRANSFER_SYNTAX.rle, fragments: frames });
    const first = await decodeDicom(file);
    expect([...first.modality]).toEqual([-1000, 0, 40, 3000]);
    expect(first.decoder.name).toBe('cipherlens-rle');
    expect([...(await decodeDicom(file, { frame: 1 })).modality]).toEqual([7, 7, 7, 7]);

    const short = writeDicom({
      ...spec,
      transferSyntax: TRANSFER_SYNTAX.rle,
      fragments: [rleFrame([[3, 1, 2], low])],
    });
    expect((await rejection(decodeDicom(short, { name: 'rle.dcm' }))).message).toMatch(
      /rle\.dcm: the RLE data is invalid: segment 1 has a literal run past its end/,
    );
  });

  it('reads deflated data sets, with the inflate output capped', async () => {
    const plain = writeDicom({ ...spec, transferSyntax: '1.2.840.10008.1.2.1.99' });
    const start = dataSetStart(plain);
    const deflated = concat([plain.subarray(0, start), deflateRawSync(plain.subarray(start))]);
    expect([...(await decodeDicom(deflated)).modality]).toEqual(spec.values);
    // The budget's header read inflates only the start of the data set.
    expect(dicomDimensions(deflated)).toEqual({ rows: 2, columns: 2 });
    const broken = concat([
      plain.subarray(0, start),
      Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0x07 : 0)),
    ]);
    expect((await rejection(decodeDicom(broken, { name: 'dfl.dcm' }))).message).toMatch(
      /dfl\.dcm declares a deflated data set that cannot be inflated/,
    );
  });

  it('reads files without the preamble and bare data sets without file meta information', async () => {
    const file = writeDicom({ ...spec, transferSyntax: TRANSFER_SYNTAX.implicitLittle });
    const noPreamble = file.subarray(128);
    expect(sniffDicom(noPreamble)).toBe('part10-no-preamble');
    const a = await decodeDicom(noPreamble);
    expect([...a.modality]).toEqual(spec.values);
    expect(a.conversion).toContain('DICOM file without the 128-byte preamble');

    const bare = file.subarray(dataSetStart(file));
    expect(sniffDicom(bare)).toBe('raw-implicit');
    const b = await decodeDicom(bare);
    expect([...b.modality]).toEqual(spec.values);
    expect(b.conversion[0]).toMatch(/bare DICOM data set .* Implicit VR Little Endian/);

    const explicit = writeDicom({ ...spec, transferSyntax: TRANSFER_SYNTAX.explicitBig });
    expect(sniffDicom(explicit.subarray(dataSetStart(explicit)))).toBe('raw-explicit-big');
    expect([...(await decodeDicom(explicit.subarray(dataSetStart(explicit)))).modality]).toEqual(spec.values);

    // Neither text nor random bytes pass for a bare data set.
    expect(
      sniffDicom(new TextEncoder().encode('just a text file that is long enough to sniff\n')),
    ).toBeNull();
    expect(sniffDicom(Uint8Array.from({ length: 512 }, (_, i) => (i * 7919) % 251))).toBeNull();
  });

  it('turns a deeply nested sequence into a clear error, not a stack overflow', async () => {
    const depth = 60_000;
    const sequence = [0x40, 0x00, 0x30, 0xa7, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff]; // (0040,A730) SQ, undefined
    const item = [0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff];
    const itemEnd = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0];
    const sequenceEnd = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];
    const open = Uint8Array.from([...item, ...sequence]);
    const close = Uint8Array.from([...sequenceEnd, ...itemEnd]);
    const nest = concat([
      ...Array.from({ length: depth }, () => open),
      ...Array.from({ length: depth }, () => close),
    ]);
    const file = writeDicom({ ...spec, extra: [{ tag: [0x0040, 0xa730], vr: 'SQ', value: nest }] });
    const error = await rejection(decodeDicom(file, { name: 'deep.dcm' }));
    expect(error.message).not.toMatch(/call stack/i);
    expect(error.message).toMatch(/^deep\.dcm /);
  });
});

describe('modality values, windows and header fields', () => {
  it('refuses an unusable rescale slope with the value in the message', async () => {
    const file = writeDicom({ rows: 1, columns: 2, values: [1, 2], rescale: { slope: 1e308, intercept: 0 } });
    expect((await rejection(decodeDicom(file, { name: 'big.dcm' }))).message).toMatch(
      /big\.dcm: rescale slope 1e\+308 is not a usable value/,
    );
  });

  it('exposes modality values, the window used, the presets and the header fields', async () => {
    const file = writeDicom({
      rows: 1,
      columns: 3,
      signed: true,
      values: [-1024, 0, 1000],
      rescale: { slope: 2, intercept: -1 },
      window: { center: [40, 300], width: [400, 1500] },
      extra: [
        { tag: [0x0008, 0x0020], vr: 'DA', value: '20240131' },
        { tag: [0x0008, 0x0060], vr: 'CS', value: 'CT' },
        { tag: [0x0010, 0x0010], vr: 'PN', value: 'Doe^Jane' },
        { tag: [0x0010, 0x0020], vr: 'LO', value: 'ID-123' },
        { tag: [0x0018, 0x0015], vr: 'CS', value: 'CHEST' },
        { tag: [0x0028, 0x1055], vr: 'LO', value: 'SOFT TISSUE\\BONE' },
      ],
    });
    const image = await decodeDicom(file);
    expect([...image.modality]).toEqual([-2049, -1, 1999]);
    expect(image.window).toEqual({ center: 40, width: 400, source: 'file', function: 'LINEAR' });
    expect(image.windowPresets).toEqual([
      { center: 40, width: 400, explanation: 'SOFT TISSUE' },
      { center: 300, width: 1500, explanation: 'BONE' },
    ]);
    expect(image.metadata).toMatchObject({
      patientName: 'Doe^Jane',
      patientId: 'ID-123',
      studyDate: '20240131',
      modality: 'CT',
      bodyPart: 'CHEST',
      rows: 1,
      columns: 3,
      bitsStored: 16,
      frames: 1,
    });
    // The window dialog re-renders with the same rule as the import.
    expect([...renderModality(image.modality, image.window, image.photometric)]).toEqual([...image.pixels]);
    const bone = renderModality(
      image.modality,
      { ...image.windowPresets[1]!, source: 'chosen' },
      'MONOCHROME2',
    );
    expect([...bone]).toEqual([0, 76, 255]);
  });

  it('reads Float Pixel Data as modality values and refuses non-finite ones', async () => {
    const floats = Float32Array.from([0.25, -1.5, 2, 1e-3]);
    const image = await decodeDicom(writeDicom({ rows: 2, columns: 2, values: [], floatPixels: floats }));
    expect([...image.modality]).toEqual([...floats]);
    expect(image.conversion[0]).toMatch(/DICOM 32-bit float MONOCHROME2/);
    const broken = writeDicom({ rows: 1, columns: 2, values: [], floatPixels: Float32Array.from([1, NaN]) });
    expect((await rejection(decodeDicom(broken, { name: 'f.dcm' }))).message).toMatch(
      /f\.dcm: pixel 1 has the value NaN .* not a usable number/,
    );
  });

  it('renders MONOCHROME1 inverted and a fractional range with LINEAR_EXACT', async () => {
    const file = writeDicom({ rows: 1, columns: 3, photometric: 'MONOCHROME1', values: [0, 50, 100] });
    const image = await decodeDicom(file);
    expect(image.window).toMatchObject({ source: 'auto', function: 'LINEAR_EXACT' });
    expect([...image.pixels]).toEqual([255, 127, 0]);
    const dose = writeDicom({
      rows: 1,
      columns: 3,
      values: [0, 1, 2],
      rescale: { slope: 0.001, intercept: 0 },
    });
    expect([...(await decodeDicom(dose, { window: 'auto' })).pixels]).toEqual([0, 128, 255]);
  });
});

describe('readImage, the one entry point', () => {
  it('gives DICOM modality values and the decoder, and other images through sharp', async () => {
    const file = writeDicom({ rows: 2, columns: 2, bitsAllocated: 8, values: [0, 10, 20, 30] });
    const dicom = await readImage(file, { name: 'a.dcm' });
    expect(dicom.decoder.name).toBe('cipherlens-native');
    expect([...dicom.dicom!.modality]).toEqual([0, 10, 20, 30]);
    expect(dicom.dicom!.metadata.rows).toBe(2);
    const png = await readImage(
      await encodeGreyPng({ pixels: new Uint8Array([5, 6, 7, 8]), width: 2, height: 2 }),
    );
    expect(png.decoder.name).toBe('sharp');
    expect(png.dicom).toBeNull();
  });

  it('names every codec version in the pipeline identity, which keys the dataset cache', () => {
    const identity = imagePipelineIdentity();
    for (const name of [
      'sharp@',
      'dicom-parser@',
      'libjpeg-turbo@',
      'charls@',
      'openjpeg@',
      'jpeg-lossless-decoder-js@',
    ]) {
      expect(identity).toContain(name);
    }
    expect(cacheKey('set', 8, [])).toBe(cacheKey('set', 8, [], identity));
    expect(cacheKey('set', 8, [], `${identity} changed`)).not.toBe(cacheKey('set', 8, [], identity));
  });

  it('reads DICOM in class-folder datasets', async () => {
    const root = await temporaryFolder('cipherlens-dicom-classes-');
    await mkdir(join(root, 'ct'));
    await mkdir(join(root, 'mr'));
    const frame = (level: number): Uint8Array =>
      writeDicom({ rows: 4, columns: 4, bitsAllocated: 8, values: new Array(16).fill(level) });
    await writeFile(join(root, 'ct', 'a.dcm'), frame(10));
    await writeFile(join(root, 'mr', 'b.DCM'), frame(200));
    const dataset = await loadClassFolders(root, { imageSize: 4, name: 'scans' });
    expect(dataset.classes).toEqual(['ct', 'mr']);
    expect([...dataset.parts.all!.images]).toEqual([...new Array(16).fill(10), ...new Array(16).fill(200)]);
  });

  it('walks folders with one extension policy: DICOM without extension or with a numeric one, no DICOMDIR', async () => {
    const folder = await temporaryFolder('cipherlens-image-policy-');
    const dicom = writeDicom({ rows: 1, columns: 1, bitsAllocated: 8, values: [1] });
    await writeFile(join(folder, 'scan'), dicom);
    await writeFile(join(folder, '1.2.840.113619.2.5'), dicom);
    await writeFile(join(folder, 'DICOMDIR'), dicom);
    await writeFile(join(folder, 'README'), 'not an image, just a text that is long enough to be sniffed\n');
    await writeFile(join(folder, 'notes.txt'), 'text');
    await writeFile(
      join(folder, 'b.png'),
      await encodeGreyPng({ pixels: new Uint8Array([1]), width: 1, height: 1 }),
    );
    await writeFile(join(folder, 'c.dcm'), dicom);
    const found = await collectInputFiles([folder], IMAGE_EXTENSIONS);
    expect(found.map((f) => f.relative)).toEqual(['1.2.840.113619.2.5', 'b.png', 'c.dcm', 'scan']);
  });
});

describe('JPEG colour transform', () => {
  const jpegHead = (ids: number[], app: number[] = []): Uint8Array =>
    Uint8Array.from([
      0xff,
      0xd8,
      ...app,
      0xff,
      0xc0,
      0x00,
      0x11,
      0x08,
      0x00,
      0x01,
      0x00,
      0x01,
      0x03,
      ...ids.flatMap((id) => [id, 0x11, 0x00]),
      0xff,
      0xda,
      0x00,
      0x02,
    ]);

  it('marks RGB JPEG without JFIF/Adobe markers and non-JFIF component ids as untransformed', () => {
    const marked = markUntransformedRgb(jpegHead([0, 1, 2]));
    expect([...marked.subarray(2, 4)]).toEqual([0xff, 0xee]);
    expect(marked[marked.indexOf(0xee) + 14]).toBe(0); // transform flag 0: no colour transform
    const jfifIds = jpegHead([1, 2, 3]);
    expect(markUntransformedRgb(jfifIds)).toBe(jfifIds);
    const adobe = jpegHead(
      [0, 1, 2],
      [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0, 0x65, 0, 0, 0, 0, 1],
    );
    expect(markUntransformedRgb(adobe)).toBe(adobe);
  });
});
