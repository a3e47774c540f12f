import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { CipherLensError } from '../errors.js';
import type { CodecIdentity, DecodedFrame, FrameSpec } from './codecs/codec.js';
import { decodeNativeFrame, NATIVE_CODEC_IDENTITY } from './codecs/dicom-native.js';
import { codecFor } from './codecs/index.js';
import type { GreyImage } from './decode.js';
import type {
  DicomMetadata,
  DicomModalityImage,
  DicomWindowPreset,
  DicomWindowUsed,
} from './dicom-metadata.js';
import {
  BIG_ENDIAN_TRANSFER_SYNTAX,
  COMPRESSED_TRANSFER_SYNTAXES,
  DEFLATED_TRANSFER_SYNTAX,
  IMPLICIT_LITTLE_ENDIAN,
  EXPLICIT_LITTLE_ENDIAN,
  NATIVE_TRANSFER_SYNTAXES,
  describeTransferSyntax,
} from './dicom-transfer-syntaxes.js';

/** How modality values become 8-bit grey: the file's VOI window, a percentile window, or an explicit one. */
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

export interface DecodedDicom extends GreyImage, DicomModalityImage {
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
  /** The codec that decoded the pixel data. */
  decoder: CodecIdentity;
}

/** The automatic window spans these percentiles of the frame's modality values, ignoring outliers. */
export const AUTO_WINDOW_PERCENTILES = [0.5, 99.5] as const;
/**
 * The largest DICOM frame decoded (2^25 ≈ 33.5 M pixels, e.g. 5792²; digital mammography is at most about
 * 4096 × 5120): its stored values, modality values and 8-bit result take about 14 bytes a pixel (≈ 470 MiB at the
 * limit) besides the file itself. Declared dimensions above it are refused before anything is allocated.
 */
export const MAX_DICOM_PIXELS = 1 << 25;
/** A deflated data set is inflated up to this size (a zip bomb stops here, with a clear error). */
export const MAX_INFLATED_DICOM_BYTES = 512 * 1024 * 1024;
/** Rescale slopes outside this magnitude range are refused as unusable (they are corrupt headers, not data). */
export const RESCALE_SLOPE_RANGE = [1e-9, 1e6] as const;
export const MAX_RESCALE_INTERCEPT = 1e9;

const TAG = {
  transferSyntax: 'x00020010',
  sopInstanceUid: 'x00080018',
  studyDate: 'x00080020',
  modality: 'x00080060',
  studyDescription: 'x00081030',
  seriesDescription: 'x0008103e',
  patientName: 'x00100010',
  patientId: 'x00100020',
  bodyPart: 'x00180015',
  studyInstanceUid: 'x0020000d',
  seriesInstanceUid: 'x0020000e',
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
  windowExplanation: 'x00281055',
  voiLutFunction: 'x00281056',
  floatPixelData: 'x7fe00008',
  doubleFloatPixelData: 'x7fe00009',
  pixelData: 'x7fe00010',
} as const;

/**
 * How a file holds its data set:
 * - `part10`: 128-byte preamble, "DICM", file meta group (PS3.10);
 * - `part10-no-preamble`: "DICM" and the meta group at byte 0 (the preamble was stripped);
 * - `raw-*`: a bare data set without meta group, in the transfer syntax named (older files, some exports).
 */
export type DicomFraming =
  'part10' | 'part10-no-preamble' | 'raw-implicit' | 'raw-explicit' | 'raw-explicit-big';

const VRS = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(
    ' ',
  ),
);

/** The framing of a DICOM file, recognised by content (never by name), or null when it is not DICOM. */
export function sniffDicom(bytes: Uint8Array): DicomFraming | null {
  const magicAt = (at: number): boolean =>
    bytes[at] === 0x44 && bytes[at + 1] === 0x49 && bytes[at + 2] === 0x43 && bytes[at + 3] === 0x4d;
  if (bytes.length >= 132 && magicAt(128)) return 'part10';
  if (bytes.length >= 16 && magicAt(0) && bytes[4] === 0x02 && bytes[5] === 0x00) return 'part10-no-preamble';
  return sniffRawDataSet(bytes);
}

/**
 * A bare data set starts with an element of a low even group (0008 Identifying, or 0002..0028) in ascending tag
 * order; explicit VR shows as two capital letters naming a VR. Two consistent elements are required, so a
 * random file is not mistaken for DICOM.
 */
