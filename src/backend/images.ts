import { readContainerHeader } from '../core/crypto/container.js';
import { CipherLensError } from '../core/errors.js';
import { encodeGreyPng, resizeGrey } from '../core/image/decode.js';

const HMAC_BYTES = 32;

/** A square grey image as a PNG data URL, the form every image takes in API responses. */
export async function pngDataUrl(pixels: Uint8Array, size: number): Promise<string> {
  const png = await encodeGreyPng({ pixels, width: size, height: size });
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * The ciphertext of a stored container, for display only (its MAC is not checked: showing noise needs no
 * key). Anything derived from pixels goes through decryptContainer instead.
 */
export function displayCiphertext(
  container: Uint8Array,
  source: string,
): { pixels: Uint8Array; size: number } {
  const header = readContainerHeader(container, source);
  const end = header.totalBytes - HMAC_BYTES;
  return { pixels: container.subarray(end - header.size * header.size, end), size: header.size };
}

/** Resamples a square grey image with the import's resampler (core/image/decode.ts resizeGrey). */
export async function resizeSquare(pixels: Uint8Array, from: number, to: number): Promise<Uint8Array> {
  if (from === to) return pixels;
  if (pixels.length !== from * from) {
    throw new CipherLensError('BAD_SIZE', `image has ${pixels.length} pixels, not ${from}×${from}`);
  }
  return (await resizeGrey({ pixels, width: from, height: from }, to, to)).pixels;
}

/** Base64 from the API, size-checked by the schema already. */
export function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}
