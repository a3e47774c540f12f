import {
  decodeGreyImage,
  encodeGreyPng,
  readImageFile,
  type DecodedGreyImage,
  type FitMode,
} from './decode.js';
import { decodeDicom, isDicom, type DicomWindow } from './dicom.js';

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
 * PNG, JPEG, TIFF… through sharp, DICOM through dicom-parser, recognised by content (not by file name).
 * Both end as a square 8-bit grey image with every conversion step listed.
 */
export async function decodeAnyImage(
  input: string | Uint8Array,
  options: AnyImageOptions = {},
): Promise<DecodedGreyImage> {
  const name = typeof input === 'string' ? input : (options.name ?? 'image buffer');
  const bytes = typeof input === 'string' ? await readImageFile(input) : input;
  const decodeOptions = {
    name,
    ...(options.size !== undefined && { size: options.size }),
    ...(options.fit !== undefined && { fit: options.fit }),
    ...(options.maxInputPixels !== undefined && { maxInputPixels: options.maxInputPixels }),
  };
  if (!isDicom(bytes)) return decodeGreyImage(bytes, decodeOptions);

  const dicom = decodeDicom(bytes, {
    name,
    ...(options.dicomFrame !== undefined && { frame: options.dicomFrame }),
    ...(options.dicomWindow !== undefined && { window: options.dicomWindow }),
    ...(options.maxInputPixels !== undefined && { maxInputPixels: options.maxInputPixels }),
  });
  // The windowed frame goes through the same square/resize step as every other image (lossless PNG hand-over).
  const squared = await decodeGreyImage(await encodeGreyPng(dicom), decodeOptions);
  return {
    pixels: squared.pixels,
    width: squared.width,
    height: squared.height,
    source: { width: dicom.width, height: dicom.height, format: 'dicom' },
    conversion: [...dicom.conversion, ...squared.conversion],
  };
}
