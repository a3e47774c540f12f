import { CipherLensError } from '../core/errors.js';
import type { DicomWindow } from '../core/image/dicom.js';
import type { ReadImageOptions } from '../core/image/read-image.js';
import { parseIntegerOption } from './crypto-options.js';

/** The DICOM choices the app's import offers (conversion.dicomFrame / dicomWindow), as CLI options. */
export const dicomCliOptions = {
  frame: { type: 'string' },
  window: { type: 'string' },
} as const;

export const DICOM_USAGE = `  --frame N              DICOM: frame N of a multi-frame object, counting from 0 (default 0)
  --window W             DICOM: file (the file's first window, default) | auto (0.5–99.5th percentile) |
                         C,W (centre and width in modality units, e.g. 40,400; a negative centre
                         as --window=-600,1500)`;

const MAX_FRAME = 1_000_000;

/** `--frame` and `--window` as readImage options (absent ones keep readImage's defaults, as the app does). */
export function parseDicomOptions(values: {
  frame?: string | undefined;
  window?: string | undefined;
}): Pick<ReadImageOptions, 'dicomFrame' | 'dicomWindow'> {
  const frame = parseIntegerOption(values.frame, 'frame', 0, MAX_FRAME);
  const window = values.window === undefined ? undefined : parseWindow(values.window);
  return {
    ...(frame !== undefined && { dicomFrame: frame }),
    ...(window !== undefined && { dicomWindow: window }),
  };
}

function parseWindow(text: string): DicomWindow {
  if (text === 'file' || text === 'auto') return text;
  const parts = text.split(',').map((part) => Number(part.trim()));
  const [center, width] = parts;
  if (parts.length !== 2 || !Number.isFinite(center) || !Number.isFinite(width) || width! <= 0) {
    throw new CipherLensError(
      'BAD_INPUT',
      `--window must be file, auto or "centre,width" with a positive width (e.g. 40,400), got "${text}"`,
    );
  }
  return { center: center!, width: width! };
}
