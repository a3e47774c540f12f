import { CipherLensError } from '../../errors.js';
import type { DecodedFrame, FrameSpec } from './codec.js';

/** A codec's output bytes as samples: one byte per sample up to 8 bits, two (host order) up to 16. */
export function samplesFromBytes(
  bytes: Uint8Array,
  bitsPerSample: number,
  signed: boolean,
): DecodedFrame['values'] {
  if (bitsPerSample <= 8) return signed ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
  if (bitsPerSample <= 16) {
    const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
    const count = Math.floor(aligned.length / 2);
    return signed
      ? new Int16Array(aligned.buffer, aligned.byteOffset, count)
      : new Uint16Array(aligned.buffer, aligned.byteOffset, count);
  }
  throw new CipherLensError('IMAGE_DECODE', `a codec returned ${bitsPerSample}-bit samples`);
}

/** A decoded frame must be the size and shape the data set declares; a codestream that disagrees is refused. */
export function checkDecodedShape(
  spec: FrameSpec,
  info: { width: number; height: number; componentCount: number; bitsPerSample: number },
  what: string,
): void {
  if (info.width !== spec.columns || info.height !== spec.rows) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${spec.name}: the ${what} data is ${info.width}×${info.height} but the DICOM header says ${spec.columns}×${spec.rows}`,
    );
  }
  if (info.componentCount !== spec.samplesPerPixel) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${spec.name}: the ${what} data has ${info.componentCount} components but the DICOM header says ${spec.samplesPerPixel} samples per pixel`,
    );
  }
  if (info.bitsPerSample > spec.bitsAllocated) {
    throw new CipherLensError(
      'IMAGE_DECODE',
      `${spec.name}: the ${what} data has ${info.bitsPerSample}-bit samples, more than the ${spec.bitsAllocated} bits allocated`,
    );
  }
}
