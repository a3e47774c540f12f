import { CipherLensError } from '../../errors.js';
import type { DecodedFrame, FrameSpec } from './codec.js';

/** Where a frame's native (uncompressed) samples are, and how they are laid out. */
export interface NativeFrameSource {
  /** The whole pixel data element's value. */
  data: Uint8Array;
  frame: number;
  frames: number;
  bigEndian: boolean;
  highBit: number;
  /** Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009). */
  float: boolean;
  planar: boolean;
  /** YBR_FULL_422: two luma samples share one Cb and one Cr (PS3.3 C.7.6.3.1.2). */
  subsampled422: boolean;
}

export const NATIVE_CODEC_IDENTITY = { name: 'cipherlens-native', version: '1' } as const;

/** Bytes of pixel data one frame takes (1-bit frames are packed bit after bit, without padding between frames). */
export function nativeFrameBits(spec: FrameSpec, subsampled422: boolean): number {
  const samples = subsampled422
    ? spec.rows * spec.columns * 2
    : spec.rows * spec.columns * spec.samplesPerPixel;
  return samples * spec.bitsAllocated;
}

/**
 * The stored values of one native frame, masked to BitsStored (below HighBit) and sign-extended when Pixel
 * Representation is 1, as float64 (32-bit unsigned values do not fit an Int32Array). 4:2:2 colour is expanded to
 * one Y, Cb and Cr per pixel, as pydicom does.
 */
export function decodeNativeFrame(source: NativeFrameSource, spec: FrameSpec): DecodedFrame {
  const frameBits = nativeFrameBits(spec, source.subsampled422);
  const neededBits = frameBits * source.frames;
  if (source.data.length * 8 < neededBits) {
    throw new CipherLensError(
      'TRUNCATED',
      `${spec.name} is truncated: ${source.frames} frame(s) of ${spec.columns}×${spec.rows} need ${Math.ceil(neededBits / 8)} bytes of pixel data, found ${source.data.length}`,
    );
  }
  const { data } = source;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const little = !source.bigEndian;
  const count = frameBits / spec.bitsAllocated;
  const raw = new Float64Array(count);
  const startBit = source.frame * frameBits;
  const bits = spec.bitsAllocated;
  if (source.float) {
    const start = startBit / 8;
    for (let i = 0; i < count; i++) {
      raw[i] = bits === 32 ? view.getFloat32(start + i * 4, little) : view.getFloat64(start + i * 8, little);
    }
    return { values: raw, planar: source.planar, convertedToRgb: false, normalised: true };
  }
  if (bits === 1) {
    // PS3.5 8.1.1: bit 0 of each byte is the first pixel.
    for (let i = 0; i < count; i++) {
      const bit = startBit + i;
      raw[i] = (data[bit >>> 3]! >>> (bit & 7)) & 1;
    }
    return { values: raw, planar: false, convertedToRgb: false, normalised: true };
  }
  const start = startBit / 8;
  const shift = source.highBit + 1 - spec.bitsStored;
  const storedMax = 2 ** spec.bitsStored;
  for (let i = 0; i < count; i++) {
    const value =
      bits === 8
        ? data[start + i]!
        : bits === 16
          ? view.getUint16(start + i * 2, little)
          : view.getUint32(start + i * 4, little);
    // Plain arithmetic rather than bit operators: they would turn 32-bit values negative.
    let stored = Math.floor(value / 2 ** shift) % storedMax;
    if (spec.signed && stored >= storedMax / 2) stored -= storedMax;
    raw[i] = stored;
  }
  if (!source.subsampled422)
    return { values: raw, planar: source.planar, convertedToRgb: false, normalised: true };
  const pixels = spec.rows * spec.columns;
  const full = new Float64Array(pixels * 3);
  for (let pair = 0; pair < pixels / 2; pair++) {
    const [y1, y2, cb, cr] = [raw[4 * pair]!, raw[4 * pair + 1]!, raw[4 * pair + 2]!, raw[4 * pair + 3]!];
    full.set([y1, cb, cr, y2, cb, cr], 6 * pair);
  }
  return { values: full, planar: false, convertedToRgb: false, normalised: true };
}
