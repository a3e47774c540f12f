/**
 * A minimal DICOM Part-10 writer for tests: preamble, "DICM", a file meta group (always explicit VR little
 * endian), then the data set in explicit or implicit VR little endian, or explicit big endian.
 */
export interface DicomElement {
  tag: [number, number];
  vr: string;
  value: string | number | number[] | Uint8Array;
}

export const TRANSFER_SYNTAX = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  explicitBig: '1.2.840.10008.1.2.2',
  jpeg2000: '1.2.840.10008.1.2.4.91',
  rle: '1.2.840.10008.1.2.5',
} as const;

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

interface Encoding {
  implicit: boolean;
  littleEndian: boolean;
}

function valueBytes(element: DicomElement, littleEndian: boolean): Uint8Array {
  const { vr, value } = element;
  if (value instanceof Uint8Array) return value.length % 2 ? concat([value, new Uint8Array(1)]) : value;
  if (typeof value === 'string') {
    const pad = vr === 'UI' ? '\0' : ' ';
    const text = value.length % 2 ? value + pad : value;
    return new TextEncoder().encode(text);
  }
  const numbers = Array.isArray(value) ? value : [value];
  const size = vr === 'US' || vr === 'SS' ? 2 : 4;
  const out = new Uint8Array(numbers.length * size);
  const view = new DataView(out.buffer);
  numbers.forEach((n, i) => {
    if (vr === 'US') view.setUint16(i * 2, n, littleEndian);
    else if (vr === 'SS') view.setInt16(i * 2, n, littleEndian);
    else view.setUint32(i * 4, n, littleEndian);
  });
  return out;
}

