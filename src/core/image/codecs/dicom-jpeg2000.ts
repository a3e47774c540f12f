import type { FrameCodec } from './codec.js';
import { checkCodestreamHeader, j2kSizHeader } from './jpeg-header.js';
import { checkDecodedShape, samplesFromBytes } from './samples.js';
import { decodeWithEmscripten, packageVersion, wasmModuleLoader, type EmscriptenDecoder } from './wasm.js';

const PACKAGE = '@cornerstonejs/codec-openjpeg';
const load = wasmModuleLoader<{ J2KDecoder: new () => EmscriptenDecoder }>(
  `${PACKAGE}/decodewasmjs`,
  `${PACKAGE}/decodewasm`,
  'JPEG 2000',
);

/** JPEG 2000 (Part 1 and the Part 2 multi-component syntaxes), lossless and lossy, through OpenJPEG in WASM. */
export const jpeg2000Codec: FrameCodec = {
  identity: { name: 'openjpeg', version: packageVersion(PACKAGE) },
  transferSyntaxes: [
    '1.2.840.10008.1.2.4.90',
    '1.2.840.10008.1.2.4.91',
    '1.2.840.10008.1.2.4.92',
    '1.2.840.10008.1.2.4.93',
  ],
  async decode(encoded, spec) {
    checkCodestreamHeader(j2kSizHeader(encoded), spec, 'JPEG 2000');
    const codec = await load();
    const { bytes, info } = decodeWithEmscripten(new codec.J2KDecoder(), encoded, 'JPEG 2000', spec.name);
    checkDecodedShape(spec, info, 'JPEG 2000');
    // OpenJPEG undoes the codestream's component transform (YBR_RCT / YBR_ICT) and interleaves the components.
    // Signedness is taken from the codestream here; the caller re-reads the bits as DICOM's Pixel Representation
    // says, as pydicom and GDCM do when the two disagree.
    return {
      values: samplesFromBytes(bytes, info.bitsPerSample, info.isSigned === true),
      planar: false,
      convertedToRgb: spec.samplesPerPixel === 3,
      normalised: false,
    };
  },
};
