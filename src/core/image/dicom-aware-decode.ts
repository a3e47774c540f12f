import sharp from 'sharp';
import { CipherLensError } from '../errors.js';
import { decodeBudget } from './decode-budget.js';
import {
  decodeGreyImage,
  DEFAULT_MAX_INPUT_PIXELS,
  encodeGreyPng,
  readImageFile,
  type DecodedGreyImage,
  type FitMode,
} from './decode.js';
import { dicomDimensions, isDicom, MAX_DICOM_PIXELS, type DicomWindow } from './dicom.js';
import { decodeDicomOffThread } from './dicom-pool.js';

export interface AnyImageOptions {
  size?: number;
  fit?: FitMode;
  maxInputPixels?: number;
  dicomFrame?: number;
  dicomWindow?: DicomWindow;
  /** Name used in messages when `input` is bytes. */
  name?: string;
}

/**
 * A DICOM pixel weighs this many pixels of the decode budget: its decode holds about 14 bytes per pixel
 * (32-bit stored values, 64-bit modality values, the 8-bit result), several times what sharp holds.
 */
const DICOM_PIXEL_WEIGHT = 2;

/** What the header declares, read without decoding (sharp's and dicom-parser's header readers). */
async function declaredPixels(bytes: Uint8Array, dicom: boolean): Promise<number> {
  if (dicom) {
    const dimensions = dicomDimensions(bytes);
    return dimensions ? dimensions.rows * dimensions.columns : 1;
  }
  try {
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    return (metadata.width ?? 1) * (metadata.height ?? 1);
  } catch {
    return 1; // Not an image sharp knows: the decode says why, at no cost.
  }
}

/**
 * PNG, JPEG, TIFF… through sharp, DICOM through dicom-parser (in a worker thread, dicom-pool.ts), recognised
 * by content (not by file name). Both end as a square 8-bit grey image with every conversion step listed.
 * Every decode takes its declared pixels from the decode budget first (decode-budget.ts): declared dimensions
 * over the limit are refused before anything is allocated, and parallel requests queue instead of piling up
 * memory.
 */
export async function decodeAnyImage(
  input: string | Uint8Array,
  options: AnyImageOptions = {},
): Promise<DecodedGreyImage> {
  const name = typeof input === 'string' ? input : (options.name ?? 'image buffer');
  const bytes = typeof input === 'string' ? await readImageFile(input) : input;
  const dicom = isDicom(bytes);
  const limit = options.maxInputPixels ?? (dicom ? MAX_DICOM_PIXELS : DEFAULT_MAX_INPUT_PIXELS);
  const declared = await declaredPixels(bytes, dicom);
  if (declared > limit) {
    throw new CipherLensError(
      'IMAGE_TOO_LARGE',
      `${name} declares ${declared} pixels, over the limit of ${limit} pixels: not decoded`,
    );
  }
  return decodeBudget.run(declared * (dicom ? DICOM_PIXEL_WEIGHT : 1), name, () =>
    decodeWithin(bytes, dicom, name, options),
  );
}

async function decodeWithin(
  bytes: Uint8Array,
  dicom: boolean,
  name: string,
  options: AnyImageOptions,
): Promise<DecodedGreyImage> {
  const decodeOptions = {
    name,
    ...(options.size !== undefined && { size: options.size }),
    ...(options.fit !== undefined && { fit: options.fit }),
    ...(options.maxInputPixels !== undefined && { maxInputPixels: options.maxInputPixels }),
  };
  if (!dicom) return decodeGreyImage(bytes, decodeOptions);

  const image = await decodeDicomOffThread(bytes, {
    name,
    ...(options.dicomFrame !== undefined && { frame: options.dicomFrame }),
    ...(options.dicomWindow !== undefined && { window: options.dicomWindow }),
    ...(options.maxInputPixels !== undefined && { maxInputPixels: options.maxInputPixels }),
  });
  // The windowed frame goes through the same square/resize step as every other image (lossless PNG hand-over).
  const squared = await decodeGreyImage(await encodeGreyPng(image), decodeOptions);
  return {
    pixels: squared.pixels,
    width: squared.width,
    height: squared.height,
    source: { width: image.width, height: image.height, format: 'dicom' },
    conversion: [...image.conversion, ...squared.conversion],
  };
}
