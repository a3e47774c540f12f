/**
 * The seam between the DICOM reader (dicom.ts) and the codecs that turn one encoded frame into samples. Each
 * codec lives in its own module and names itself (package + version), so the pipeline's identity — what a
 * dataset cache and a model card record — changes whenever a codec does.
 */

/** Which software decoded an image: a name and the version of the package that does the work. */
export interface CodecIdentity {
  name: string;
  version: string;
}

/** What the data set says about one frame, as the codec needs it. */
export interface FrameSpec {
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  /** Photometric Interpretation (0028,0004), upper case. */
  photometric: string;
  /** Used in messages. */
  name: string;
}

/** Samples of one frame, as the codec produced them. */
export interface DecodedFrame {
  /** Integer samples (masked to BitsStored and sign-extended by the caller) or floating-point values. */
  values:
    | Uint8Array
    | Int8Array
    | Uint16Array
    | Int16Array
    | Uint32Array
    | Int32Array
    | Float32Array
    | Float64Array;
  /** Colour samples stored plane by plane (R…, G…, B…) rather than interleaved (RGB RGB …). */
  planar: boolean;
  /** The codec converted colour to RGB itself (JPEG's YCbCr, JPEG 2000's component transform). */
  convertedToRgb: boolean;
  /** `values` are already the stored values (masked, sign-extended): native pixel data. */
  normalised: boolean;
}

/** A codec for one family of encapsulated transfer syntaxes. */
export interface FrameCodec {
  identity: CodecIdentity;
  /** Transfer syntax UIDs this codec decodes. */
  transferSyntaxes: readonly string[];
  decode(encoded: Uint8Array, spec: FrameSpec): Promise<DecodedFrame>;
}
