import sharp from 'sharp';
import { CipherLensError } from '../errors.js';
import type { CodecIdentity } from './codecs/codec.js';
import { sharpIdentity } from './codecs/sharp.js';
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
import type { DicomModalityImage } from './dicom-metadata.js';
import { decodeDicomOffThread } from './dicom-pool.js';

export interface ReadImageOptions {
  /** Side of the square result; the source's longer side when absent. */
  size?: number;
  fit?: FitMode;
  maxInputPixels?: number;
  /** 0-based frame of a multi-frame DICOM object. */
  dicomFrame?: number;
  dicomWindow?: DicomWindow;
  /** Name used in messages when `input` is bytes. */
  name?: string;
}

/** A square 8-bit grey image, how it was made, and — for DICOM — the values and header fields behind it. */
export interface ReadImage extends DecodedGreyImage {
  /** The codec that decoded the file (sharp/libvips, or the DICOM codec of its transfer syntax). */
  decoder: CodecIdentity;
  /** DICOM only: modality values before windowing, the window used, presets and header fields (PHI). */
  dicom: DicomModalityImage | null;
}

/**
 * A DICOM pixel weighs this many pixels of the decode budget: its decode holds about 14 bytes per pixel
 * (stored values, float32 modality values, the 8-bit result), several times what sharp holds.
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
 * The one way CipherLens reads an image file — app import, classify/retrieve uploads, every CLI command and
 * dataset folders all call it. PNG, JPEG, TIFF, WebP, GIF go through sharp; DICOM (recognised by content, not
 * by name: Part 10 with or without preamble, or a bare data set) through dicom.ts and its codecs, in a worker
 * thread (dicom-pool.ts). Both end as a square 8-bit grey image with every conversion step listed. Each decode
 * first takes its declared pixels from the decode budget (decode-budget.ts): dimensions over the limit are
 * refused before anything is allocated, and parallel decodes queue instead of piling up memory.
 */
export async function readImage(
  input: string | Uint8Array,
  options: ReadImageOptions = {},
): Promise<ReadImage> {
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
  options: ReadImageOptions,
): Promise<ReadImage> {
  const decodeOptions = {
    name,
    ...(options.size !== undefined && { size: options.size }),
    ...(options.fit !== undefined && { fit: options.fit }),
    ...(options.maxInputPixels !== undefined && { maxInputPixels: options.maxInputPixels }),
  };
  if (!dicom)
    return { ...(await decodeGreyImage(bytes, decodeOptions)), decoder: sharpIdentity(), dicom: null };

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
    decoder: image.decoder,
    dicom: {
      width: image.width,
      height: image.height,
      modality: image.modality,
      photometric: image.photometric,
      window: image.window,
      windowPresets: image.windowPresets,
      metadata: image.metadata,
    },
  };
}
