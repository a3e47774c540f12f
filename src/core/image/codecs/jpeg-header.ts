import { CipherLensError } from '../../errors.js';
import type { FrameSpec } from './codec.js';

export interface CodestreamHeader {
  precision: number;
  width: number;
  height: number;
  components: number;
}

/**
 * The frame header of a JPEG (SOF0–SOF15) or JPEG-LS (SOF55) codestream, read before decoding so that a frame
 * that declares other dimensions than the DICOM header is refused before a decoder allocates for it.
 */
export function jpegFrameHeader(encoded: Uint8Array): CodestreamHeader | null {
  if (encoded[0] !== 0xff || encoded[1] !== 0xd8) return null;
  let at = 2;
  while (at + 9 < encoded.length) {
    if (encoded[at] !== 0xff) return null;
    const marker = encoded[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const isFrame =
      (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) ||
      marker === 0xf7;
    if (isFrame) {
      return {
        precision: encoded[at + 4]!,
        height: (encoded[at + 5]! << 8) | encoded[at + 6]!,
        width: (encoded[at + 7]! << 8) | encoded[at + 8]!,
        components: encoded[at + 9]!,
      };
    }
    at += 2 + ((encoded[at + 2]! << 8) | encoded[at + 3]!);
  }
  return null;
}

/** The SIZ segment of a JPEG 2000 codestream (FF4F FF51), or null for another layout (e.g. a JP2 file). */
export function j2kSizHeader(encoded: Uint8Array): CodestreamHeader | null {
  if (encoded.length < 42 || encoded[0] !== 0xff || encoded[1] !== 0x4f || encoded[2] !== 0xff) return null;
  if (encoded[3] !== 0x51) return null;
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const width = view.getUint32(8) - view.getUint32(16);
  const height = view.getUint32(12) - view.getUint32(20);
  const components = view.getUint16(40);
  const precision = encoded.length > 42 ? (encoded[42]! & 0x7f) + 1 : 0;
  return { precision, width, height, components };
}

/** Refuses a codestream whose own header disagrees with the DICOM header (size or components). */
export function checkCodestreamHeader(header: CodestreamHeader | null, spec: FrameSpec, what: string): void {
  if (header === null) return;
  if (header.width !== spec.columns || header.height !== spec.rows) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${spec.name}: the ${what} codestream is ${header.width}×${header.height} but the DICOM header says ${spec.columns}×${spec.rows}`,
    );
  }
  if (header.components !== spec.samplesPerPixel) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${spec.name}: the ${what} codestream has ${header.components} components but the DICOM header says ${spec.samplesPerPixel} samples per pixel`,
    );
  }
}
