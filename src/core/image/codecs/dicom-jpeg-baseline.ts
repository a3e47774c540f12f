import { CipherLensError } from '../../errors.js';
import type { FrameCodec } from './codec.js';
import { checkCodestreamHeader, jpegFrameHeader } from './jpeg-header.js';
import { checkDecodedShape, samplesFromBytes } from './samples.js';
import { decodeWithEmscripten, packageVersion, wasmModuleLoader, type EmscriptenDecoder } from './wasm.js';

const PACKAGE = '@cornerstonejs/codec-libjpeg-turbo-8bit';
const load = wasmModuleLoader<{ JPEGDecoder: new () => EmscriptenDecoder }>(
  `${PACKAGE}/decodewasmjs`,
  `${PACKAGE}/decodewasm`,
  'JPEG',
);

const ADOBE_NO_TRANSFORM = Uint8Array.from([
  0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00,
]);

/**
 * A JPEG of a DICOM file that says RGB, with neither a JFIF nor a (complete) Adobe marker and component ids other than
 * JFIF's 1, 2, 3 (e.g. 0, 1, 2: Aperio slide tiles), holds RGB as is; libjpeg would guess YCbCr and "convert"
 * it. An Adobe APP14 marker saying "no transform" is inserted after SOI so that it does not. A JPEG with ids
 * 1, 2, 3 keeps libjpeg's reading as YCbCr: writers that label YCbCr data RGB (GDCM's lossy files) use them.
 */
export function markUntransformedRgb(encoded: Uint8Array): Uint8Array {
  let at = 2;
  let ids: number[] | null = null;
  while (at + 4 <= encoded.length && encoded[at] === 0xff) {
    const marker = encoded[at + 1]!;
    const length = (encoded[at + 2]! << 8) | encoded[at + 3]!;
    // JFIF, or an Adobe marker long enough to carry its transform flag: libjpeg reads the colour space right.
    // A shorter Adobe marker (seen in the wild) is ignored by libjpeg, as if absent.
    if (marker === 0xe0 || (marker === 0xee && length >= 14)) return encoded;
    if (marker >= 0xc0 && marker <= 0xc3) {
      const count = encoded[at + 9] ?? 0;
      ids = Array.from({ length: count }, (_, c) => encoded[at + 10 + 3 * c] ?? -1);
    }
    if (marker === 0xda) break;
    at += 2 + length;
  }
  if (ids === null || ids.length !== 3 || (ids[0] === 1 && ids[1] === 2 && ids[2] === 3)) return encoded;
  const marked = new Uint8Array(encoded.length + ADOBE_NO_TRANSFORM.length);
  marked.set(encoded.subarray(0, 2), 0);
  marked.set(ADOBE_NO_TRANSFORM, 2);
  marked.set(encoded.subarray(2), 2 + ADOBE_NO_TRANSFORM.length);
  return marked;
}

/**
 * JPEG baseline (process 1) and extended (processes 2 and 4) with 8-bit samples, through libjpeg-turbo in WASM.
 * 12-bit extended JPEG needs a 12-bit libjpeg build, which no maintained npm package provides: such a file is
 * refused with an error that says so.
 */
export const jpegBaselineCodec: FrameCodec = {
  identity: { name: 'libjpeg-turbo', version: packageVersion(PACKAGE) },
  transferSyntaxes: ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51'],
  async decode(encoded, spec) {
    const header = jpegFrameHeader(encoded);
    checkCodestreamHeader(header, spec, 'JPEG');
    const precision = header?.precision ?? 8;
    if (precision !== 8) {
      throw new CipherLensError(
        'IMAGE_DECODE',
        `${spec.name} is ${precision}-bit extended JPEG (process 4); CipherLens decodes 8-bit JPEG only ` +
          '(no maintained 12-bit JPEG decoder for Node.js); convert it first, e.g. `gdcmconv --raw in.dcm out.dcm`',
      );
    }
    const codec = await load();
    const input = spec.photometric === 'RGB' ? markUntransformedRgb(encoded) : encoded;
    const { bytes, info } = decodeWithEmscripten(new codec.JPEGDecoder(), input, 'JPEG', spec.name);
    checkDecodedShape(spec, info, 'JPEG');
    // libjpeg-turbo converts YCbCr to RGB as the JPEG's markers (JFIF, Adobe) and component ids ask.
    return {
      values: samplesFromBytes(bytes, info.bitsPerSample, false),
      planar: false,
      convertedToRgb: spec.samplesPerPixel === 3,
      normalised: false,
    };
  },
};