function sniffRawDataSet(bytes: Uint8Array): DicomFraming | null {
  if (bytes.length < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vrAt = (at: number): boolean => VRS.has(String.fromCharCode(bytes[at]!, bytes[at + 1]!));
  const plausibleGroup = (group: number): boolean => group >= 0x0002 && group <= 0x0028 && group % 2 === 0;
  for (const little of [true, false]) {
    const group = view.getUint16(0, little);
    if (!plausibleGroup(group)) continue;
    if (vrAt(4)) {
      const vr = String.fromCharCode(bytes[4]!, bytes[5]!);
      const long = ['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'UV'].includes(vr);
      const length = long ? view.getUint32(8, little) : view.getUint16(6, little);
      const next = (long ? 12 : 8) + length;
      if (next + 6 <= bytes.length && plausibleGroup(view.getUint16(next, little)) && vrAt(next + 4)) {
        return little ? 'raw-explicit' : 'raw-explicit-big';
      }
    } else if (little) {
      const length = view.getUint32(4, true);
      const next = 8 + length;
      if (length < bytes.length && next + 8 <= bytes.length && plausibleGroup(view.getUint16(next, true))) {
        const tag = view.getUint16(2, true);
        const nextTag = view.getUint16(next + 2, true);
        if (view.getUint16(next, true) > group || nextTag > tag) return 'raw-implicit';
      }
    }
  }
  return null;
}

/** Any DICOM file CipherLens can read: Part 10 with or without preamble, or a bare data set. */
export function isDicom(bytes: Uint8Array): boolean {
  return sniffDicom(bytes) !== null;
}

/**
 * Rows and Columns of a DICOM file, from its header only (parsing stops before the pixel data: cheap, on any
 * thread), so a decode can be refused or budgeted before it starts. Null when the header cannot be read — the
 * decode itself then reports why.
 */
export function dicomDimensions(bytes: Uint8Array): { rows: number; columns: number } | null {
  const framing = sniffDicom(bytes);
  if (framing === null) return null;
  try {
    const { dataSet } = parseFramed(bytes, framing, 'header', TAG.pixelData);
    const rows = dataSet.uint16(TAG.rows) ?? 0;
    const columns = dataSet.uint16(TAG.columns) ?? 0;
    return rows > 0 && columns > 0 ? { rows, columns } : null;
  } catch {
    return null;
  }
}

/** Decode one frame of a DICOM image: modality values, the 8-bit windowed grey image, and the header fields. */
export async function decodeDicom(
  bytes: Uint8Array,
  options: DicomDecodeOptions = {},
): Promise<DecodedDicom> {
  const name = options.name ?? 'DICOM file';
  try {
    return await decodeParsed(bytes, options, name);
  } catch (error) {
    // dicom-parser reads some elements lazily: a value past the end of a damaged file fails here, not in parse().
    if (typeof error === 'string' || (error instanceof Error && /^dicomParser/.test(error.message))) {
      throw parserFailure(error, name);
    }
    throw error;
  }
}

async function decodeParsed(
  bytes: Uint8Array,
  options: DicomDecodeOptions,
  name: string,
): Promise<DecodedDicom> {
  const framing = sniffDicom(bytes);
  if (framing === null) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} is not a DICOM file (no "DICM" marker at byte 128 or 0, and it does not start like a DICOM data set)`,
    );
  }
  const { dataSet, transferSyntax, implicitDespiteMeta } = parseFramed(bytes, framing, name);
  checkTransferSyntax(transferSyntax, name);

  const layout = readLayout(dataSet, name, options.maxInputPixels ?? MAX_DICOM_PIXELS);
  const frame = options.frame ?? 0;
  if (!Number.isInteger(frame) || frame < 0 || frame >= layout.frames) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${name} has ${layout.frames} frame${layout.frames === 1 ? '' : 's'}; frame ${frame} does not exist (frames count from 0)`,
    );
  }
  const conversion: string[] = [];
  if (framing !== 'part10') conversion.push(FRAMING_NOTE[framing]);
  if (implicitDespiteMeta) {
    conversion.push(
      `the data set is in implicit VR although the file meta group declares ${describeTransferSyntax(transferSyntax)}: read as implicit VR`,
    );
  }
  if (layout.frames > 1) conversion.push(`frame ${frame} of ${layout.frames} (counting from 0)`);
  const { decoded, decoder } = await decodeFrame(dataSet, layout, frame, transferSyntax, name);
  const stored = decoded.normalised ? decoded.values : normalise(decoded.values, layout);

  const colour = layout.samplesPerPixel === 3;
  const modality = colour
    ? colourToLuma(stored, layout, decoded, conversion)
    : monochromeToModality(dataSet, stored, layout, name, conversion);
  const windowPresets = readWindowPresets(dataSet, conversion);
  const window = chooseWindow(
    modality,
    layout,
    windowPresets,
    dataSet,
    options.window ?? 'file',
    name,
    conversion,
  );
  const pixels = renderModality(modality, window, layout.photometric);
  if (layout.photometric === 'MONOCHROME1') {
    conversion.push('MONOCHROME1: inverted so that higher values are brighter');
  }
  return {
    pixels,
    width: layout.columns,
    height: layout.rows,
    modality,
    photometric: layout.photometric,
    window,
    windowPresets,
    metadata: readMetadata(dataSet, layout, windowPresets),
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
    decoder,
  };
}

