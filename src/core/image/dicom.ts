import dicomParser from 'dicom-parser';
import { CipherLensError } from '../errors.js';
import type { GreyImage } from './decode.js';
import {
  BIG_ENDIAN_TRANSFER_SYNTAX,
  COMPRESSED_TRANSFER_SYNTAXES,
  NATIVE_TRANSFER_SYNTAXES,
  describeTransferSyntax,
} from './dicom-transfer-syntaxes.js';

/** How stored values become 8-bit grey: the file's VOI window, a percentile window, or an explicit one. */
export type DicomWindow = 'file' | 'auto' | { center: number; width: number };

export interface DicomDecodeOptions {
  /** 0-based frame of a multi-frame object. */
  frame?: number;
  window?: DicomWindow;
  /** Name used in messages. */
  name?: string;
  /** Refuse frames with more pixels than this before allocating anything. */
  maxInputPixels?: number;
}

export interface DecodedDicom extends GreyImage {
  source: {
    width: number;
    height: number;
    format: 'dicom';
    frames: number;
    frame: number;
    bitsStored: number;
    photometric: string;
    transferSyntax: string;
  };
  /** Every step from stored values to 8-bit grey, in words a person can check. */
  conversion: string[];
}

/** The automatic window spans these percentiles of the frame's modality values, ignoring outliers. */
export const AUTO_WINDOW_PERCENTILES = [0.5, 99.5] as const;
/**
 * The largest DICOM frame decoded (2^25 ≈ 33.5 M pixels, e.g. 5792²; digital mammography is at most about
 * 4096 × 5120): its stored values, modality values and 8-bit result take about 14 bytes a pixel (≈ 470 MiB at the
 * limit) besides the file itself. Declared dimensions above it are refused before anything is allocated.
 */
export const MAX_DICOM_PIXELS = 1 << 25;
const DEFAULT_MAX_PIXELS = MAX_DICOM_PIXELS;

const TAG = {
  transferSyntax: 'x00020010',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planarConfiguration: 'x00280006',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  voiLutFunction: 'x00281056',
  pixelData: 'x7fe00010',
} as const;

/** A DICOM Part-10 file: 128-byte preamble, then "DICM". */
export function isDicom(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

/** Decode one frame of a greyscale (or RGB) DICOM image to 8-bit grey, windowed, MONOCHROME1 inverted. */
export function decodeDicom(bytes: Uint8Array, options: DicomDecodeOptions = {}): DecodedDicom {
  const name = options.name ?? 'DICOM file';
  if (!isDicom(bytes)) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} is not a DICOM Part-10 file (no "DICM" marker at byte 128)`,
    );
  }
  const dataSet = parse(bytes, name);
  const transferSyntax = dataSet.string(TAG.transferSyntax) ?? '';
  checkTransferSyntax(transferSyntax, name);

  const layout = readLayout(dataSet, name, options.maxInputPixels ?? DEFAULT_MAX_PIXELS);
  const frame = options.frame ?? 0;
  if (!Number.isInteger(frame) || frame < 0 || frame >= layout.frames) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${name} has ${layout.frames} frame${layout.frames === 1 ? '' : 's'}; frame ${frame} does not exist (frames count from 0)`,
    );
  }
  const conversion: string[] = [];
  if (layout.frames > 1) conversion.push(`frame ${frame} of ${layout.frames} (counting from 0)`);
  const samples = readFrameSamples(
    dataSet,
    layout,
    frame,
    transferSyntax === BIG_ENDIAN_TRANSFER_SYNTAX,
    name,
  );

  const pixels =
    layout.samplesPerPixel === 3
      ? rgbToGrey(samples, layout, conversion)
      : monochromeToGrey(dataSet, samples, layout, options.window ?? 'file', conversion);
  return {
    pixels,
    width: layout.columns,
    height: layout.rows,
    source: {
      width: layout.columns,
      height: layout.rows,
      format: 'dicom',
      frames: layout.frames,
      frame,
      bitsStored: layout.bitsStored,
      photometric: layout.photometric,
      transferSyntax: describeTransferSyntax(transferSyntax),
    },
    conversion,
  };
}

