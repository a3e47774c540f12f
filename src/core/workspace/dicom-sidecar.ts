import { z } from 'zod';
import type { CipherKey } from '../crypto/keys.js';
import { openSidecar, sealSidecar } from '../crypto/sidecar.js';
import { CipherLensError } from '../errors.js';
import { decodeGreyImage, encodeGreyPng, type FitMode } from '../image/decode.js';
import { renderModality } from '../image/dicom.js';
import type {
  DicomMetadata,
  DicomModalityImage,
  DicomWindowUsed,
  DicomWindowValues,
} from '../image/dicom-metadata.js';

/**
 * The DICOM details of one workspace item, kept only inside its encrypted sidecar (crypto/sidecar.ts, kind
 * "dicom"): the header fields (protected health information), the original file name and source (which can name
 * the patient), and the frame's modality values, so the key holder can see them, re-window the image and derive
 * the 8-bit model input again without the original file. The JSON part is `DicomDetails`; the binary part is the
 * frame's modality values, `width × height` float32 little-endian, row-major. Layout: docs/workspace.md.
 */
export const DICOM_DETAILS_FORMAT = 'cipherlens-dicom-details';

const finite = z.number().finite();
const windowFunctionSchema = z.enum(['LINEAR', 'LINEAR_EXACT']);
const windowPresetSchema = z.object({
  center: finite,
  width: finite,
  explanation: z.string().optional(),
});
export const windowUsedSchema = z.object({
  center: finite,
  width: finite,
  source: z.enum(['file', 'auto', 'chosen', 'none']),
  function: windowFunctionSchema.optional(),
});

const metadataSchema = z.object({
  patientName: z.string(),
  patientId: z.string(),
  studyDate: z.string(),
  studyDescription: z.string(),
  seriesDescription: z.string(),
  seriesInstanceUid: z.string(),
  studyInstanceUid: z.string(),
  sopInstanceUid: z.string(),
  modality: z.string(),
  bodyPart: z.string(),
  rows: z.number().int().min(0),
  columns: z.number().int().min(0),
  bitsStored: z.number().int().min(0),
  frames: z.number().int().min(0),
  windowPresets: z.array(windowPresetSchema),
});

export const dicomDetailsSchema = z.object({
  format: z.literal(DICOM_DETAILS_FORMAT),
  version: z.literal(1),
  /** What the person imported: the file name and where it came from (both can name the patient). */
  file: z.object({ name: z.string(), source: z.string() }),
  metadata: metadataSchema,
  /** The decoded frame the modality values belong to. */
  frame: z.object({
    width: z.number().int().min(1),
    height: z.number().int().min(1),
    /** Photometric interpretation: MONOCHROME1 is rendered inverted (renderModality, core/image/dicom.ts). */
    photometric: z.string(),
  }),
  /**
   * How the import made the frame square; a re-windowed model input is made the same way. Null when the importer
   * was not told: a square frame is then re-windowed as well (every mode scales a square frame alike), a
   * non-square one is refused.
   */
  fit: z.enum(['error', 'resize', 'pad']).nullable(),
  /** The window of the import (the record holds the current one). */
  importWindow: windowUsedSchema,
});
export type DicomDetails = z.infer<typeof dicomDetailsSchema>;

export interface DicomSidecar {
  details: DicomDetails;
  /** `frame.width × frame.height` modality values. */
  modality: Float32Array;
}

/** What an import knows of a DICOM file: its decoded frame and where it came from. */
export function dicomSidecarOf(
  image: DicomModalityImage,
  file: { name: string; source: string },
  fit: FitMode | null,
): DicomSidecar {
  const metadata: DicomMetadata = { ...image.metadata, windowPresets: image.windowPresets };
  return {
    details: {
      format: DICOM_DETAILS_FORMAT,
      version: 1,
      file,
      metadata,
      frame: { width: image.width, height: image.height, photometric: image.photometric },
      fit,
      importWindow: { ...image.window },
    },
    modality: image.modality,
  };
}

/** The sidecar file's bytes, sealed for item `itemId` under `key` (AES-256-GCM, crypto/sidecar.ts). */
export async function sealDicomSidecar(
  key: CipherKey,
  itemId: string,
  sidecar: DicomSidecar,
): Promise<Uint8Array> {
  const { details, modality } = sidecar;
  if (modality.length !== details.frame.width * details.frame.height) {
    throw new CipherLensError(
      'INTERNAL',
      `${modality.length} modality values for a ${details.frame.width}×${details.frame.height} frame`,
    );
  }
  return sealSidecar(key, itemId, 'dicom', {
    json: dicomDetailsSchema.parse(details),
    data: float32Le(modality),
  });
}