const FRAMING_NOTE: Record<Exclude<DicomFraming, 'part10'>, string> = {
  'part10-no-preamble': 'DICOM file without the 128-byte preamble',
  'raw-implicit': 'bare DICOM data set without file meta information, read as Implicit VR Little Endian',
  'raw-explicit': 'bare DICOM data set without file meta information, read as Explicit VR Little Endian',
  'raw-explicit-big': 'bare DICOM data set without file meta information, read as Explicit VR Big Endian',
};

const RAW_TRANSFER_SYNTAX: Record<'raw-implicit' | 'raw-explicit' | 'raw-explicit-big', string> = {
  'raw-implicit': IMPLICIT_LITTLE_ENDIAN,
  'raw-explicit': EXPLICIT_LITTLE_ENDIAN,
  'raw-explicit-big': BIG_ENDIAN_TRANSFER_SYNTAX,
};

interface ParsedDataSet {
  dataSet: dicomParser.DataSet;
  transferSyntax: string;
  /** The meta group declared explicit VR, the data set was implicit VR. */
  implicitDespiteMeta: boolean;
}

function parseFramed(
  bytes: Uint8Array,
  framing: DicomFraming,
  name: string,
  untilTag?: string,
): ParsedDataSet {
  let input = bytes;
  const options: dicomParser.ParseDicomOptions = { ...(untilTag && { untilTag }) };
  if (framing === 'part10-no-preamble') {
    input = new Uint8Array(bytes.length + 128);
    input.set(bytes, 128);
  } else if (framing !== 'part10') {
    options.TransferSyntaxUID = RAW_TRANSFER_SYNTAX[framing];
  }
  // dicom-parser's own Node.js inflate path needs a Buffer ("i.copy is not a function") and has no size cap.
  // A header read (untilTag) inflates only the start: it runs on the caller's thread, before the budget.
  (options as { inflater?: unknown }).inflater = (array: Uint8Array, position: number) =>
    untilTag ? inflateHeader(array, position) : inflateDataSet(array, position, name);
  try {
    const dataSet = parse(input, name, options);
    const transferSyntax = options.TransferSyntaxUID ?? (dataSet.string(TAG.transferSyntax) ?? '').trim();
    return { dataSet, transferSyntax, implicitDespiteMeta: false };
  } catch (error) {
    const fallback = framing === 'part10' ? implicitDataSetAfterMeta(input, name, untilTag) : null;
    if (fallback) return fallback;
    throw error;
  }
}

/**
 * Some writers declare an explicit-VR transfer syntax in the file meta group but write the data set in implicit
 * VR (pydicom reads such files with a warning). When the explicit parse fails and the data set after the meta
 * group starts like implicit VR, it is read as implicit VR; the pixel data keep the declared transfer syntax.
 */
