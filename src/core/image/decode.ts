import sharp from 'sharp';
import { CipherLensError } from '../errors.js';
import { readRegularFile } from '../fs/read.js';

/**
 * How a decoded image that is not already `size`×`size` becomes square:
 * - `error`: a non-square image is refused (NOT_SQUARE); a square one is still scaled to `size` when given.
 * - `resize`: stretched to N×N (aspect ratio NOT kept), N = `size` or the longer side.
 * - `pad`: scaled so the longer side is N (aspect kept; no scaling without `size`), then centred on black.
 */
export type FitMode = 'error' | 'resize' | 'pad';

/** 8-bit greyscale, row-major, one byte per pixel. */
export interface GreyImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedGreyImage extends GreyImage {
  source: { width: number; height: number; format: string };
  /** Every lossy step applied, in order, in words a person can check (empty: the file was already N×N grey). */
  conversion: string[];
}

export interface DecodeOptions {
  size?: number;
  fit?: FitMode;
  /** Refuse inputs whose header declares more pixels than this (decompression bombs), before decoding. */
  maxInputPixels?: number;
  /** Name used in error messages when `input` is a buffer. */
  name?: string;
}

/** 8192² pixels: the largest image the cipher accepts, and 64 MiB of greyscale. */
export const DEFAULT_MAX_INPUT_PIXELS = 8192 * 8192;
export const MAX_TARGET_SIZE = 16384;
/** sharp's default kernel; stated so results can be reproduced elsewhere. */
export const RESIZE_KERNEL = 'lanczos3';

// Measured with sharp 0.34 / libvips 8.17: pure red → 127, green → 220, blue → 76, i.e. linear-light BT.709
// luminance re-encoded with the sRGB curve, not the BT.601 weights applied to gamma-encoded values.
const GREYSCALE_NOTE =
  'greyscale: libvips sRGB→B_W, Y = 0.2126 R + 0.7152 G + 0.0722 B (ITU-R BT.709) on linearised sRGB, re-encoded with the sRGB curve';

/**
 * The sharp (libvips) decoder behind readImage (read-image.ts), for PNG, JPEG, TIFF, WebP and GIF. Code that reads a
 * file or an upload calls readImage, which also reads DICOM and takes the decode budget; this stays for bytes that
 * are known not to be DICOM (an 8-bit PNG handed over inside the pipeline, a test's own output).
 */
export async function decodeGreyImage(
  input: string | Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedGreyImage> {
  const fit = options.fit ?? 'error';
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  validateOptions(options.size, fit, maxInputPixels);
  const name = typeof input === 'string' ? input : (options.name ?? 'image buffer');
  const bytes = typeof input === 'string' ? await readImageFile(input) : input;
  if (bytes.length === 0)
    throw new CipherLensError('IMAGE_DECODE', `${name} is empty (0 bytes): not an image`);

  const metadata = await readMetadata(bytes, name);
  const format = metadata.format ?? 'unknown';
  const declaredWidth = metadata.width ?? 0;
  const declaredHeight = metadata.height ?? 0;
  if (declaredWidth <= 0 || declaredHeight <= 0) {
    throw new CipherLensError('IMAGE_DECODE', `${name} has zero size (${declaredWidth}×${declaredHeight})`);
  }
  if (declaredWidth * declaredHeight > maxInputPixels) {
    throw tooLarge(name, `${declaredWidth}×${declaredHeight}`, maxInputPixels);
  }

  const conversion: string[] = [];
  const grey = await decodeToGrey(bytes, name, metadata, maxInputPixels, conversion);
  const squared = await makeSquare(grey, options.size, fit, name, conversion);
  return { ...squared, source: { width: grey.width, height: grey.height, format }, conversion };
}

function validateOptions(size: number | undefined, fit: string, maxInputPixels: number): void {
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > MAX_TARGET_SIZE)) {
    throw new CipherLensError(
      'BAD_SIZE',
      `target size ${size} is not an integer from 1 to ${MAX_TARGET_SIZE}`,
    );
  }
  if (fit !== 'error' && fit !== 'resize' && fit !== 'pad') {
    throw new CipherLensError('BAD_INPUT', `unknown fit mode "${fit}"; expected error, resize or pad`);
  }
  if (!Number.isInteger(maxInputPixels) || maxInputPixels < 1) {
    throw new CipherLensError(
      'BAD_INPUT',
      `maxInputPixels must be a positive integer, got ${maxInputPixels}`,
    );
  }
}

/** Larger files are refused before reading: a path from a request must not be able to exhaust memory. */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

/** Reads an image file, with a missing file told apart from an unreadable one. */
export async function readImageFile(path: string): Promise<Uint8Array> {
  // A device such as /dev/zero reports size 0 and never ends, a FIFO never opens: regular files only.
  return readRegularFile(path, MAX_IMAGE_FILE_BYTES, {
    what: `image file ${path}`,
    tooLargeCode: 'IMAGE_TOO_LARGE',
  });
}

