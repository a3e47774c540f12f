import { CipherLensError } from '../../errors.js';
import type { DecodedFrame, FrameCodec, FrameSpec } from './codec.js';

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits-compressed segment
 * per byte of each sample (most significant byte first). Small enough to be written here; no codec package
 * implements the DICOM framing.
 */
export const rleCodec: FrameCodec = {
  identity: { name: 'cipherlens-rle', version: '1' },
  transferSyntaxes: ['1.2.840.10008.1.2.5'],
  async decode(encoded, spec) {
    return decodeRle(encoded, spec);
  },
};

export function decodeRle(encoded: Uint8Array, spec: FrameSpec): DecodedFrame {
  const fail = (why: string): CipherLensError =>
    new CipherLensError('IMAGE_DECODE', `${spec.name}: the RLE data is invalid: ${why}`);
  if (spec.bitsAllocated % 8 !== 0 || spec.bitsAllocated > 32) {
    throw fail(`${spec.bitsAllocated} bits allocated (RLE takes 8, 16 or 32)`);
  }
  if (encoded.length < 64) throw fail(`${encoded.length} bytes, shorter than the 64-byte header`);
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const bytesPerSample = spec.bitsAllocated / 8;
  const expected = bytesPerSample * spec.samplesPerPixel;
  const segments = view.getUint32(0, true);
  if (segments !== expected) {
    throw fail(
      `${segments} segments, expected ${expected} for ${spec.samplesPerPixel}×${spec.bitsAllocated}-bit samples`,
    );
  }
  const offsets: number[] = [];
  for (let i = 0; i < segments; i++) offsets.push(view.getUint32(4 + 4 * i, true));
  const pixels = spec.rows * spec.columns;
  const segment = new Uint8Array(pixels);
  const values =
    bytesPerSample === 1
      ? new Uint8Array(pixels * spec.samplesPerPixel)
      : bytesPerSample === 2
        ? new Uint16Array(pixels * spec.samplesPerPixel)
        : new Uint32Array(pixels * spec.samplesPerPixel);
  for (let s = 0; s < segments; s++) {
    const start = offsets[s]!;
    const end = s + 1 < segments ? offsets[s + 1]! : encoded.length;
    if (start < 64 || end > encoded.length || end < start)
      throw fail(`segment ${s + 1} lies outside the frame`);
    unpackBits(encoded.subarray(start, end), segment, s + 1, fail);
    const sample = Math.floor(s / bytesPerSample);
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample));
    const base = sample * pixels;
    // Segments of one sample are ORed together, most significant byte first; `>>> 0` keeps 32-bit values unsigned.
    for (let i = 0; i < pixels; i++) values[base + i] = (values[base + i]! | (segment[i]! << shift)) >>> 0;
  }
  return { values, planar: true, convertedToRgb: false, normalised: false };
}

/** PackBits: a count byte n, then n+1 literal bytes (n ≥ 0) or one byte repeated 1−n times (n < 0, not −128). */
function unpackBits(
  input: Uint8Array,
  output: Uint8Array,
  segment: number,
  fail: (why: string) => CipherLensError,
): void {
  let read = 0;
  let written = 0;
  while (written < output.length) {
    if (read >= input.length)
      throw fail(`segment ${segment} ends after ${written} of ${output.length} bytes`);
    const n = (input[read++]! << 24) >> 24;
    if (n >= 0) {
      const count = n + 1;
      if (read + count > input.length || written + count > output.length) {
        throw fail(`segment ${segment} has a literal run past its end`);
      }
      output.set(input.subarray(read, read + count), written);
      read += count;
      written += count;
    } else if (n !== -128) {
      const count = 1 - n;
      if (read >= input.length || written + count > output.length) {
        throw fail(`segment ${segment} has a repeat run past its end`);
      }
      output.fill(input[read++]!, written, written + count);
      written += count;
    }
  }
}