/**
 * Rows and Columns of a DICOM file, from its header only (parsing stops before the pixel data: cheap, on any
 * thread), so a decode can be refused or budgeted before it starts. Null when the header cannot be read — the
 * decode itself then reports why.
 */
export function dicomDimensions(bytes: Uint8Array): { rows: number; columns: number } | null {
  if (!isDicom(bytes)) return null;
  try {
    const dataSet = dicomParser.parseDicom(bytes, { untilTag: TAG.pixelData });
    const rows = dataSet.uint16(TAG.rows) ?? 0;
    const columns = dataSet.uint16(TAG.columns) ?? 0;
    return rows > 0 && columns > 0 ? { rows, columns } : null;
  } catch {
    return null;
  }
}

function parse(bytes: Uint8Array, name: string): dicomParser.DataSet {
  try {
    return dicomParser.parseDicom(bytes);
  } catch (error) {
    // dicom-parser throws strings, or objects carrying `exception`, as well as Errors.
    const detail =
      error instanceof Error
        ? error.message
        : typeof error === 'string'
          ? error
          : String((error as { exception?: unknown })?.exception ?? error);
    if (/past end|beyond|overrun|overread|end of buffer/i.test(detail)) {
      throw new CipherLensError('TRUNCATED', `${name} ends early: the DICOM data is truncated (${detail})`);
    }
    throw new CipherLensError('BAD_FORMAT', `${name} is not a readable DICOM file: ${detail}`);
  }
}