async function readMetadata(bytes: Uint8Array, name: string): Promise<sharp.Metadata> {
  try {
    return await sharp(bytes, { failOn: 'warning', limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeFailure(name, error);
  }
}

/** Orientation, alpha and colour are settled at the source resolution, so geometry later works on grey bytes. */
async function decodeToGrey(
  bytes: Uint8Array,
  name: string,
  metadata: sharp.Metadata,
  maxInputPixels: number,
  conversion: string[],
): Promise<GreyImage> {
  let pipeline = sharp(bytes, { failOn: 'warning', limitInputPixels: maxInputPixels });
  if (metadata.orientation !== undefined && metadata.orientation > 1) {
    pipeline = pipeline.autoOrient();
    conversion.push(`rotated/flipped upright from EXIF orientation ${metadata.orientation}`);
  }
  if ((metadata.pages ?? 1) > 1) conversion.push(`first of ${metadata.pages} pages/frames used`);
  if (metadata.hasAlpha) {
    pipeline = pipeline.flatten({ background: '#000000' });
    conversion.push('alpha composited over black');
  }
  const isGrey = metadata.channels !== undefined && metadata.channels - (metadata.hasAlpha ? 1 : 0) === 1;
  if (!isGrey) conversion.push(GREYSCALE_NOTE);
  if (metadata.depth !== undefined && metadata.depth !== 'uchar' && metadata.depth !== 'char') {
    conversion.push(`sample depth ${metadata.depth} reduced to 8 bits`);
  }
  try {
    const { data, info } = await pipeline
      .greyscale()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 || data.length !== info.width * info.height) {
      throw new CipherLensError('INTERNAL', `greyscale decode of ${name} gave ${info.channels} channels`);
    }
    return {
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    if (error instanceof CipherLensError) throw error;
    throw decodeFailure(name, error);
  }
}

async function makeSquare(
  image: GreyImage,
  size: number | undefined,
  fit: FitMode,
  name: string,
  conversion: string[],
): Promise<GreyImage> {
  const { width, height } = image;
  const square = width === height;
  if (!square && fit === 'error') {
    throw new CipherLensError(
      'NOT_SQUARE',
      `${name} is ${width}×${height}, not square; ask for a fit (resize or pad) to make it square`,
    );
  }
  const target = size ?? Math.max(width, height);
  if (square) {
    if (target === width) return image;
    conversion.push(`resized ${width}×${height} → ${target}×${target} (${RESIZE_KERNEL})`);
    return resizeGrey(image, target, target);
  }
  if (fit === 'resize') {
    conversion.push(
      `stretched ${width}×${height} → ${target}×${target} (${RESIZE_KERNEL}, aspect ratio not kept)`,
    );
    return resizeGrey(image, target, target);
  }
  const scale = target / Math.max(width, height);
  const scaledWidth = Math.max(1, Math.round(width * scale));
  const scaledHeight = Math.max(1, Math.round(height * scale));
  let content = image;
  if (scaledWidth !== width || scaledHeight !== height) {
    conversion.push(
      `resized ${width}×${height} → ${scaledWidth}×${scaledHeight} (${RESIZE_KERNEL}, aspect ratio kept)`,
    );
    content = await resizeGrey(image, scaledWidth, scaledHeight);
  }
  conversion.push(
    `padded ${scaledWidth}×${scaledHeight} → ${target}×${target} with black, centred (odd pixel right/bottom)`,
  );
  return padCentred(content, target);
}

/** The one resampler (RESIZE_KERNEL through sharp) for every resize of a grey image: import, model inputs, samples. */
export async function resizeGrey(image: GreyImage, width: number, height: number): Promise<GreyImage> {
  const { data, info } = await sharp(image.pixels, {
    raw: { width: image.width, height: image.height, channels: 1 },
  })
    .resize(width, height, { fit: 'fill', kernel: RESIZE_KERNEL })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || info.width !== width || info.height !== height) {
    throw new CipherLensError(
      'INTERNAL',
      `resize to ${width}×${height} gave ${info.width}×${info.height}×${info.channels}`,
    );
  }
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

function padCentred(image: GreyImage, size: number): GreyImage {
  const pixels = new Uint8Array(size * size);
  const left = Math.floor((size - image.width) / 2);
  const top = Math.floor((size - image.height) / 2);
  for (let y = 0; y < image.height; y++) {
    const row = image.pixels.subarray(y * image.width, (y + 1) * image.width);
    pixels.set(row, (top + y) * size + left);
  }
  return { pixels, width: size, height: size };
}

function tooLarge(name: string, dimensions: string, limit: number): CipherLensError {
  return new CipherLensError(
    'IMAGE_TOO_LARGE',
    `${name} is ${dimensions} pixels, over the limit of ${limit} pixels (decompression-bomb guard)`,
  );
}

function decodeFailure(name: string, error: unknown): CipherLensError {
  const detail = error instanceof Error ? error.message.trim() : String(error);
  if (/exceeds pixel limit/i.test(detail)) {
    return new CipherLensError(
      'IMAGE_TOO_LARGE',
      `${name} exceeds the input pixel limit (decompression-bomb guard)`,
      {
        cause: error,
      },
    );
  }
  return new CipherLensError('IMAGE_DECODE', `cannot decode ${name} as an image: ${detail}`, {
    cause: error,
  });
}

/** Lossless 8-bit greyscale PNG of an image (one channel). */
export async function encodeGreyPng(image: GreyImage): Promise<Buffer> {
  const { pixels, width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new CipherLensError('BAD_SIZE', `cannot encode a ${width}×${height} image`);
  }
  if (pixels.length !== width * height) {
    throw new CipherLensError(
      'BAD_INPUT',
      `image of ${width}×${height} needs ${width * height} pixels, got ${pixels.length}`,
    );
  }
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6, palette: false })
    .toBuffer();
}
