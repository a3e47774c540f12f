import type { DicomWindowValues } from '../../shared/index.js';

/** A one-pixel drag moves the window by this share of the frame's value range (400 px span the whole range). */
export const DRAG_SHARE = 1 / 400;

/** DICOM DA (YYYYMMDD) as YYYY-MM-DD; anything else as stored, a dash when empty. */
export const dicomDate = (value: string): string =>
  /^\d{8}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}` : value || '—';

export const orDash = (value: string): string => value.trim() || '—';

/** Enough digits to tell windows apart without printing float noise. */
export const formatNumber = (value: number): string => String(Number(value.toPrecision(6)));

export const windowText = (window: DicomWindowValues): string =>
  `C ${formatNumber(window.center)} · W ${formatNumber(window.width)}`;

/** Modality units per pixel of drag for a frame whose values span `range`. */
export const dragStep = (range: { min: number; max: number }): number =>
  Math.max(range.max - range.min, 1) * DRAG_SHARE;

/**
 * The window after a drag of (dx, dy) pixels from `start`, as on a PACS workstation: right widens, left narrows
 * (never below one step), down lowers the centre (a brighter picture), up raises it.
 */
export function draggedWindow(
  start: DicomWindowValues,
  dx: number,
  dy: number,
  step: number,
): DicomWindowValues {
  return { center: start.center - dy * step, width: Math.max(start.width + dx * step, step) };
}
