import type { OperationResponse, SecurityReport } from '../../shared/index.js';
import { formatNumber } from '../components/dom.js';

export type Sensitivity = SecurityReport['keySensitivity'];
export type RoundTrip = OperationResponse<'previewCipher'>;

/** One row of the NPCR/UACI table: a test (key or plaintext change) at one significance level. */
export interface SensitivityRow {
  test: string;
  npcr: number;
  uaci: number;
  critical: Sensitivity['critical'][number];
}

export const percent = (value: number): string => `${value.toFixed(4)}%`;

/** Key sensitivity first, then plaintext sensitivity, each at every α the report has critical values for. */
export function sensitivityRows(report: SecurityReport): SensitivityRow[] {
  const rows = (test: string, s: Sensitivity): SensitivityRow[] =>
    s.critical.map((critical) => ({ test, npcr: s.npcr, uaci: s.uaci, critical }));
  return [
    ...rows('Key (1 bit)', report.keySensitivity),
    ...rows('Plaintext (1 pixel)', report.plaintextSensitivity),
  ];
}

export const verdictCell = (pass: boolean): string => (pass ? 'pass' : 'fail');

/** A correlation coefficient, or why there is none (a constant image has no variance). */
export const coefficient = (value: number | null): string =>
  value === null ? 'undefined (constant image)' : formatNumber(value);

/** What was changed for a sensitivity test, in words. */
export function changeDescription(sensitivity: Sensitivity): string {
  if (sensitivity.flippedBit !== null) return `key bit ${sensitivity.flippedBit} flipped`;
  const pixel = sensitivity.changedPixel;
  if (pixel) return `pixel (row ${pixel.row}, column ${pixel.col}) changed ${pixel.from} → ${pixel.to}`;
  return '';
}