function encodeElement(element: DicomElement, encoding: Encoding, undefinedLength = false): Uint8Array {
  const data = valueBytes(element, encoding.littleEndian);
  const le = encoding.littleEndian;
  const head: number[] = [];
  const u16 = (n: number) => (le ? head.push(n & 0xff, n >> 8) : head.push(n >> 8, n & 0xff));
  const u32 = (n: number) =>
    le
      ? head.push(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff)
      : head.push((n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  u16(element.tag[0]);
  u16(element.tag[1]);
  const length = undefinedLength ? 0xffffffff : data.length;
  if (encoding.implicit) u32(length);
  else {
    head.push(element.vr.charCodeAt(0), element.vr.charCodeAt(1));
    if (LONG_VRS.has(element.vr)) {
      u16(0);
      u32(length);
    } else u16(length);
  }
  return concat([new Uint8Array(head), data]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export interface ImageSpec {
  rows: number;
  columns: number;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  photometric?: string;
  samplesPerPixel?: number;
  frames?: number;
  /** Stored values, frame after frame (for RGB: interleaved samples). */
  values: ArrayLike<number>;
  window?: { center: number | number[]; width: number | number[] };
  rescale?: { slope: number; intercept: number };
  transferSyntax?: string;
  /** Float Pixel Data (7FE0,0008) instead of Pixel Data; BitsAllocated is then 32 and `values` is ignored. */
  floatPixels?: Float32Array;
  /** Encapsulated syntaxes: the fragments (one per frame) instead of `values` as one fragment. */
  fragments?: Uint8Array[];
  /** Cut the file to this many bytes (truncation tests). */
  truncateTo?: number;
  extra?: DicomElement[];
}

/** A complete DICOM file holding one image. */
export function writeDicom(spec: ImageSpec): Uint8Array {
  const transferSyntax = spec.transferSyntax ?? TRANSFER_SYNTAX.explicitLittle;
  const encoding: Encoding = {
    implicit: transferSyntax === TRANSFER_SYNTAX.implicitLittle,
    littleEndian: transferSyntax !== TRANSFER_SYNTAX.explicitBig,
  };
  const bitsAllocated = spec.floatPixels ? 32 : (spec.bitsAllocated ?? 16);
  const frames = spec.frames ?? 1;
  const meta: DicomElement[] = [
    { tag: [0x0002, 0x0001], vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: [0x0002, 0x0002], vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: [0x0002, 0x0003], vr: 'UI', value: '1.2.826.0.1.3680043.8.498.1' },
    { tag: [0x0002, 0x0010], vr: 'UI', value: transferSyntax },
    { tag: [0x0002, 0x0012], vr: 'UI', value: '1.2.826.0.1.3680043.8.498.2' },
  ];
  const metaEncoding = { implicit: false, littleEndian: true };
  const metaBody = concat(meta.map((e) => encodeElement(e, metaEncoding)));
  const groupLength = encodeElement(
    { tag: [0x0002, 0x0000], vr: 'UL', value: metaBody.length },
    metaEncoding,
  );

  const elements: DicomElement[] = [
    { tag: [0x0008, 0x0016], vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: [0x0028, 0x0002], vr: 'US', value: spec.samplesPerPixel ?? 1 },
    { tag: [0x0028, 0x0004], vr: 'CS', value: spec.photometric ?? 'MONOCHROME2' },
  ];
  if (frames > 1) elements.push({ tag: [0x0028, 0x0008], vr: 'IS', value: String(frames) });
  elements.push(
    { tag: [0x0028, 0x0010], vr: 'US', value: spec.rows },
    { tag: [0x0028, 0x0011], vr: 'US', value: spec.columns },
    { tag: [0x0028, 0x0100], vr: 'US', value: bitsAllocated },
    { tag: [0x0028, 0x0101], vr: 'US', value: spec.bitsStored ?? bitsAllocated },
    { tag: [0x0028, 0x0102], vr: 'US', value: (spec.bitsStored ?? bitsAllocated) - 1 },
    { tag: [0x0028, 0x0103], vr: 'US', value: spec.signed ? 1 : 0 },
  );
  if (spec.window) {
    const list = (v: number | number[]) => (Array.isArray(v) ? v : [v]).join('\\');
    elements.push(
      { tag: [0x0028, 0x1050], vr: 'DS', value: list(spec.window.center) },
      { tag: [0x0028, 0x1051], vr: 'DS', value: list(spec.window.width) },
    );
  }
  if (spec.rescale) {
    elements.push(
      { tag: [0x0028, 0x1052], vr: 'DS', value: String(spec.rescale.intercept) },
      { tag: [0x0028, 0x1053], vr: 'DS', value: String(spec.rescale.slope) },
    );
  }
  elements.push(...(spec.extra ?? []));
  elements.sort((a, b) => a.tag[0] - b.tag[0] || a.tag[1] - b.tag[1]);

  const pixelBytes = new Uint8Array(spec.values.length * (bitsAllocated / 8));
  const view = new DataView(pixelBytes.buffer);
  for (let i = 0; i < spec.values.length; i++) {
    const v = spec.values[i]!;
    if (bitsAllocated === 8) pixelBytes[i] = v & 0xff;
    else view.setUint16(i * 2, v & 0xffff, encoding.littleEndian);
  }
  const compressed =
    transferSyntax !== TRANSFER_SYNTAX.implicitLittle &&
    !transferSyntax.startsWith('1.2.840.10008.1.2.1') &&
    transferSyntax !== TRANSFER_SYNTAX.explicitBig;
  const pixelVr = bitsAllocated === 8 || compressed ? 'OB' : 'OW';
  const floats = spec.floatPixels;
  const pixelElement = floats
    ? encodeElement(
        {
          tag: [0x7fe0, 0x0008],
          vr: 'OF',
          value: new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength),
        },
        encoding,
      )
    : compressed
      ? encapsulated(spec.fragments ?? [pixelBytes], encoding)
      : encodeElement({ tag: [0x7fe0, 0x0010], vr: pixelVr, value: pixelBytes }, encoding);

  const file = concat([
    new Uint8Array(128),
    new TextEncoder().encode('DICM'),
    groupLength,
    metaBody,
    ...elements.map((e) => encodeElement(e, encoding)),
    pixelElement,
  ]);
  return spec.truncateTo === undefined ? file : file.subarray(0, spec.truncateTo);
}

/** Undefined-length pixel data: empty basic offset table, the fragments, sequence delimiter. */
function encapsulated(fragments: Uint8Array[], encoding: Encoding): Uint8Array {
  const header = encodeElement({ tag: [0x7fe0, 0x0010], vr: 'OB', value: new Uint8Array(0) }, encoding, true);
  const item = (data: Uint8Array) => {
    const head = new Uint8Array(8);
    const view = new DataView(head.buffer);
    view.setUint16(0, 0xfffe, true);
    view.setUint16(2, 0xe000, true);
    view.setUint32(4, data.length, true);
    return concat([head, data]);
  };
  const delimiter = new Uint8Array([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return concat([header, item(new Uint8Array(0)), ...fragments.map(item), delimiter]);
}
