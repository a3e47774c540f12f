import type { CodecIdentity, FrameCodec } from './codec.js';
import { NATIVE_CODEC_IDENTITY } from './dicom-native.js';
import { jpegBaselineCodec } from './dicom-jpeg-baseline.js';
import { jpegLosslessCodec } from './dicom-jpeg-lossless.js';
import { jpegLsCodec } from './dicom-jpeg-ls.js';
import { jpeg2000Codec } from './dicom-jpeg2000.js';
import { rleCodec } from './dicom-rle.js';
import { sharpIdentity } from './sharp.js';
import { packageVersion } from './wasm.js';

/** Every codec for encapsulated DICOM pixel data, one module each. */
export const FRAME_CODECS: readonly FrameCodec[] = [
  rleCodec,
  jpegBaselineCodec,
  jpegLosslessCodec,
  jpegLsCodec,
  jpeg2000Codec,
];

const byTransferSyntax = new Map(
  FRAME_CODECS.flatMap((c) => c.transferSyntaxes.map((uid) => [uid, c] as const)),
);

/** The codec for an encapsulated transfer syntax, or undefined when CipherLens has none. */
export function codecFor(transferSyntax: string): FrameCodec | undefined {
  return byTransferSyntax.get(transferSyntax);
}

/**
 * Bump when CipherLens's own decoding steps change (windowing, grey conversion, geometry): with the codec
 * versions below it makes up the pipeline's identity.
 */
export const IMAGE_PIPELINE_VERSION = 2;

/** Every piece of software that can turn a file into the pixels a model sees, with its version. */
export function imageDecoders(): CodecIdentity[] {
  return [
    sharpIdentity(),
    { name: 'dicom-parser', version: packageVersion('dicom-parser') },
    NATIVE_CODEC_IDENTITY,
    ...FRAME_CODECS.map((c) => c.identity),
  ];
}

/**
 * One string naming the whole image pipeline and its codecs' versions, e.g.
 * `cipherlens-image/2 sharp@0.34.5+libvips@8.17.3 dicom-parser@1.8.21 …`. It goes into dataset cache keys and
 * model cards, so a decoder upgrade that changes pixels cannot silently change what a model was trained on.
 */
export function imagePipelineIdentity(): string {
  return [
    `cipherlens-image/${IMAGE_PIPELINE_VERSION}`,
    ...imageDecoders().map((d) => `${d.name}@${d.version}`),
  ].join(' ');
}