function implicitDataSetAfterMeta(
  bytes: Uint8Array,
  name: string,
  untilTag: string | undefined,
): ParsedDataSet | null {
  let meta: dicomParser.DataSet;
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch {
    return null;
  }
  const declared = (meta.string(TAG.transferSyntax) ?? '').trim();
  if (declared === IMPLICIT_LITTLE_ENDIAN || declared === DEFLATED_TRANSFER_SYNTAX) return null;
  const end = Math.max(...Object.values(meta.elements).map((e) => e.dataOffset + e.length));
  const rest = bytes.subarray(end);
  if (sniffRawDataSet(rest) !== 'raw-implicit') return null;
  const dataSet = parse(rest, name, {
    TransferSyntaxUID: IMPLICIT_LITTLE_ENDIAN,
    ...(untilTag && { untilTag }),
    // Without a VR, undefined-length pixel data (encapsulated) would be taken for a sequence of items.
    vrCallback: ((tag: string) => (tag === TAG.pixelData ? 'OB' : undefined)) as (tag: string) => void,
  });
  const pixels = dataSet.elements[TAG.pixelData];
  if (pixels?.hadUndefinedLength && !pixels.encapsulatedPixelData) {
    const stream = new dicomParser.ByteStream(
      dicomParser.littleEndianByteArrayParser,
      dataSet.byteArray,
      pixels.dataOffset,
    );
    dicomParser.findEndOfEncapsulatedElement(stream, pixels, []);
  }
  return { dataSet, transferSyntax: declared, implicitDespiteMeta: true };
}

/** Compressed bytes inflated for a header read, and the most output they may give (the header comes first). */
const HEADER_INFLATE = { input: 64 * 1024, output: 4 * 1024 * 1024 } as const;

function inflateHeader(array: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(array.subarray(position, position + HEADER_INFLATE.input), {
    finishFlush: zlibConstants.Z_SYNC_FLUSH,
    maxOutputLength: HEADER_INFLATE.output,
  });
  const full = new Uint8Array(position + inflated.length);
  full.set(array.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

function inflateDataSet(array: Uint8Array, position: number, name: string): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(array.subarray(position), { maxOutputLength: MAX_INFLATED_DICOM_BYTES });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /larger than|maxOutputLength/i.test(String(error))) {
      throw new CipherLensError(
        'IMAGE_TOO_LARGE',
        `${name} inflates to more than ${MAX_INFLATED_DICOM_BYTES} bytes (decompression-bomb guard): not decoded`,
      );
    }
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} declares a deflated data set that cannot be inflated: ${(error as Error).message}`,
    );
  }
  const full = new Uint8Array(position + inflated.length);
  full.set(array.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

function parse(bytes: Uint8Array, name: string, options: dicomParser.ParseDicomOptions): dicomParser.DataSet {
  try {
    return dicomParser.parseDicom(bytes, options);
  } catch (error) {
    throw parserFailure(error, name);
  }
}

/**
 * A dicom-parser failure as a CipherLens error. It throws strings, objects carrying `exception`, and Errors, from
 * parsing and also later, when an element read lazily (a string, the encapsulated fragments) lies past the end.
 */
function parserFailure(error: unknown, name: string): CipherLensError {
  if (error instanceof CipherLensError) return error;
  // dicom-parser throws strings, or objects carrying `exception`, as well as Errors.
  const inner = (error as { exception?: unknown } | null)?.exception;
  if (inner instanceof CipherLensError) return inner;
  const detail =
    error instanceof Error ? error.message : typeof error === 'string' ? error : String(inner ?? error);
  // dicom-parser reads sequences recursively: a file nesting them thousands deep exhausts the stack.
  if (/maximum call stack/i.test(detail)) {
    return new CipherLensError(
      'BAD_FORMAT',
      `${name} nests sequences too deeply to be read (the DICOM parser ran out of stack): not decoded`,
    );
  }
  if (/past end|beyond|overrun|overread|end of buffer/i.test(detail)) {
    return new CipherLensError('TRUNCATED', `${name} ends early: the DICOM data is truncated (${detail})`);
  }
  if (/0002,0010/.test(detail)) {
    return new CipherLensError(
      'BAD_FORMAT',
      `${name} declares no transfer syntax (0002,0010) in its file meta information: not decoded`,
    );
  }
  return new CipherLensError('BAD_FORMAT', `${name} is not a readable DICOM file: ${detail}`);
}

function checkTransferSyntax(uid: string, name: string): void {
  if (uid in NATIVE_TRANSFER_SYNTAXES || codecFor(uid)) return;
  if (uid in COMPRESSED_TRANSFER_SYNTAXES) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${name} is compressed with ${describeTransferSyntax(uid)}, which CipherLens cannot decode (video and ` +
        'High-Throughput JPEG 2000 are not supported); convert it first (e.g. `gdcmconv --raw in.dcm out.dcm`)',
    );
  }
  throw new CipherLensError(
    'IMAGE_DECODE',
    uid
      ? `${name} uses the unknown transfer syntax ${uid}`
      : `${name} declares no transfer syntax (0002,0010)`,
  );
}