/** Opens and checks an item's DICOM sidecar: authentic, this item's, well-formed, every value finite. */
export async function openDicomSidecar(
  key: CipherKey,
  itemId: string,
  bytes: Uint8Array,
  source = `the DICOM details of image ${itemId}`,
): Promise<DicomSidecar> {
  const content = await openSidecar(key, bytes, { itemId, kind: 'dicom' }, source);
  const parsed = dicomDetailsSchema.safeParse(content.json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} are not readable: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  const { width, height } = parsed.data.frame;
  if (content.data.length !== width * height * 4) {
    throw new CipherLensError(
      'BAD_FORMAT',
      `${source} hold ${content.data.length} bytes of modality values; a ${width}×${height} frame needs ${width * height * 4}`,
    );
  }
  const view = new DataView(content.data.buffer, content.data.byteOffset, content.data.byteLength);
  const modality = new Float32Array(width * height);
  for (let i = 0; i < modality.length; i++) {
    const value = view.getFloat32(i * 4, true);
    if (!Number.isFinite(value)) {
      throw new CipherLensError('BAD_FORMAT', `${source} hold a non-finite modality value at pixel ${i}`);
    }
    modality[i] = value;
  }
  return { details: parsed.data, modality };
}

/** The largest window centre/width magnitude accepted (far beyond any modality's range, e.g. CT's ±32768). */
export const MAX_WINDOW_MAGNITUDE = 1e9;

/**
 * A window a person chose, as the import takes one (core/image/dicom.ts): finite, width > 0; LINEAR from
 * width 1 up (DICOM PS3.3 C.11.2.1.2.1), LINEAR_EXACT below (fractional values, e.g. a dose in Gy).
 */
export function chosenWindow(window: DicomWindowValues): DicomWindowUsed {
  const { center, width } = window;
  if (!Number.isFinite(center) || Math.abs(center) > MAX_WINDOW_MAGNITUDE) {
    throw new CipherLensError(
      'BAD_INPUT',
      `window centre ${center} is not a finite number within ±${MAX_WINDOW_MAGNITUDE}`,
    );
  }
  if (!Number.isFinite(width) || width <= 0 || width > MAX_WINDOW_MAGNITUDE) {
    throw new CipherLensError(
      'BAD_INPUT',
      `window width ${width} must be a positive number of at most ${MAX_WINDOW_MAGNITUDE}`,
    );
  }
  return { center, width, source: 'chosen', function: width >= 1 ? 'LINEAR' : 'LINEAR_EXACT' };
}

/**
 * The window a request names, as it will be applied: the import's own (with its VOI function, e.g. LINEAR_EXACT
 * for an automatic window) when the numbers are the import's — so going back to it gives back the import's very
 * pixels — else a chosen one.
 */
export function windowFor(sidecar: DicomSidecar, window: DicomWindowValues): DicomWindowUsed {
  const used = chosenWindow(window);
  const { importWindow } = sidecar.details;
  return used.center === importWindow.center && used.width === importWindow.width
    ? { ...importWindow }
    : used;
}

/** The frame windowed to 8-bit grey by the import's one rendering rule (renderModality). */
export function windowFrame(sidecar: DicomSidecar, window: DicomWindowValues): Uint8Array {
  return renderModality(sidecar.modality, windowFor(sidecar, window), sidecar.details.frame.photometric);
}

/** Says a window the way the import's conversion steps say one. */
export function windowStep(used: DicomWindowUsed): string {
  const how = used.source === 'chosen' ? 'chosen in the item dialog' : `the import's ${used.source} window`;
  return `window C=${used.center} W=${used.width} (${how}, ${used.function ?? 'LINEAR'}) to 8 bits`;
}

/**
 * The item's model input with another window: the frame windowed, then made square at `size` exactly as the
 * import did (same fit, same resampling: core/image/decode.ts).
 */
export async function rewindowedInput(
  sidecar: DicomSidecar,
  window: DicomWindowValues,
  size: number,
): Promise<Uint8Array> {
  const { frame, fit } = sidecar.details;
  if (fit === null && frame.width !== frame.height) {
    throw new CipherLensError(
      'BAD_INPUT',
      `this image's ${frame.width}×${frame.height} frame was made square by an import that did not record how (resize or pad): import the file again to re-window it`,
    );
  }
  const grey = windowFrame(sidecar, window);
  const png = await encodeGreyPng({ pixels: grey, width: frame.width, height: frame.height });
  const squared = await decodeGreyImage(png, {
    size,
    fit: fit ?? 'error',
    name: 'the re-windowed DICOM frame',
  });
  if (squared.width !== size || squared.height !== size) {
    throw new CipherLensError(
      'INTERNAL',
      `the re-windowed frame came out ${squared.width}×${squared.height}, not ${size}×${size}`,
    );
  }
  return squared.pixels;
}

/**
 * The record's conversion steps with the window step replaced by `window`'s: every step that speaks of the
 * window (the file's, the automatic one, or an earlier choice) goes, and the new one takes the first one's place.
 */
export function conversionWithWindow(conversion: readonly string[], window: DicomWindowUsed): string[] {
  const isWindowStep = (step: string): boolean => /\bwindow\b/i.test(step);
  const first = conversion.findIndex(isWindowStep);
  const kept = conversion.filter((step) => !isWindowStep(step));
  const at = first < 0 ? kept.length : first;
  return [...kept.slice(0, at), windowStep(window), ...kept.slice(at)];
}

function float32Le(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}