function checkTransferSyntax(uid: string, name: string): void {
  if (uid in NATIVE_TRANSFER_SYNTAXES) return;
  if (uid in COMPRESSED_TRANSFER_SYNTAXES) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${name} is compressed with ${describeTransferSyntax(uid)}, which CipherLens cannot decode; ` +
        'convert it to an uncompressed transfer syntax first (e.g. `gdcmconv --raw in.dcm out.dcm` or `dcmdjpeg`)',
    );
  }
  throw new CipherLensError(
    'IMAGE_DECODE',
    uid
      ? `${name} uses the unknown transfer syntax ${uid}; CipherLens reads only uncompressed DICOM`
      : `${name} declares no transfer syntax (0002,0010)`,
  );
}

interface PixelLayout {
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: 1 | 3;
  planar: boolean;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  photometric: string;
  pixelElement: dicomParser.Element;
}

function readLayout(dataSet: dicomParser.DataSet, name: string, maxInputPixels: number): PixelLayout {
  const pixelElement = dataSet.elements[TAG.pixelData];
  if (!pixelElement) {
    throw new CipherLensError('BAD_FORMAT', `${name} holds no pixel data (7FE0,0010): it is not an image`);
  }
  const rows = dataSet.uint16(TAG.rows) ?? 0;
  const columns = dataSet.uint16(TAG.columns) ?? 0;
  if (rows < 1 || columns < 1) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} has an image size of ${columns}×${rows} (Rows/Columns missing?)`,
    );
  }
  if (rows * columns > maxInputPixels) {
    throw new CipherLensError(
      'IMAGE_TOO_LARGE',
      `${name} is ${columns}×${rows} pixels, over the limit of ${maxInputPixels} pixels`,
    );
  }
  const photometric = (dataSet.string(TAG.photometric) ?? 'MONOCHROME2').trim().toUpperCase();
  const samplesPerPixel = dataSet.uint16(TAG.samplesPerPixel) ?? 1;
  const monochrome = photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';
  if (!(monochrome && samplesPerPixel === 1) && !(photometric === 'RGB' && samplesPerPixel === 3)) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${name} has photometric interpretation ${photometric} with ${samplesPerPixel} samples per pixel; ` +
        'CipherLens reads MONOCHROME1, MONOCHROME2 and RGB',
    );
  }
  const bitsAllocated = dataSet.uint16(TAG.bitsAllocated) ?? 0;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${name} stores ${bitsAllocated} bits per sample; CipherLens reads 8- and 16-bit DICOM`,
    );
  }
  const bitsStored = dataSet.uint16(TAG.bitsStored) ?? bitsAllocated;
  const highBit = dataSet.uint16(TAG.highBit) ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} has inconsistent bit layout: allocated ${bitsAllocated}, stored ${bitsStored}, high bit ${highBit}`,
    );
  }
  if (samplesPerPixel === 3 && bitsAllocated !== 8) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${name} is ${bitsAllocated}-bit RGB; CipherLens reads 8-bit RGB only`,
    );
  }
  const frames = dataSet.intString(TAG.numberOfFrames) ?? 1;
  if (!Number.isInteger(frames) || frames < 1) {
    throw new CipherLensError('BAD_FORMAT', `${name} declares ${frames} frames`);
  }
  if (pixelElement.encapsulatedPixelData) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} has encapsulated (compressed) pixel data under a native syntax`,
    );
  }
  return {
    rows,
    columns,
    frames,
    samplesPerPixel,
    planar: (dataSet.uint16(TAG.planarConfiguration) ?? 0) === 1,
    bitsAllocated,
    bitsStored,
    highBit,
    signed: (dataSet.uint16(TAG.pixelRepresentation) ?? 0) === 1,
    photometric,
    pixelElement,
  };
}

/** The frame's stored values, masked to BitsStored and sign-extended when PixelRepresentation is 1. */
function readFrameSamples(
  dataSet: dicomParser.DataSet,
  layout: PixelLayout,
  frame: number,
  bigEndian: boolean,
  name: string,
): Int32Array {
  const count = layout.rows * layout.columns * layout.samplesPerPixel;
  const bytesPerSample = layout.bitsAllocated / 8;
  const frameBytes = count * bytesPerSample;
  const start = layout.pixelElement.dataOffset + frame * frameBytes;
  const available = dataSet.byteArray.length - layout.pixelElement.dataOffset;
  const needed = layout.frames * frameBytes;
  if (layout.pixelElement.length < needed || available < needed) {
    throw new CipherLensError(
      'TRUNCATED',
      `${name} is truncated: ${layout.frames} frame(s) of ${layout.columns}×${layout.rows} need ${needed} bytes of pixel data, ` +
        `found ${Math.min(layout.pixelElement.length, Math.max(0, available))}`,
    );
  }
  const bytes = dataSet.byteArray;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shift = layout.highBit + 1 - layout.bitsStored;
  const mask = layout.bitsStored >= 32 ? 0xffffffff : (1 << layout.bitsStored) - 1;
  const signBit = 1 << (layout.bitsStored - 1);
  const samples = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const raw = bytesPerSample === 1 ? (bytes[start + i] ?? 0) : view.getUint16(start + i * 2, !bigEndian);
    let value = (raw >>> shift) & mask;
    if (layout.signed && value & signBit) value -= mask + 1;
    samples[i] = value;
  }
  return samples;
}

/** RGB ultrasound and secondary captures: BT.601 luma on the stored 8-bit values. */
function rgbToGrey(samples: Int32Array, layout: PixelLayout, conversion: string[]): Uint8Array {
  const pixels = layout.rows * layout.columns;
  const grey = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const [r, g, b] = layout.planar
      ? [samples[i]!, samples[pixels + i]!, samples[2 * pixels + i]!]
      : [samples[3 * i]!, samples[3 * i + 1]!, samples[3 * i + 2]!];
    grey[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  conversion.push(
    'DICOM RGB converted to grey: Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601) on stored values',
  );
  return grey;
}

function monochromeToGrey(
  dataSet: dicomParser.DataSet,
  samples: Int32Array,
  layout: PixelLayout,
  window: DicomWindow,
  conversion: string[],
): Uint8Array {
  const slope = dataSet.floatString(TAG.rescaleSlope) ?? 1;
  const intercept = dataSet.floatString(TAG.rescaleIntercept) ?? 0;
  if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(intercept)) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `DICOM rescale slope ${slope} / intercept ${intercept} is unusable`,
    );
  }
  const values = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) values[i] = samples[i]! * slope + intercept;
  const depth = `${layout.bitsAllocated}-bit ${layout.signed ? 'signed' : 'unsigned'} (${layout.bitsStored} bits stored)`;
  conversion.push(
    slope === 1 && intercept === 0
      ? `DICOM ${depth} ${layout.photometric}`
      : `DICOM ${depth} ${layout.photometric}, rescaled: value × ${slope} + ${intercept}`,
  );

  const chosen = chooseWindow(dataSet, values, layout, slope, intercept, window, conversion);
  const grey = chosen ? applyWindow(values, chosen) : Uint8Array.from(values);
  if (layout.photometric === 'MONOCHROME1') {
    for (let i = 0; i < grey.length; i++) grey[i] = 255 - grey[i]!;
    conversion.push('MONOCHROME1: inverted so that higher values are brighter');
  }
  return grey;
}

interface Window {
  center: number;
  width: number;
}

function chooseWindow(
  dataSet: dicomParser.DataSet,
  values: Float64Array,
  layout: PixelLayout,
  slope: number,
  intercept: number,
  requested: DicomWindow,
  conversion: string[],
): Window | null {
  if (typeof requested === 'object') {
    conversion.push(`window C=${requested.center} W=${requested.width} (chosen) to 8 bits`);
    return requested;
  }
  if (requested === 'file') {
    const center = dataSet.floatString(TAG.windowCenter);
    const width = dataSet.floatString(TAG.windowWidth);
    if (center !== undefined && width !== undefined && Number.isFinite(center) && width >= 1) {
      const count = dataSet.numStringValues(TAG.windowCenter) ?? 1;
      const which = count > 1 ? ` (first of ${count} windows in the file)` : ' (from the file)';
      const fn = (dataSet.string(TAG.voiLutFunction) ?? 'LINEAR').trim().toUpperCase();
      const fnNote = fn === 'LINEAR' ? '' : `; the file's VOI LUT function ${fn} was applied as LINEAR`;
      conversion.push(`window C=${center} W=${width}${which} to 8 bits${fnNote}`);
      return { center, width };
    }
    const identity = layout.bitsAllocated === 8 && !layout.signed && slope === 1 && intercept === 0;
    if (identity) {
      // 8-bit unsigned data needs no window: the values already are display grey levels.
      return null;
    }
    conversion.push('the file has no usable window centre/width: automatic window used');
  }
  return automaticWindow(values, conversion);
}