interface PixelLayout extends FrameSpec {
  frames: number;
  planar: boolean;
  highBit: number;
  photometric: string;
  pixelElement: dicomParser.Element;
  float: boolean;
}

const COLOUR_PHOTOMETRICS = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT']);

function readLayout(dataSet: dicomParser.DataSet, name: string, maxInputPixels: number): PixelLayout {
  const floatElement = dataSet.elements[TAG.floatPixelData] ?? dataSet.elements[TAG.doubleFloatPixelData];
  const pixelElement = dataSet.elements[TAG.pixelData] ?? floatElement;
  if (!pixelElement) {
    throw new CipherLensError('BAD_FORMAT', `${name} holds no pixel data (7FE0,0010): it is not an image`);
  }
  const float = pixelElement !== dataSet.elements[TAG.pixelData];
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
  if (
    !(monochrome && samplesPerPixel === 1) &&
    !(COLOUR_PHOTOMETRICS.has(photometric) && samplesPerPixel === 3)
  ) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${name} has photometric interpretation ${photometric} with ${samplesPerPixel} samples per pixel; ` +
        'CipherLens reads MONOCHROME1, MONOCHROME2, RGB and YBR_FULL / YBR_FULL_422 / YBR_ICT / YBR_RCT',
    );
  }
  const bitsAllocated =
    dataSet.uint16(TAG.bitsAllocated) ?? (float ? (pixelElement.tag === TAG.floatPixelData ? 32 : 64) : 0);
  const allowed = float ? [32, 64] : [1, 8, 16, 32];
  if (!allowed.includes(bitsAllocated)) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${name} stores ${bitsAllocated} bits per sample; CipherLens reads ${float ? '32- and 64-bit float' : '1-, 8-, 16- and 32-bit'} pixel data`,
    );
  }
  const bitsStored = float ? bitsAllocated : (dataSet.uint16(TAG.bitsStored) ?? bitsAllocated);
  const highBit = float ? bitsAllocated - 1 : (dataSet.uint16(TAG.highBit) ?? bitsStored - 1);
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} has inconsistent bit layout: allocated ${bitsAllocated}, stored ${bitsStored}, high bit ${highBit}`,
    );
  }
  const framesText = dataSet.string(TAG.numberOfFrames);
  const frames = framesText === undefined || framesText.trim() === '' ? 1 : Number(framesText.trim());
  if (!Number.isInteger(frames) || frames < 1) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} declares "${framesText}" as its number of frames (0028,0008): not a positive whole number`,
    );
  }
  if (photometric === 'YBR_FULL_422' && columns % 2 !== 0 && !pixelElement.encapsulatedPixelData) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} is YBR_FULL_422 with an odd number of columns (${columns})`,
    );
  }
  return {
    rows,
    columns,
    frames,
    samplesPerPixel: samplesPerPixel as 1 | 3,
    planar: (dataSet.uint16(TAG.planarConfiguration) ?? 0) === 1,
    bitsAllocated,
    bitsStored,
    highBit,
    signed: !float && (dataSet.uint16(TAG.pixelRepresentation) ?? 0) === 1,
    photometric,
    pixelElement,
    float,
    name,
  };
}

async function decodeFrame(
  dataSet: dicomParser.DataSet,
  layout: PixelLayout,
  frame: number,
  transferSyntax: string,
  name: string,
): Promise<{ decoded: DecodedFrame; decoder: CodecIdentity }> {
  const element = layout.pixelElement;
  const codec = codecFor(transferSyntax);
  if (!codec) {
    if (element.encapsulatedPixelData) {
      throw new CipherLensError(
        'BAD_FORMAT',
        `${name} has encapsulated (compressed) pixel data under the uncompressed transfer syntax ${describeTransferSyntax(transferSyntax)}`,
      );
    }
    const available = Math.max(0, Math.min(element.length, dataSet.byteArray.length - element.dataOffset));
    const data = dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + available);
    const decoded = decodeNativeFrame(
      {
        data,
        frame,
        frames: layout.frames,
        bigEndian: transferSyntax === BIG_ENDIAN_TRANSFER_SYNTAX,
        highBit: layout.highBit,
        float: layout.float,
        planar: layout.planar,
        subsampled422: layout.photometric === 'YBR_FULL_422',
      },
      layout,
    );
    return { decoded, decoder: NATIVE_CODEC_IDENTITY };
  }
  if (!element.encapsulatedPixelData) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name} declares ${describeTransferSyntax(transferSyntax)} but its pixel data is not encapsulated`,
    );
  }
  const encoded = encapsulatedFrame(dataSet, element, frame, layout.frames, transferSyntax, name);
  const decoded = await codec.decode(encoded, layout);
  const expected = layout.rows * layout.columns * layout.samplesPerPixel;
  if (decoded.values.length < expected) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${name}: the ${codec.identity.name} decoder returned ${decoded.values.length} samples, expected ${expected}`,
    );
  }
  return { decoded, decoder: codec.identity };
}

const JPEG_FAMILY = /^1\.2\.840\.10008\.1\.2\.4\.(50|51|57|70)$/;

/** The encoded bytes of one frame of encapsulated pixel data (PS3.5 A.4), whatever the fragmentation. */
function encapsulatedFrame(
  dataSet: dicomParser.DataSet,
  element: dicomParser.Element,
  frame: number,
  frames: number,
  transferSyntax: string,
  name: string,
): Uint8Array {
  const fragments = element.fragments ?? [];
  if (fragments.length === 0) {
    throw new CipherLensError('BAD_FORMAT', `${name} has encapsulated pixel data without any fragment`);
  }
  try {
    if (frames === 1)
      return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, 0, fragments.length);
    if ((element.basicOffsetTable ?? []).length === frames) {
      return dicomParser.readEncapsulatedImageFrame(dataSet, element, frame);
    }
    if (fragments.length === frames)
      return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, frame, 1);
    if (JPEG_FAMILY.test(transferSyntax)) {
      const table = dicomParser.createJPEGBasicOffsetTable(dataSet, element);
      if (table.length === frames)
        return dicomParser.readEncapsulatedImageFrame(dataSet, element, frame, table);
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name}: frame ${frame} cannot be located in the pixel data (${detail})`,
    );
  }
  throw new CipherLensError(
    'BAD_FORMAT',
    `${name} has ${frames} frames in ${fragments.length} fragments without an offset table: frame ${frame} cannot be located`,
  );
}

