/**
 * What a DICOM decode tells besides the 8-bit model input: the header fields a key holder wants to see and the
 * modality values before windowing, so the window can be changed later without the original file.
 *
 * These fields are protected health information: they belong inside the encrypted container only, never in a
 * clear workspace record, a log line or an error message.
 */

/** One window (VOI LUT) in modality units, as DICOM PS3.3 C.11.2.1.2 defines centre and width. */
export interface DicomWindowValues {
  center: number;
  width: number;
}

/** A window preset stored in the file (Window Center/Width, with its Window Center & Width Explanation). */
export interface DicomWindowPreset extends DicomWindowValues {
  explanation?: string;
}

/** How the window that made the 8-bit image was chosen. */
export type DicomWindowSource = 'file' | 'auto' | 'chosen' | 'none';

/** The window that made the 8-bit image; `source: 'none'` means 8-bit unsigned values were used as they are. */
export interface DicomWindowUsed extends DicomWindowValues {
  source: DicomWindowSource;
  /**
   * The VOI function (PS3.3 C.11.2.1.2/3): LINEAR when absent. Automatic windows and windows narrower than 1 use
   * LINEAR_EXACT (the range [center − width/2, center + width/2] maps onto 0–255 exactly), which suits
   * fractional values such as a dose in Gy.
   */
  function?: 'LINEAR' | 'LINEAR_EXACT';
}

/** Header fields shown to the key holder (empty string when the file does not have the element). */
export interface DicomMetadata {
  patientName: string;
  patientId: string;
  /** DICOM DA form, YYYYMMDD, as stored. */
  studyDate: string;
  studyDescription: string;
  seriesDescription: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopInstanceUid: string;
  /** Modality (0008,0060), e.g. CT, MR, CR. */
  modality: string;
  /** Body Part Examined (0018,0015). */
  bodyPart: string;
  rows: number;
  columns: number;
  bitsStored: number;
  frames: number;
  windowPresets: DicomWindowPreset[];
}

/**
 * Modality values of the decoded frame before any windowing (Rescale Slope/Intercept applied; grey luma for colour
 * files), row-major, `width × height` values; with the window used and the file's presets.
 */
export interface DicomModalityImage {
  width: number;
  height: number;
  modality: Float32Array;
  /** MONOCHROME1 is shown inverted (higher values darker); colour files were converted to grey luma first. */
  photometric: string;
  window: DicomWindowUsed;
  windowPresets: DicomWindowPreset[];
  metadata: DicomMetadata;
}
