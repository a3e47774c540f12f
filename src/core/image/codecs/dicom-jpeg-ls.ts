import type { FrameCodec } from './codec.js';
import { checkCodestreamHeader, jpegFrameHeader } from './jpeg-header.js';
import { checkDecodedShape, samplesFromBytes } from './samples.js';
import { decodeWithEmscripten, packageVersion, wasmModuleLoader, type EmscriptenDecoder } from './wasm.js';

const PACKAGE = '@cornerstonejs/codec-charls';
const load = wasmModuleLoader<{ JpegLSDecoder: new () => EmscriptenDecoder }>(
  `${PACKAGE}/decodewasmjs`,
  `${PACKAGE}/decodewasm`,
  'JPEG-LS',
);

/** JPEG-LS lossless and near-lossless, through CharLS compiled to WASM. */
export const jpegLsCodec: FrameCodec = {
  identity: { name: 'charls', version: packageVersion(PACKAGE) },
  transferSyntaxes: ['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81'],
  async decode(encoded, spec) {
    checkCodestreamHeader(jpegFrameHeader(encoded), spec, 'JPEG-LS');
    const codec = await load();
    const { bytes, info } = decodeWithEmscripten(new codec.JpegLSDecoder(), encoded, 'JPEG-LS', spec.name);
    checkDecodedShape(spec, info, 'JPEG-LS');
    // CharLS returns interleaved samples whatever the codestream's interleave mode; signedness is DICOM's.
    return {
      values: samplesFromBytes(bytes, info.bitsPerSample, false),
      planar: false,
      convertedToRgb: false,
      normalised: false,
    };
  },
};