/** Codec output masked to BitsStored and sign-extended as Pixel Representation says (DICOM, not the codestream, decides). */
function normalise(values: DecodedFrame['values'], layout: PixelLayout): Float64Array {
  const out = new Float64Array(values.length);
  const modulus = 2 ** layout.bitsStored;
  for (let i = 0; i < values.length; i++) {
    let stored = ((values[i]! % modulus) + modulus) % modulus;
    if (layout.signed && stored >= modulus / 2) stored -= modulus;
    out[i] = stored;
  }
  return out;
}

/**
 * Colour to grey: ITU-R BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B on the stored values; YBR data (YBR_FULL,
 * YBR_FULL_422 left as YCbCr by its codec) already carries that luma as its first component, which is used as is.
 */
function colourToLuma(
  stored: DecodedFrame['values'],
  layout: PixelLayout,
  decoded: DecodedFrame,
  conversion: string[],
): Float32Array {
  const pixels = layout.rows * layout.columns;
  const luma = new Float32Array(pixels);
  const planar = decoded.planar;
  const at = (i: number, c: number): number => stored[planar ? c * pixels + i : 3 * i + c]!;
  const ybr = layout.photometric.startsWith('YBR') && !decoded.convertedToRgb;
  if (ybr) {
    for (let i = 0; i < pixels; i++) luma[i] = at(i, 0);
    conversion.push(
      `DICOM ${layout.photometric} converted to grey: its luma component Y (ITU-R BT.601) taken as is`,
    );
  } else {
    for (let i = 0; i < pixels; i++) luma[i] = 0.299 * at(i, 0) + 0.587 * at(i, 1) + 0.114 * at(i, 2);
    const via =
      decoded.convertedToRgb && layout.photometric !== 'RGB'
        ? ` (${layout.photometric} decoded to RGB by the codec)`
        : '';
    conversion.push(
      `DICOM ${layout.bitsStored}-bit RGB${via} converted to grey: Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601) on stored values`,
    );
  }
  return luma;
}

