import { createRequire } from 'node:module';
import { CipherLensError } from '../../errors.js';
import type { FrameCodec } from './codec.js';
import { checkCodestreamHeader, jpegFrameHeader } from './jpeg-header.js';
import { packageVersion } from './wasm.js';

const PACKAGE = 'jpeg-lossless-decoder-js';

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  numComp: number;
  precision: number | undefined;
}

// The package ships no type declarations (its "types" file is missing from the release): typed here.
const { Decoder } = createRequire(import.meta.url)(PACKAGE) as { Decoder: new () => LosslessDecoder };

/** JPEG lossless, non-hierarchical (process 14, any predictor incl. selection value 1), in plain JavaScript. */
export const jpegLosslessCodec: FrameCodec = {
  identity: { name: PACKAGE, version: packageVersion(PACKAGE) },
  transferSyntaxes: ['1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70'],
  async decode(encoded, spec) {
    const header = jpegFrameHeader(encoded);
    if (header === null) {
      throw new CipherLensError('IMAGE_DECODE', `${spec.name}: the JPEG lossless frame has no frame header`);
    }
    // The decoder allocates what the frame header declares: it must agree with the DICOM header first.
    checkCodestreamHeader(header, spec, 'JPEG lossless');
    if (spec.samplesPerPixel === 3 && header.precision > 8) {
      throw new CipherLensError(
        'IMAGE_DECODE',
        `${spec.name} is ${header.precision}-bit colour JPEG lossless; CipherLens decodes colour JPEG lossless with 8-bit samples only`,
      );
    }
    const copy = encoded.slice();
    let values: Uint8Array | Uint16Array;
    try {
      values = new Decoder().decode(copy.buffer, 0, copy.length, header.precision > 8 ? 2 : 1);
    } catch (error) {
      throw new CipherLensError(
        'IMAGE_DECODE',
        `${spec.name}: the JPEG lossless data cannot be decoded (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      );
    }
    if (!values || values.length !== spec.rows * spec.columns * spec.samplesPerPixel) {
      throw new CipherLensError(
        'IMAGE_DECODE',
        `${spec.name}: the JPEG lossless data decoded to ${values?.length ?? 0} samples, expected ${spec.rows * spec.columns * spec.samplesPerPixel}`,
      );
    }
    return { values, planar: false, convertedToRgb: false, normalised: false };
  },
};
