import { describe, expect, it } from 'vitest';
import type { SecurityReport } from '../../src/shared/index.js';
import {
  changeDescription,
  coefficient,
  percent,
  sensitivityRows,
  verdictCell,
  type Sensitivity,
} from '../../src/renderer/views/security-state.js';

const critical = (alpha: number, npcrPass: boolean) => ({
  alpha,
  npcrCritical: 99.5,
  uaciLow: 33.2,
  uaciHigh: 33.7,
  npcrPass,
  uaciPass: true,
});

const sensitivity = (overrides: Partial<Sensitivity>): Sensitivity => ({
  npcr: 99.6,
  uaci: 33.4,
  changedPixels: 780,
  npcrPValue: 0.4,
  uaciPValue: 0.5,
  critical: [critical(0.05, true), critical(0.01, true)],
  pass: true,
  verdict: 'passes',
  changedPixel: null,
  flippedBit: null,
  ...overrides,
});

describe('security view state', () => {
  it('lists key then plaintext sensitivity at every α, with its own NPCR/UACI on each row', () => {
    const report = {
      keySensitivity: sensitivity({ flippedBit: 17 }),
      plaintextSensitivity: sensitivity({
        npcr: 0.13,
        uaci: 0.0005,
        critical: [critical(0.05, false)],
        changedPixel: { index: 3, row: 0, col: 3, from: 10, to: 11 },
      }),
    } as unknown as SecurityReport;
    const rows = sensitivityRows(report);
    expect(rows.map((r) => [r.test, r.critical.alpha, r.npcr, verdictCell(r.critical.npcrPass)])).toEqual([
      ['Key (1 bit)', 0.05, 99.6, 'pass'],
      ['Key (1 bit)', 0.01, 99.6, 'pass'],
      ['Plaintext (1 pixel)', 0.05, 0.13, 'fail'],
    ]);
    expect(changeDescription(report.keySensitivity)).toBe('key bit 17 flipped');
    expect(changeDescription(report.plaintextSensitivity)).toBe('pixel (row 0, column 3) changed 10 → 11');
    expect(changeDescription(sensitivity({}))).toBe('');
  });

  it('formats percentages and says why a correlation is missing', () => {
    expect(percent(99.609375)).toBe('99.6094%');
    expect(coefficient(0.123456)).toBe('0.1235');
    expect(coefficient(null)).toBe('undefined (constant image)');
  });
});