function monochromeToModality(
  dataSet: dicomParser.DataSet,
  stored: DecodedFrame['values'],
  layout: PixelLayout,
  name: string,
  conversion: string[],
): Float32Array {
  const slope = readNumber(dataSet, TAG.rescaleSlope, 1, 'rescale slope', name);
  const intercept = readNumber(dataSet, TAG.rescaleIntercept, 0, 'rescale intercept', name);
  const [minSlope, maxSlope] = RESCALE_SLOPE_RANGE;
  if (!Number.isFinite(slope) || Math.abs(slope) < minSlope || Math.abs(slope) > maxSlope) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name}: rescale slope ${slope} is not a usable value (expected a finite number of magnitude ${minSlope} to ${maxSlope})`,
    );
  }
  if (!Number.isFinite(intercept) || Math.abs(intercept) > MAX_RESCALE_INTERCEPT) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${name}: rescale intercept ${intercept} is not a usable value (expected a finite number within ±${MAX_RESCALE_INTERCEPT})`,
    );
  }
  const pixels = layout.rows * layout.columns;
  const values = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const value = stored[i]! * slope + intercept;
    if (!Number.isFinite(value) || Math.abs(value) > 3.4e38) {
      throw new CipherLensError(
        'BAD_FORMAT',
        `${name}: pixel ${i} has the value ${stored[i]} (after rescale ${value}), which is not a usable number`,
      );
    }
    values[i] = value;
  }
  const depth = layout.float
    ? `${layout.bitsAllocated}-bit float`
    : `${layout.bitsAllocated}-bit ${layout.signed ? 'signed' : 'unsigned'} (${layout.bitsStored} bits stored)`;
  conversion.push(
    slope === 1 && intercept === 0
      ? `DICOM ${depth} ${layout.photometric}`
      : `DICOM ${depth} ${layout.photometric}, rescaled: value × ${slope} + ${intercept}`,
  );
  return values;
}

function readNumber(
  dataSet: dicomParser.DataSet,
  tag: string,
  fallback: number,
  what: string,
  name: string,
): number {
  const text = dataSet.string(tag);
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text.split('\\')[0]!.trim());
  if (Number.isNaN(value)) {
    throw new CipherLensError('BAD_FORMAT', `${name}: ${what} "${text}" is not a number`);
  }
  return value;
}

/** The file's window presets; unusable ones (non-finite, width < 1 for LINEAR) are dropped with a note. */
function readWindowPresets(dataSet: dicomParser.DataSet, conversion: string[]): DicomWindowPreset[] {
  const centers = (dataSet.string(TAG.windowCenter) ?? '').split('\\');
  const widths = (dataSet.string(TAG.windowWidth) ?? '').split('\\');
  const explanations = (dataSet.string(TAG.windowExplanation) ?? '').split('\\');
  const presets: DicomWindowPreset[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    if (centers[i]!.trim() === '' || widths[i]!.trim() === '') continue;
    const center = Number(centers[i]!.trim());
    const width = Number(widths[i]!.trim());
    if (!Number.isFinite(center) || !Number.isFinite(width) || width < 1) {
      conversion.push(
        `the file's window C=${centers[i]!.trim()} W=${widths[i]!.trim()} is not usable and was ignored`,
      );
      continue;
    }
    const explanation = explanations[i]?.trim();
    presets.push({ center, width, ...(explanation && { explanation }) });
  }
  return presets;
}