function automaticWindow(values: Float64Array, conversion: string[]): Window {
  const sorted = Float64Array.from(values).sort();
  const at = (percent: number): number =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((percent / 100) * (sorted.length - 1))))]!;
  const [lowPercent, highPercent] = AUTO_WINDOW_PERCENTILES;
  let low = at(lowPercent);
  let high = at(highPercent);
  if (high <= low) {
    low = sorted[0]!;
    high = sorted[sorted.length - 1]!;
  }
  if (high <= low) {
    conversion.push(`constant image (every value ${low}): shown as black`);
    return { center: low + 1, width: 1 };
  }
  conversion.push(
    `automatic window: ${lowPercent}th–${highPercent}th percentile [${round(low)}, ${round(high)}] mapped linearly to 0–255`,
  );
  // Chosen so that DICOM's LINEAR function maps `low` to 0 and `high` to 255 exactly.
  return { center: (low + high) / 2 + 0.5, width: high - low + 1 };
}

/** DICOM PS3.3 C.11.2.1.2.1 LINEAR VOI function, output range 0–255. */
function applyWindow(values: Float64Array, { center, width }: Window): Uint8Array {
  const grey = new Uint8Array(values.length);
  const bottom = center - 0.5 - (width - 1) / 2;
  const top = center - 0.5 + (width - 1) / 2;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x <= bottom) grey[i] = 0;
    else if (x > top) grey[i] = 255;
    else grey[i] = Math.round(((x - (center - 0.5)) / (width - 1) + 0.5) * 255);
  }
  return grey;
}

const round = (value: number): number => Math.round(value * 100) / 100;
