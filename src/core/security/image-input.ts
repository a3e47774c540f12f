import { CipherLensError } from '../errors.js';

/** The metrics work on N×N 8-bit greyscale images, row-major, one byte per pixel (the cipher's layout). */
export function assertSquareImage(pixels: Uint8Array, size: number, name = 'image'): void {
  if (!(pixels instanceof Uint8Array)) {
    throw new CipherLensError('BAD_INPUT', `${name} must be a Uint8Array of 8-bit pixels`);
  }
  if (!Number.isInteger(size) || size < 2) {
    throw new CipherLensError('BAD_SIZE', `${name}: size must be an integer ≥ 2, got ${size}`);
  }
  if (pixels.length !== size * size) {
    throw new CipherLensError(
      'BAD_SIZE',
      `${name} has ${pixels.length} pixels; a ${size}×${size} image needs ${size * size}`,
    );
  }
}

/** Side of a square image from its pixel count, or a BAD_SIZE error when the count is not a square ≥ 4. */
export function squareSide(pixels: Uint8Array, name = 'image'): number {
  const size = Math.round(Math.sqrt(pixels.length));
  if (size < 2 || size * size !== pixels.length) {
    throw new CipherLensError(
      'BAD_SIZE',
      `${name} has ${pixels.length} pixels, which is not an N×N image with N ≥ 2`,
    );
  }
  return size;
}