function chooseWindow(
  values: Float32Array,
  layout: PixelLayout,
  presets: DicomWindowPreset[],
  dataSet: dicomParser.DataSet,
  requested: DicomWindow,
  name: string,
  conversion: string[],
): DicomWindowUsed {
  if (typeof requested === 'object') {
    const { center, width } = requested;
    if (!Number.isFinite(center) || !Number.isFinite(width) || width <= 0) {
      throw new CipherLensError(
        'BAD_INPUT',
        `window C=${center} W=${width} is not usable for ${name}: centre must be finite and width a finite positive number`,
      );
    }
    const fn = width >= 1 ? 'LINEAR' : 'LINEAR_EXACT';
    conversion.push(`window C=${center} W=${width} (chosen, ${fn}) to 8 bits`);
    return { center, width, source: 'chosen', function: fn };
  }
  if (requested === 'file' && layout.samplesPerPixel === 1) {
    const preset = presets[0];
    if (preset) {
      const which =
        presets.length > 1 ? ` (first of ${presets.length} windows in the file)` : ' (from the file)';
      const fn = (dataSet.string(TAG.voiLutFunction) ?? 'LINEAR').trim().toUpperCase();
      const exact = fn === 'LINEAR_EXACT';
      const fnNote =
        fn === 'LINEAR' || exact ? '' : `; the file's VOI LUT function ${fn} was applied as LINEAR`;
      conversion.push(`window C=${preset.center} W=${preset.width}${which} to 8 bits${fnNote}`);
      return {
        center: preset.center,
        width: preset.width,
        source: 'file',
        function: exact ? 'LINEAR_EXACT' : 'LINEAR',
      };
    }
  }
  if (requested === 'file') {
    const identity = layout.bitsAllocated <= 8 && !layout.signed && allWithin(values, 0, 255);
    if (identity) {
      // 8-bit unsigned data needs no window: the values already are display grey levels.
      return { center: 127.5, width: 255, source: 'none', function: 'LINEAR_EXACT' };
    }
    if (layout.samplesPerPixel === 1)
      conversion.push('the file has no usable window centre/width: automatic window used');
  }
  return automaticWindow(values, conversion);
}

function allWithin(values: Float32Array, low: number, high: number): boolean {
  for (let i = 0; i < values.length; i++) if (values[i]! < low || values[i]! > high) return false;
  return true;
}

function automaticWindow(values: Float32Array, conversion: string[]): DicomWindowUsed {
  const sorted = Float32Array.from(values).sort();
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
    return { center: low + 0.5, width: 1, source: 'auto', function: 'LINEAR_EXACT' };
  }
  conversion.push(
    `automatic window: ${lowPercent}th–${highPercent}th percentile [${round(low)}, ${round(high)}] mapped linearly to 0–255`,
  );
  return { center: (low + high) / 2, width: high - low, source: 'auto', function: 'LINEAR_EXACT' };
}

/**
 * Modality values to 8-bit grey with a window (PS3.3 C.11.2.1.2.1 LINEAR, or C.11.2.1.3.2 LINEAR_EXACT), output
 * range 0–255; MONOCHROME1 is inverted so that higher values are brighter. The one rendering rule: the import and
 * the window dialog both use it.
 */
export function renderModality(
  values: Float32Array,
  window: DicomWindowUsed,
  photometric: string,
): Uint8Array {
  const grey = new Uint8Array(values.length);
  const { center, width } = window;
  const invert = photometric === 'MONOCHROME1';
  if (window.function === 'LINEAR_EXACT') {
    const bottom = center - width / 2;
    for (let i = 0; i < values.length; i++) {
      const level = Math.round(((values[i]! - bottom) / width) * 255);
      const clamped = level < 0 ? 0 : level > 255 ? 255 : level;
      grey[i] = invert ? 255 - clamped : clamped;
    }
    return grey;
  }
  const bottom = center - 0.5 - (width - 1) / 2;
  const top = center - 0.5 + (width - 1) / 2;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const level =
      x <= bottom ? 0 : x > top ? 255 : Math.round(((x - (center - 0.5)) / (width - 1) + 0.5) * 255);
    grey[i] = invert ? 255 - level : level;
  }
  return grey;
}

function readMetadata(
  dataSet: dicomParser.DataSet,
  layout: PixelLayout,
  windowPresets: DicomWindowPreset[],
): DicomMetadata {
  const text = (tag: string): string => (dataSet.string(tag) ?? '').trim();
  return {
    patientName: text(TAG.patientName),
    patientId: text(TAG.patientId),
    studyDate: text(TAG.studyDate),
    studyDescription: text(TAG.studyDescription),
    seriesDescription: text(TAG.seriesDescription),
    seriesInstanceUid: text(TAG.seriesInstanceUid),
    studyInstanceUid: text(TAG.studyInstanceUid),
    sopInstanceUid: text(TAG.sopInstanceUid),
    modality: text(TAG.modality),
    bodyPart: text(TAG.bodyPart),
    rows: layout.rows,
    columns: layout.columns,
    bitsStored: layout.bitsStored,
    frames: layout.frames,
    windowPresets,
  };
}

const round = (value: number): number => Math.round(value * 100) / 100;
